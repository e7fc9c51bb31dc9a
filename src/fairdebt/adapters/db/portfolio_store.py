"""The portfolio store of SqlUnitOfWork: what an import writes, set-based.

Upserts go through the staging-table engine of bulk.py; an empty database takes the fast path
of initial_load.py. Every lookup of many ids is one query per 20,000 ids (bind limits).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import pyarrow as pa
from sqlalchemy import Date, Table, bindparam, select, text
from sqlalchemy.engine import Connection

from fairdebt.adapters.db import initial_load
from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.bulk import existing_keys, upsert, upsert_sealed
from fairdebt.adapters.db.lookup_repos import index_borrowers
from fairdebt.adapters.db.repayment_tables import repayment_plans
from fairdebt.adapters.db.repositories import SqlEventLog, event_row
from fairdebt.adapters.db.snapshot import refresh_snapshot
from fairdebt.adapters.portfolio.spec import Kind
from fairdebt.domain.events import CaseEvent, NewEvent
from fairdebt.services.ports.records import Parent, UpsertResult

TARGETS: dict[Kind, Table] = {
    "borrowers": t.borrowers,
    "accounts": t.accounts,
    "schedules": t.instalments,
    "payments": t.payments,
}
KEYS: dict[Kind, tuple[str, ...]] = {
    "borrowers": ("id",),
    "accounts": ("id",),
    "schedules": ("account_id", "seq"),
    "payments": ("id",),
}
CHUNK = 20_000
_ORPHAN = "NOT EXISTS (SELECT 1 FROM cases c WHERE c.borrower_id = b.id)"


def _contacts(rows: Iterable[Mapping[str, Any]]) -> list[tuple[str, str | None, str | None]]:
    return [(r["id"], r.get("phones"), r.get("email")) for r in rows]


class SqlPortfolioStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def is_empty(self) -> bool:
        return initial_load.is_empty(self.conn)

    def existing(self, kind: Parent, ids: Sequence[str]) -> set[str]:
        return existing_keys(self.conn, TARGETS[kind], "id", ids) if ids else set()

    def load_first(
        self, tables: Mapping[Kind, pa.Table], as_of: date, now: datetime, actor: str
    ) -> tuple[int, int]:
        by_table = {TARGETS[kind].name: table for kind, table in tables.items()}
        return initial_load.load(self.conn, by_table, as_of, now, actor)

    def upsert(self, kind: Kind, table: pa.Table, *, want_new: bool = False) -> UpsertResult:
        if kind == "borrowers":  # encrypted columns: compared decrypted, then re-indexed
            result = upsert_sealed(self.conn, t.borrowers, "id", table)
            # New rows went in raw (COPY); changed ones through Core, which re-indexes them.
            index_borrowers(self.conn, _contacts(result.new_rows), replace=False)
            return result
        return upsert(self.conn, TARGETS[kind], KEYS[kind], table, want_new=want_new)

    def accounts_under_plan(self, account_ids: Sequence[str]) -> set[str]:
        planned: set[str] = set()
        for start in range(0, len(account_ids), CHUNK):
            chunk = list(account_ids[start : start + CHUNK])
            query = select(repayment_plans.c.account_id).where(
                repayment_plans.c.account_id.in_(chunk), repayment_plans.c.status == "accepted"
            )
            planned.update(r[0] for r in self.conn.execute(query))
        return planned

    def borrowers_without_case(self) -> dict[str, list[str]]:
        accounts: dict[str, list[str]] = defaultdict(list)
        rows = self.conn.execute(
            text(
                "SELECT b.id, a.id FROM borrowers b LEFT JOIN accounts a ON a.borrower_id = b.id "
                f"WHERE {_ORPHAN} ORDER BY b.id, a.id"
            )
        )
        for borrower_id, account_id in rows:
            accounts[borrower_id] += [account_id] if account_id else []
        return dict(accounts)

    def open_cases(self, as_of: date, first_events: Sequence[CaseEvent]) -> None:
        self.conn.execute(
            text(
                "INSERT INTO cases (id, borrower_id, status, holds, opened_on, dpd, bucket, "
                "overdue_cents, outstanding_cents) "
                "SELECT 'C-' || b.id, b.id, 'open', '', :opened, 0, 'M0', 0, 0 FROM borrowers b "
                f"WHERE {_ORPHAN}"
            ).bindparams(bindparam("opened", value=as_of, type_=Date))
        )
        rows = [event_row(e) for e in first_events]
        for start in range(0, len(rows), 100_000):
            self.conn.execute(t.case_events.insert(), rows[start : start + 100_000])

    def account_owners(self, account_ids: Iterable[str]) -> dict[str, str]:
        ids = sorted(set(account_ids))
        owners: dict[str, str] = {}
        for start in range(0, len(ids), CHUNK):
            query = select(t.accounts.c.id, t.accounts.c.borrower_id).where(
                t.accounts.c.id.in_(ids[start : start + CHUNK])
            )
            owners.update((row[0], row[1]) for row in self.conn.execute(query))
        return owners

    def append_events(self, items: Sequence[tuple[str, NewEvent]], at: datetime) -> int:
        return SqlEventLog(self.conn).append_many(items, at)

    def refresh_snapshot(self, as_of: date) -> int:
        return refresh_snapshot(self.conn, as_of)
