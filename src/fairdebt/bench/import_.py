"""`fairdebt bench import`: accounts/s of `fairdebt import` into a fresh SQLite database.

Baseline, measured in the same run: the row-by-row way — build domain objects per row and insert
each with its own statement — on a sample, scaled linearly to the full size (it would take hours
at a million accounts). The ratio says how much the bulk path saves.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast

DEFAULT_SIZE = 100_000
BASELINE_SAMPLE = 2_000
AS_OF = date(2026, 11, 24)


def run(size: int | None, quiet: bool) -> dict[str, Any]:
    from fairdebt.bench._measure import peak_rss_mb

    size = size or DEFAULT_SIZE
    say = (lambda _m: None) if quiet else _say
    with tempfile.TemporaryDirectory(prefix="fairdebt-bench-") as tmp:
        folder = Path(tmp)
        generated = time.perf_counter()
        _generate(size, folder / "portfolio")
        generate_seconds = time.perf_counter() - generated
        say(f"generated {size:,} accounts in {generate_seconds:.1f} s; importing…")
        seconds, report, checks = _ours(folder, size)
        say(f"imported in {seconds:.1f} s; measuring the row-by-row baseline…")
        baseline = (
            _row_by_row(folder, min(size, BASELINE_SAMPLE)) * size / min(size, BASELINE_SAMPLE)
        )
    rows = {k: s.rows for k, s in report.summaries.items()}
    return {
        "name": "import",
        "size": size,
        "seconds": round(seconds, 2),
        "rate": round(size / seconds, 1),
        "peak_rss_mb": peak_rss_mb(),
        "baselines": {
            "row_by_row_domain_objects (scaled from a sample)": round(baseline / seconds, 1)
        },
        "checks": checks,
        "rows": rows,
        "events": report.events,
        "generate_seconds": round(generate_seconds, 2),
        "target_seconds_for_1m": 120,
    }


def _generate(size: int, folder: Path) -> None:
    """In a child process, so the peak memory measured here is the import's alone."""
    import subprocess
    import sys

    subprocess.run(
        [
            sys.executable,
            "-m",
            "fairdebt",
            "generate",
            "--accounts",
            str(size),
            "--out",
            str(folder),
            "--seed",
            "1",
            "--as-of",
            AS_OF.isoformat(),
        ],
        check=True,
        capture_output=True,
    )


def _say(message: str) -> None:
    from fairdebt.cli._common import console

    console.print(message)


def _ours(folder: Path, size: int) -> tuple[float, Any, dict[str, bool]]:
    from sqlalchemy import text

    from fairdebt.adapters.db.engine import make_engine
    from fairdebt.adapters.db.migrate import upgrade
    from fairdebt.adapters.db.uow import SqlUnitOfWork
    from fairdebt.services.importing import ImportOptions, import_portfolio

    engine = make_engine(f"sqlite:///{folder / 'bench.db'}", timeout=30)
    upgrade(engine)
    options = ImportOptions(as_of=AS_OF, now=datetime.now(UTC))
    started = time.perf_counter()
    report = import_portfolio(SqlUnitOfWork(engine), [folder / "portfolio"], options)
    seconds = time.perf_counter() - started
    with engine.connect() as conn:
        accounts = conn.execute(text("SELECT COUNT(*) FROM accounts")).scalar_one()
        statuses = conn.execute(text("SELECT COUNT(*) FROM account_status")).scalar_one()
    checks = {
        "every account imported": accounts == size and report.written,
        "every account has a delinquency snapshot": statuses == size,
        "no row rejected": not report.errors,
    }
    engine.dispose()
    return seconds, report, checks


def _row_by_row(folder: Path, sample: int) -> float:
    """The naive import of `sample` accounts with everything they own: each row parsed into a
    domain object, one INSERT per row."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    from sqlalchemy import insert

    from fairdebt.adapters.db import tables as t
    from fairdebt.adapters.db.engine import make_engine
    from fairdebt.adapters.db.migrate import upgrade

    engine = make_engine(f"sqlite:///{folder / 'naive.db'}", timeout=30)
    upgrade(engine)
    source = folder / "portfolio"
    accounts = pq.read_table(source / "accounts.parquet").slice(0, sample)
    ids = accounts["account_id"]
    wanted = accounts["borrower_id"]

    def rows(name: str, column: str, keys: object) -> list[dict[str, Any]]:
        table = pq.read_table(source / f"{name}.parquet")
        return cast(list[dict[str, Any]], table.filter(pc.is_in(table[column], keys)).to_pylist())

    data = {
        "borrowers": rows("borrowers", "borrower_id", wanted),
        "schedules": rows("schedules", "account_id", ids),
        "payments": rows("payments", "account_id", ids),
    }
    started = time.perf_counter()
    with engine.begin() as conn:
        for row in data["borrowers"]:
            conn.execute(insert(t.borrowers).values(**_borrower(row)))
        for row in accounts.to_pylist():
            conn.execute(insert(t.accounts).values(**_account(row)))
        for row in data["schedules"]:
            conn.execute(insert(t.instalments).values(**_instalment(row)))
        for row in data["payments"]:
            conn.execute(insert(t.payments).values(**_payment(row)))
    seconds = time.perf_counter() - started
    engine.dispose()
    return seconds


def _borrower(row: dict[str, Any]) -> dict[str, Any]:
    from fairdebt.domain.borrower import Borrower

    phones = tuple(p for p in (row["phones"] or "").split(";") if p)
    b = Borrower(row["borrower_id"], row["name"], row["national_id"], phones)
    return {
        "id": b.id,
        "name": b.name,
        "national_id": b.national_id,
        "phones": ";".join(b.phones),
        "timezone": b.timezone,
    }


def _account(row: dict[str, Any]) -> dict[str, Any]:
    from decimal import Decimal

    from fairdebt.domain.loan import Account, LenderType, Product
    from fairdebt.domain.money import Money

    a = Account(
        row["account_id"],
        row["borrower_id"],
        Product(row["product"]),
        row["lender"],
        LenderType(row["lender_type"]),
        Money(Decimal(row["principal"])),
        Decimal(row["interest_rate"]),
        row["disbursed_on"],
    )
    return {
        "id": a.id,
        "borrower_id": a.borrower_id,
        "product": a.product.value,
        "lender": a.lender,
        "lender_type": a.lender_type.value,
        "currency": a.currency,
        "principal_cents": a.principal.cents,
        "interest_rate": str(a.interest_rate),
        "penalty_rate": "0",
        "fee_rate": "0",
        "contract_date": a.disbursed_on,
        "disbursed_on": a.disbursed_on,
    }


def _instalment(row: dict[str, Any]) -> dict[str, Any]:
    from decimal import Decimal

    from fairdebt.domain.loan import Instalment
    from fairdebt.domain.money import Money

    i = Instalment(
        row["seq"],
        row["due_on"],
        Money(Decimal(row["principal"])),
        Money(Decimal(row["interest"])),
        Money(Decimal(row["fee"] or 0)),
    )
    return {
        "account_id": row["account_id"],
        "seq": i.seq,
        "due_on": i.due_on,
        "principal_cents": i.principal.cents,
        "interest_cents": i.interest.cents,
        "fee_cents": i.fee.cents,
    }


def _payment(row: dict[str, Any]) -> dict[str, Any]:
    from decimal import Decimal

    from fairdebt.domain.loan import Payment
    from fairdebt.domain.money import Money

    p = Payment(
        row["payment_id"],
        row["account_id"],
        row["paid_on"],
        Money(Decimal(row["amount"])),
        row["channel"],
        row["channel_ref"] or "",
    )
    return {
        "id": p.id,
        "account_id": p.account_id,
        "paid_on": p.paid_on,
        "amount_cents": p.amount.cents,
        "channel": p.channel,
        "channel_ref": p.channel_ref,
    }
