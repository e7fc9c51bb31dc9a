"""Portfolio import on real SQLite and PostgreSQL: atomic, idempotent, on the record."""

from __future__ import annotations

from datetime import UTC, date, datetime

from portfolio_files import ACCOUNTS, PAYMENTS, SCHEDULES, write_portfolio
from sqlalchemy import func, select, text

from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.repositories import SqlEventLog
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.services.audit import verify_all
from fairdebt.services.importing import ImportOptions, import_portfolio

AS_OF = date(2026, 4, 20)
NOW = datetime(2026, 4, 20, 9, 0, tzinfo=UTC)


def _import(engine, folder, **options):
    return import_portfolio(
        SqlUnitOfWork(engine), [folder], ImportOptions(as_of=AS_OF, now=NOW, **options)
    )


def _count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_a_portfolio_imports_with_a_case_per_borrower(engine, tmp_path) -> None:
    report = _import(engine, write_portfolio(tmp_path / "p"))

    assert report.written and report.new == 2 + 2 + 4 + 1
    assert report.cases_opened == 2 and _count(engine, t.case_events) == 2
    with engine.connect() as conn:
        phones = conn.execute(select(t.borrowers.c.phones).where(t.borrowers.c.id == "B0001"))
        assert phones.scalar_one() == "+8613812345678;+8613912345678"
        principal = conn.execute(
            select(t.accounts.c.principal_cents).where(t.accounts.c.id == "A0001")
        )
        assert principal.scalar_one() == 300_000


def test_importing_the_same_files_again_changes_nothing(engine, tmp_path) -> None:
    folder = write_portfolio(tmp_path / "p")
    _import(engine, folder)

    again = _import(engine, folder)

    assert (again.new, again.changed, again.cases_opened, again.events) == (0, 0, 0, 0)
    assert _count(engine, t.case_events) == 2


def test_a_changed_row_updates_and_is_logged_on_its_case(engine, tmp_path) -> None:
    _import(engine, write_portfolio(tmp_path / "p"))
    changed = [dict(ACCOUNTS[0], principal="3100.00"), ACCOUNTS[1]]
    more = [
        *PAYMENTS,
        {
            "payment_id": "P0002",
            "account_id": "A0001",
            "paid_on": "2026-03-20",
            "amount": "500",
            "channel": "payment_link",
            "channel_ref": "PL9",
        },
    ]

    report = _import(engine, write_portfolio(tmp_path / "q", accounts=changed, payments=more))

    assert report.changed == 1 and report.summaries["payments"].new == 1
    with engine.connect() as conn:
        events = SqlEventLog(conn).events("C-B0001")
    assert [e.type for e in events] == ["case_opened", "account_updated", "payment_recorded"]
    assert events[1].data["changed"] == {"principal_cents": [300000, 310000]}
    assert verify_all(SqlUnitOfWork(engine)).ok


def test_one_invalid_row_means_nothing_is_written(engine, tmp_path) -> None:
    bad = [
        *PAYMENTS,
        {
            "payment_id": "P9",
            "account_id": "A0001",
            "paid_on": "2026-02-14",
            "amount": "-5",
            "channel": "bank_transfer",
            "channel_ref": "",
        },
    ]

    report = _import(engine, write_portfolio(tmp_path / "p", payments=bad))

    assert not report.written
    assert [(e.file, e.row, e.column) for e in report.errors] == [("payments.csv", 3, "amount")]
    assert _count(engine, t.borrowers) == 0 and _count(engine, t.cases) == 0


def test_every_error_of_every_file_is_reported_at_once(engine, tmp_path) -> None:
    accounts = [
        dict(ACCOUNTS[0], borrower_id="B9999"),
        dict(ACCOUNTS[1], disbursed_on="2026-02-30"),
    ]
    schedules = [dict(SCHEDULES[0], seq="zero")]

    report = _import(
        engine, write_portfolio(tmp_path / "p", accounts=accounts, schedules=schedules)
    )

    found = {(e.file, e.row, e.column) for e in report.errors}
    assert {
        ("accounts.csv", 2, "borrower_id"),
        ("accounts.csv", 3, "disbursed_on"),
        ("schedules.csv", 2, "seq"),
    } <= found


def test_skip_invalid_writes_the_rest_and_a_rejects_file(engine, tmp_path) -> None:
    accounts = [ACCOUNTS[0], dict(ACCOUNTS[1], principal="-1")]
    folder = write_portfolio(tmp_path / "p", accounts=accounts)

    report = _import(engine, folder, skip_invalid=True)

    assert report.written and _count(engine, t.accounts) == 1
    rejects = (folder / "accounts.csv.rejects.csv").read_text(encoding="utf-8")
    assert "A0002" in rejects and "cannot be negative" in rejects
    # the instalment of the rejected account is rejected with it, not orphaned
    assert _count(engine, t.instalments) == 3


def test_the_snapshot_gives_dpd_and_bucket_per_case(engine, tmp_path) -> None:
    _import(engine, write_portfolio(tmp_path / "p"))

    with engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT id, dpd FROM cases")).all())
        buckets = dict(conn.execute(text("SELECT id, bucket FROM cases")).all())

    # A0001: first instalment paid; the second, due 2026-03-15, is 36 days late on 2026-04-20
    assert rows == {"C-B0001": 36, "C-B0002": 19}
    assert buckets == {"C-B0001": "M2", "C-B0002": "M1"}
