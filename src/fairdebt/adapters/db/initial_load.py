"""The first load of a portfolio into an empty database: the fast path.

When the database holds no borrowers or accounts yet, nothing can be "changed" and nothing is
there to compare with, so rows go straight into their tables, and the delinquency snapshot and
the cases are computed on the in-memory Arrow tables by DuckDB with the very SQL the database
uses (adapters/db/snapshot.py), then written in bulk. Later imports take the general path.
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pyarrow as pa
from sqlalchemy.engine import Connection

from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.bulk import deferred_indexes, insert_rows, seal_table
from fairdebt.adapters.db.engine import without_foreign_keys
from fairdebt.adapters.db.lookup_repos import index_borrowers
from fairdebt.adapters.db.lookup_tables import borrower_lookup
from fairdebt.adapters.db.snapshot import account_status_select, bucket_sql
from fairdebt.domain.events import GENESIS, canonical_json, format_instant, seal

EMPTY = {
    "accounts": pa.table(
        {"id": pa.array([], pa.string()), "borrower_id": pa.array([], pa.string())}
    ),
    "instalments": pa.table(
        {
            "account_id": pa.array([], pa.string()),
            "seq": pa.array([], pa.int64()),
            "due_on": pa.array([], pa.date32()),
            "principal_cents": pa.array([], pa.int64()),
            "interest_cents": pa.array([], pa.int64()),
            "fee_cents": pa.array([], pa.int64()),
        }
    ),
    "payments": pa.table(
        {
            "account_id": pa.array([], pa.string()),
            "paid_on": pa.array([], pa.date32()),
            "amount_cents": pa.array([], pa.int64()),
        }
    ),
}


LOADED = (
    t.borrowers,
    borrower_lookup,
    t.accounts,
    t.instalments,
    t.payments,
    t.cases,
    t.case_events,
    t.account_status,
)


def is_empty(conn: Connection) -> bool:
    for table in (t.borrowers, t.accounts, t.instalments, t.payments, t.cases):
        if conn.execute(table.select().limit(1)).first() is not None:
            return False
    return True


def load(
    conn: Connection, tables: dict[str, pa.Table], as_of: date, now: datetime, actor: str
) -> tuple[int, int]:
    """Insert every table, then account_status, cases and their first events. -> (cases, events)

    References were checked before (services/importing.py), so SQLite's per-row foreign-key
    lookups are skipped for this load.
    """
    without_foreign_keys(conn)
    with deferred_indexes(conn, LOADED):
        for name in ("borrowers", "accounts", "instalments", "payments"):
            if name in tables:
                target = getattr(t, name)
                insert_rows(conn, target, seal_table(target, tables[name]))
        if "borrowers" in tables:
            _index(conn, tables["borrowers"])
        return _derive(conn, tables, as_of, now, actor)


def _index(conn: Connection, borrowers: pa.Table) -> None:
    """The blind index of every phone and e-mail loaded (all borrowers are new here)."""
    columns = [
        borrowers[c].to_pylist() if c in borrowers.column_names else [None] * borrowers.num_rows
        for c in ("id", "phones", "email")
    ]
    index_borrowers(conn, zip(*columns, strict=True), replace=False)


def _derive(
    conn: Connection, tables: dict[str, pa.Table], as_of: date, now: datetime, actor: str
) -> tuple[int, int]:
    db = duckdb.connect()
    for name, table in EMPTY.items():
        db.register(name, tables.get(name, table))
    day = f"DATE '{as_of.isoformat()}'"
    status = db.sql(account_status_select(f"({day} - oldest_unpaid)", day)).to_arrow_table()
    db.register("account_status", status)
    db.register("borrowers", tables["borrowers"])
    insert_rows(conn, t.account_status, _table(status))
    cases = db.sql(_CASES.format(day=day, bucket=bucket_sql("dpd"))).to_arrow_table()
    insert_rows(conn, t.cases, _table(cases))
    owned = db.execute(
        "SELECT b.id, list(a.id ORDER BY a.id) FILTER (WHERE a.id IS NOT NULL) FROM borrowers b "
        "LEFT JOIN accounts a ON a.borrower_id = b.id GROUP BY b.id ORDER BY b.id"
    ).fetchall()
    return len(owned), _first_events(conn, owned, now, actor)


def _table(result: pa.Table | pa.RecordBatchReader) -> pa.Table:
    return result.read_all() if isinstance(result, pa.RecordBatchReader) else result


def _first_events(
    conn: Connection, owned: list[tuple[str, list[str] | None]], now: datetime, actor: str
) -> int:
    at = format_instant(now)
    rows: dict[str, list[object]] = {k: [] for k in ("case_id", "data", "hash")}
    for borrower, ids in owned:
        case = f"C-{borrower}"
        data = canonical_json({"accounts": ids or [], "borrower": borrower})
        rows["case_id"].append(case)
        rows["data"].append(data)
        rows["hash"].append(seal(case, 1, GENESIS, at, "case_opened", actor, data))
    n = len(owned)
    table = pa.table(
        {
            "case_id": pa.array(rows["case_id"], pa.string()),
            "seq": pa.array([1] * n, pa.int32()),
            "at": pa.array([at] * n, pa.string()),
            "type": pa.array(["case_opened"] * n, pa.string()),
            "actor": pa.array([actor] * n, pa.string()),
            "data": pa.array(rows["data"], pa.string()),
            "prev": pa.array([GENESIS] * n, pa.string()),
            "hash": pa.array(rows["hash"], pa.string()),
        }
    )
    insert_rows(conn, t.case_events, table)
    return n


_CASES = """
SELECT id, borrower_id, status, assignee_kind, assignee_id, holds, opened_on, status_as_of,
       dpd, {bucket} AS bucket, overdue_cents, outstanding_cents
FROM (
  SELECT 'C-' || b.id AS id, b.id AS borrower_id, 'open' AS status,
         CAST(NULL AS VARCHAR) AS assignee_kind, CAST(NULL AS VARCHAR) AS assignee_id,
         '' AS holds, {day} AS opened_on, {day} AS status_as_of,
         CAST(COALESCE(MAX(s.dpd), 0) AS INTEGER) AS dpd,
         CAST(COALESCE(SUM(s.overdue_cents), 0) AS BIGINT) AS overdue_cents,
         CAST(COALESCE(SUM(s.outstanding_cents), 0) AS BIGINT) AS outstanding_cents
  FROM borrowers b
  LEFT JOIN accounts a ON a.borrower_id = b.id
  LEFT JOIN account_status s ON s.account_id = a.id
  GROUP BY b.id
) ORDER BY id
"""
