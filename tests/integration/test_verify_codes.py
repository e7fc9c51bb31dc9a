"""Verify codes in the database (SQLite and PostgreSQL): stored as hashes, looked up by code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portfolio_files import write_portfolio
from sqlalchemy import select

from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.adapters.db.verify_tables import verify_codes
from fairdebt.services.importing import ImportOptions, import_portfolio
from fairdebt.services.ports.identity import Role, User
from fairdebt.services.verify import issue, lookup

NOW = datetime(2026, 4, 20, 2, 0, tzinfo=UTC)
AGENT = User("u-1", "col1", "李雷", Role.COLLECTOR)


def test_a_code_is_stored_as_its_hash_and_found_by_the_code(engine, tmp_path) -> None:
    import_portfolio(
        SqlUnitOfWork(engine),
        [write_portfolio(tmp_path / "p")],
        ImportOptions(as_of=NOW.date(), now=NOW),
    )

    code = issue(SqlUnitOfWork(engine), "C-B0001", AGENT, None, NOW, timedelta(days=7))
    found = lookup(SqlUnitOfWork(engine), code, NOW + timedelta(days=1))
    late = lookup(SqlUnitOfWork(engine), code, NOW + timedelta(days=8))

    with engine.connect() as conn:
        (row,) = conn.execute(select(verify_codes)).all()
    assert code.replace("-", "") not in " ".join(str(v) for v in row)
    assert found.status == "valid" and found.record.collector_name == "李雷"
    assert found.record.organisation and found.record.in_house
    assert found.record.expires_at == NOW + timedelta(days=7)
    assert late.status == "expired"
