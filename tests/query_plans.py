"""The plan a database would run a captured statement with: PostgreSQL's EXPLAIN lines, or
SQLite's EXPLAIN QUERY PLAN details. For tests that a query reads an index, not a table."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine


def plan_of(engine: Engine, statement: str, params: Any) -> list[str]:
    """The plan of `statement` with `params` (as a driver received them), nothing executed."""
    postgresql = engine.dialect.name == "postgresql"
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(("EXPLAIN " if postgresql else "EXPLAIN QUERY PLAN ") + statement, params)
        lines = [str(r[0] if postgresql else r[-1]) for r in cursor]
        raw.rollback()
    finally:
        raw.close()
    return lines
