"""Hostile values in an import file: a date in the year 0000 and a NUL character are rejected
rows with their reasons in the rejects file (PostgreSQL refuses NUL in text; no database has a
year 0), and the import stays all or nothing."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from portfolio_files import ACCOUNTS, BORROWERS, PAYMENTS, write_portfolio
from sqlalchemy import func, select

from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.services.importing import ImportOptions, import_portfolio

AS_OF = date(2026, 4, 20)
NOW = datetime(2026, 4, 20, 9, 0, tzinfo=UTC)


def _import(engine, folder: Path, **options):
    return import_portfolio(
        SqlUnitOfWork(engine), [folder], ImportOptions(as_of=AS_OF, now=NOW, **options)
    )


def _rejects(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


CASES = {
    "year 0000": ("accounts", ACCOUNTS, "disbursed_on", "0000-01-15"),
    "year 0000 payment": ("payments", PAYMENTS, "paid_on", "0000-02-14"),
    "NUL in a name": ("borrowers", BORROWERS, "name", "张\x00伟"),
    "NUL in a payment ref": ("payments", PAYMENTS, "channel_ref", "TX\x001"),
}


REASONS = {
    "year 0000": "is outside the years 1900 to 9000",
    "year 0000 payment": "is outside the years 1900 to 9000",
    "NUL in a name": "contains a NUL character (U+0000)",
    "NUL in a payment ref": "contains a NUL character (U+0000)",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_hostile_value_is_a_reported_row_and_nothing_is_written(
    engine, tmp_path: Path, name: str
) -> None:
    kind, rows, column, value = CASES[name]
    hostile = [dict(rows[0], **{column: value}), *rows[1:]]
    folder = write_portfolio(tmp_path / "p", **{kind: hostile})

    report = _import(engine, folder)

    assert not report.written
    assert _count(engine, t.borrowers) == 0
    mine = [e for e in report.errors if e.file == f"{kind}.csv" and e.column == column]
    assert [(e.row, e.reason) for e in mine] == [(2, REASONS[name])], report.errors


@pytest.mark.parametrize("name", sorted(CASES))
def test_with_skip_invalid_a_hostile_value_is_in_the_rejects_file_with_its_reason(
    engine, tmp_path: Path, name: str
) -> None:
    kind, rows, column, value = CASES[name]
    hostile = [dict(rows[0], **{column: value}), *rows[1:]]
    folder = write_portfolio(tmp_path / "p", **{kind: hostile})

    report = _import(engine, folder, skip_invalid=True)

    assert report.written
    rejects = [r for path in report.rejects for r in _rejects(path)]
    mine = [r for r in rejects if f"{column}: {REASONS[name]}" in r["reason"]]
    assert len(mine) == 1, rejects
    assert mine[0][column] == value  # the value as given, NUL and all


FORMULAS = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(1+1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("formula", FORMULAS)
def test_a_formula_is_stored_as_given_and_inert_in_the_rejects_file(
    engine, tmp_path: Path, formula: str
) -> None:
    accounts = [
        dict(ACCOUNTS[0], lender=formula),  # valid: stored as given
        dict(ACCOUNTS[1], lender=formula, principal="-5"),  # rejected: neutralised in the file
    ]
    folder = write_portfolio(tmp_path / "p", accounts=accounts, payments=[])

    report = _import(engine, folder, skip_invalid=True)

    assert report.written
    with engine.connect() as conn:
        stored = conn.execute(select(t.accounts.c.lender).where(t.accounts.c.id == "A0001"))
        assert stored.scalar_one() == formula.strip()
    text = (folder / "accounts.csv.rejects.csv").read_text(encoding="utf-8")
    (rejected,) = _rejects(folder / "accounts.csv.rejects.csv")
    assert rejected["lender"] == "'" + formula.strip() or rejected["lender"] == "'" + formula
    assert rejected["principal"] == "'-5"
    assert "@SUM" not in text.replace("'@SUM", "")
