"""The portfolio import on the in-memory unit of work: all or nothing, idempotent, on the record."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from fakes import FakeUnitOfWork
from portfolio_files import ACCOUNTS, PAYMENTS, SCHEDULES, write_portfolio

from fairdebt.services.audit import verify_all
from fairdebt.services.importing import ImportOptions, ImportReport, import_portfolio

AS_OF = date(2026, 4, 20)
NOW = datetime(2026, 4, 20, 9, 0, tzinfo=UTC)


def _import(uow: FakeUnitOfWork, folder: Path, **options: object) -> ImportReport:
    return import_portfolio(uow, [folder], ImportOptions(as_of=AS_OF, now=NOW, **options))  # type: ignore[arg-type]


def _stored(uow: FakeUnitOfWork) -> dict[str, int]:
    return {kind: len(rows) for kind, rows in uow.portfolio.rows.items()}


def test_a_first_import_stores_every_row_and_opens_a_case_per_borrower(tmp_path) -> None:
    uow = FakeUnitOfWork()

    report = _import(uow, write_portfolio(tmp_path / "p"))

    assert report.written and uow.commits == 1
    assert _stored(uow) == {"borrowers": 2, "accounts": 2, "schedules": 4, "payments": 1}
    assert uow.portfolio.rows["accounts"][("A0001",)]["principal_cents"] == 300_000
    assert sorted(uow.cases.rows) == ["C-B0001", "C-B0002"]
    opened = uow.events.events("C-B0001")
    assert [e.type for e in opened] == ["case_opened"]
    assert opened[0].data == {"borrower": "B0001", "accounts": ["A0001"]}
    assert (report.cases_opened, report.events) == (2, 2)


def test_one_bad_row_rejects_the_whole_import_and_leaves_nothing(tmp_path) -> None:
    uow = FakeUnitOfWork()
    bad = [*PAYMENTS, dict(PAYMENTS[0], payment_id="P9", amount="-5")]

    report = _import(uow, write_portfolio(tmp_path / "p", payments=bad))

    assert not report.written and uow.commits == 0
    assert [(e.file, e.row, e.column) for e in report.errors] == [("payments.csv", 3, "amount")]
    assert _stored(uow) == {"borrowers": 0, "accounts": 0, "schedules": 0, "payments": 0}
    assert not uow.cases.rows and not uow.events.chains


def test_a_bad_second_import_changes_nothing_that_was_there(tmp_path) -> None:
    uow = FakeUnitOfWork()
    _import(uow, write_portfolio(tmp_path / "p"))
    before = {k: dict(v) for k, v in uow.portfolio.rows.items()}
    changed = [dict(ACCOUNTS[0], principal="9999"), dict(ACCOUNTS[1], borrower_id="B404")]

    report = _import(uow, write_portfolio(tmp_path / "q", accounts=changed))

    assert not report.written
    assert [(e.row, e.column) for e in report.errors] == [(3, "borrower_id")]
    assert "B404 is not in this import or the database" in report.errors[0].reason
    assert uow.portfolio.rows == before
    assert [e.type for e in uow.events.events("C-B0001")] == ["case_opened"]


def test_a_parent_already_stored_satisfies_a_child_row(tmp_path) -> None:
    uow = FakeUnitOfWork()
    _import(uow, write_portfolio(tmp_path / "p"))
    folder = tmp_path / "q"
    write_portfolio(folder, borrowers=[], accounts=[], schedules=[], payments=[])
    from portfolio_files import write_csv

    more = [dict(PAYMENTS[0], payment_id="P0002", paid_on="2026-03-20", amount="500")]
    write_csv(folder / "payments.csv", more)

    report = _import(uow, folder)

    assert report.written and report.summaries["payments"].new == 1
    types = [e.type for e in uow.events.events("C-B0001")]
    assert types == ["case_opened", "payment_recorded"]
    assert uow.portfolio.snapshot_as_of == AS_OF


def test_importing_the_same_files_again_changes_nothing(tmp_path) -> None:
    uow = FakeUnitOfWork()
    folder = write_portfolio(tmp_path / "p")
    _import(uow, folder)

    again = _import(uow, folder)

    assert (again.new, again.changed, again.cases_opened, again.events) == (0, 0, 0, 0)
    assert sum(len(chain) for chain in uow.events.chains.values()) == 2


def test_a_changed_row_is_updated_and_logged_and_the_chain_verifies(tmp_path) -> None:
    uow = FakeUnitOfWork()
    _import(uow, write_portfolio(tmp_path / "p"))
    changed = [dict(ACCOUNTS[0], principal="3100.00"), ACCOUNTS[1]]

    report = _import(uow, write_portfolio(tmp_path / "q", accounts=changed))

    assert report.changed == 1
    assert uow.portfolio.rows["accounts"][("A0001",)]["principal_cents"] == 310_000
    events = uow.events.events("C-B0001")
    assert [e.type for e in events] == ["case_opened", "account_updated"]
    assert events[1].data["changed"] == {"principal_cents": [300000, 310000]}
    assert verify_all(uow).ok


def test_schedule_rows_of_an_account_under_a_plan_are_kept_out(tmp_path) -> None:
    uow = FakeUnitOfWork()
    _import(uow, write_portfolio(tmp_path / "p"))
    uow.portfolio.accepted_plans.add("A0001")
    moved = [dict(row, due_on="2026-05-15") for row in SCHEDULES]

    report = _import(uow, write_portfolio(tmp_path / "q", schedules=moved))

    assert report.kept_by_plan == 3 and report.summaries["schedules"].changed == 1
    assert uow.portfolio.rows["schedules"][("A0001", 1)]["due_on"] == date(2026, 2, 15)
    assert uow.portfolio.rows["schedules"][("A0002", 1)]["due_on"] == date(2026, 5, 15)
