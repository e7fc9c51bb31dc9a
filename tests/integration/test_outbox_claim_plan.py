"""A worker's claim reads the head of the queue, not the table: with thousands of sent rows kept
before a few queued ones, neither database scans the outbox whole (before the partial index
ix_outbox_open_due, PostgreSQL read and sorted every row, so a claim grew slower with every
message ever sent); with thousands due at once, neither sorts them all to take fifty (SQLite,
without statistics, had taken the status index and sorted every due row: 36 ms a claim at
50,000 due)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import console_data
import pytest
from query_plans import plan_of
from sqlalchemy import event, insert, text
from sqlalchemy.engine import Engine

from fairdebt.adapters.db.outbox_tables import outbox
from fairdebt.adapters.db.uow import SqlUnitOfWork

NOW = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)
KEPT = 3_000  # sent rows, all due before the queued ones


def _rows(engine: Engine, case: str, *, backlog: bool = False, analyze: bool = True) -> None:
    """KEPT sent rows, then 5 queued ones due after them; or (backlog) KEPT queued rows, all
    due. `analyze`: the database's statistics brought up to date first."""

    def row(n: int, status: str, due: datetime) -> dict[str, Any]:
        return {
            "key": f"k{status}{n:06d}", "case_id": case, "channel": "sms", "party": "borrower",
            "purpose": "reminder", "collector": "c", "actor": "a", "pack": "cn",
            "recipient": "+8613900000000", "subject": "", "body": "text", "language": "zh-CN",
            "document": "", "status": status, "due_at": due.isoformat(), "tries": 0,
            "decision_id": f"d{status}{n}", "created_at": due.isoformat(),
        }  # fmt: skip

    early = NOW - timedelta(days=30)
    kept = [
        row(n, "queued" if backlog else "sent", early + timedelta(seconds=n)) for n in range(KEPT)
    ]
    queued = [] if backlog else [row(n, "queued", NOW - timedelta(minutes=1)) for n in range(5)]
    with engine.begin() as conn:
        conn.execute(insert(outbox), kept + queued)
        if analyze:
            conn.execute(text("ANALYZE"))


@pytest.fixture
def case(engine: Engine) -> str:
    with engine.begin() as conn:
        portfolio = console_data.build(conn, count=1)
    return portfolio.case_ids[0]


def _claim_plan(engine: Engine) -> tuple[list[str], int]:
    """The plan of the claim statement a worker runs, and how many rows the claim took."""
    seen: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if "claim_expires" in statement and "LIMIT" in statement.upper() and not seen:
            seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        with SqlUnitOfWork(engine) as uow:
            claimed = uow.outbox.claim_due(NOW, "w1", NOW + timedelta(minutes=1), 50)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    statement, params = seen[0]
    return plan_of(engine, statement, params), len(claimed)


def test_a_claim_does_not_read_the_sent_rows_the_outbox_keeps(engine: Engine, case: str) -> None:
    _rows(engine, case)

    plan, claimed = _claim_plan(engine)

    assert claimed == 5  # the queued rows, and none of the sent ones
    _reads_the_open_rows_in_order(plan)


def test_a_claim_takes_fifty_of_thousands_due_without_sorting_them_all(
    engine: Engine, case: str
) -> None:
    # Statistics as each database keeps them: PostgreSQL's autovacuum analyses a table that
    # grew (done here at once, as it would be), SQLite keeps none unless asked.
    _rows(engine, case, backlog=True, analyze=engine.dialect.name == "postgresql")

    plan, claimed = _claim_plan(engine)

    assert claimed == 50
    _reads_the_open_rows_in_order(plan)


def _reads_the_open_rows_in_order(plan: list[str]) -> None:
    whole = [line for line in plan if "Seq Scan on outbox" in line or line == "SCAN outbox"]
    assert not whole, plan
    assert any("ix_outbox_open_due" in line for line in plan), plan
    assert not any(line.lstrip(" ->").startswith("Sort") for line in plan), plan  # PostgreSQL
    assert not any("TEMP B-TREE" in line for line in plan), plan  # SQLite


def test_the_migration_indexes_the_statuses_a_worker_claims() -> None:
    """The migration's frozen copy of the index condition still names every open status (a new
    status a worker may claim would need a migration of its own)."""
    import importlib

    from fairdebt.adapters.db.outbox_tables import OPEN_STATUSES

    migration = importlib.import_module(
        "fairdebt.adapters.db.migrations.versions.0022_outbox_open_index"
    )
    assert migration.OPEN == OPEN_STATUSES == "status IN ('queued', 'sending')"
