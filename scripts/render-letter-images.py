"""Render the first page of each letter kind to docs/img/letter-<kind>.png (about 90 dpi).

    uv run python scripts/render-letter-images.py [--out docs/img]

Builds a throwaway SQLite database with two example cases (a Chinese consumer loan in-house,
a US card account placed with an agency), renders each letter through fairdebt.letters exactly
as `fairdebt letters render` does, and rasterises page 1 with pypdfium2 (a dev dependency).
The Chinese letters are shown in zh-CN, the validation notice in English.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import pypdfium2 as pdfium
from sqlalchemy import insert

from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.engine import make_engine
from fairdebt.adapters.db.migrate import upgrade
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.letters import KINDS, render_letter
from fairdebt.services.worklist_execute import Sender

NOW = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, 22:00 the day before in NY
DPI = 90
AGENCY = "Example Recovery LLC"
SENDER = Sender(
    phone="400-800-1234",
    portal_url="https://fairdebt.example/verify",
    agency_addresses=((AGENCY, "PO Box 1200, Springfield, IL 62701"),),
)


def _borrower(conn, bid: str, name: str, nid: str | None, address: str, zone: str) -> None:  # type: ignore[no-untyped-def]
    conn.execute(
        insert(t.borrowers).values(
            id=bid, name=name, national_id=nid, phones="", address=address, timezone=zone
        )
    )


def _account(conn, aid: str, bid: str, lender: str, currency: str, cents: int, on: date) -> None:  # type: ignore[no-untyped-def]
    """A loan of `cents` in six monthly instalments from a month after `on`, 1.5 % interest
    each; the first two paid on time."""
    conn.execute(
        insert(t.accounts).values(
            id=aid, borrower_id=bid, product="consumer_loan", lender=lender,
            lender_type="consumer_finance" if currency == "CNY" else "licensed_bank",
            currency=currency, principal_cents=cents, interest_rate="0.18",
            penalty_rate="0.0005" if currency == "CNY" else "0", fee_rate="0",
            contract_date=on, disbursed_on=on,
        )
    )  # fmt: skip
    part = cents // 6
    dues = [date(on.year + (on.month + k) // 12, (on.month + k) % 12 + 1, 15) for k in range(6)]
    conn.execute(
        insert(t.instalments),
        [
            {"account_id": aid, "seq": k + 1, "due_on": due, "principal_cents": part,
             "interest_cents": part * 3 // 200, "fee_cents": 1_000}
            for k, due in enumerate(dues)
        ],
    )  # fmt: skip
    conn.execute(
        insert(t.payments),
        [
            {"id": f"{aid}-P{k}", "account_id": aid, "paid_on": dues[k],
             "amount_cents": part + part * 3 // 200 + 1_000, "channel": "bank_transfer",
             "channel_ref": f"TX-{aid}-{k}"}
            for k in range(2)
        ],
    )  # fmt: skip


def build(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        _borrower(conn, "B1", "张伟", "110105198001011234", "上海市浦东新区世纪大道 100 号 1201 室",
                  "Asia/Shanghai")  # fmt: skip
        _account(conn, "HT-2025-0601-88", "B1", "示例消费金融有限公司", "CNY", 3_600_000,
                 date(2025, 11, 1))  # fmt: skip
        _borrower(conn, "B2", "Jordan Smith", None, "42 Elm Street, Apt 3, Springfield, IL 62704",
                  "America/Chicago")  # fmt: skip
        _account(conn, "4417-1234-5678-9012", "B2", "Example Bank, N.A.", "USD", 480_000,
                 date(2025, 11, 1))  # fmt: skip
        conn.execute(
            insert(t.cases),
            [
                {"id": "C-B1", "borrower_id": "B1", "status": "open", "holds": "",
                 "assignee_kind": None, "assignee_id": None, "opened_on": date(2026, 4, 1)},
                {"id": "C-B2", "borrower_id": "B2", "status": "placed", "holds": "",
                 "assignee_kind": "agency", "assignee_id": AGENCY, "opened_on": date(2026, 4, 1)},
            ],
        )  # fmt: skip
    engine.dispose()


def first_page_png(pdf: bytes, path: Path) -> None:
    doc = pdfium.PdfDocument(pdf)
    try:
        image = doc[0].render(scale=DPI / 72, grayscale=True).to_pil()
    finally:
        doc.close()
    image.save(path, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/img"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'letters.db'}"
        build(url)
        uow = SqlUnitOfWork(make_engine(url))
        for kind in KINDS:
            us = kind == "validation_notice"
            case, locale = ("C-B2", "en") if us else ("C-B1", "zh-CN")
            pdf = render_letter(uow, case, kind, locale, NOW, SENDER)
            path = args.out / f"letter-{kind}.png"
            first_page_png(pdf, path)
            sys.stdout.write(f"{path}\t{path.stat().st_size // 1024} KB\n")


if __name__ == "__main__":
    main()
