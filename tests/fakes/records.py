"""Fakes of the ports for imports and strategy runs: rows in dicts, plans as Arrow tables.

The portfolio store opens cases and appends events through the unit's fake case repository
and event log, so an import on the fake leaves a hash chain the audit can verify.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import pyarrow as pa

from fairdebt.adapters.portfolio.spec import KINDS, Kind
from fairdebt.domain.case import Case
from fairdebt.domain.events import GENESIS, CaseEvent, NewEvent, chain
from fairdebt.services.ports.records import (
    RUN_COLUMNS,
    Parent,
    RunRecord,
    UpsertResult,
    already_run,
)
from fakes.cases import FakeCaseRepository, FakeEventLog

KEYS: dict[Kind, tuple[str, ...]] = {
    "borrowers": ("id",),
    "accounts": ("id",),
    "schedules": ("account_id", "seq"),
    "payments": ("id",),
}
Row = dict[str, Any]


class FakePortfolioStore:
    def __init__(self, cases: FakeCaseRepository, events: FakeEventLog) -> None:
        self.cases = cases
        self.events = events
        self.rows: dict[Kind, dict[tuple[Any, ...], Row]] = {k: {} for k in KINDS}
        self.accepted_plans: set[str] = set()  # accounts following an accepted repayment plan
        self.snapshot_as_of: date | None = None

    def is_empty(self) -> bool:
        return not any(self.rows.values()) and not self.cases.rows

    def existing(self, kind: Parent, ids: Sequence[str]) -> set[str]:
        return {i for i in ids if (i,) in self.rows[kind]}

    def load_first(
        self, tables: Mapping[Kind, pa.Table], as_of: date, now: datetime, actor: str
    ) -> tuple[int, int]:
        for kind, table in tables.items():
            self.upsert(kind, table)
        orphans = self.borrowers_without_case()
        first = [
            chain(f"C-{b}", 1, GENESIS, now, NewEvent("case_opened", actor, data))
            for b, ids in orphans.items()
            for data in [{"borrower": b, "accounts": ids}]
        ]
        self.open_cases(as_of, first)
        self.snapshot_as_of = as_of
        return len(orphans), len(orphans)

    def upsert(self, kind: Kind, table: pa.Table, *, want_new: bool = False) -> UpsertResult:
        stored = self.rows[kind]
        new: list[Row] = []
        changed: list[tuple[Row, Row]] = []
        for row in table.to_pylist():
            key = tuple(row[k] for k in KEYS[kind])
            old = stored.get(key)
            if old is None:
                new.append(row)
            elif any(old.get(c) != v for c, v in row.items()):
                changed.append(({c: old.get(c) for c in row}, row))
            stored[key] = {**(old or {}), **row}
        return UpsertResult(len(new), tuple(changed), tuple(new) if want_new else ())

    def accounts_under_plan(self, account_ids: Sequence[str]) -> set[str]:
        return set(account_ids) & self.accepted_plans

    def borrowers_without_case(self) -> dict[str, list[str]]:
        with_case = {c.borrower_id for c in self.cases.rows.values()}
        return {
            b: sorted(a["id"] for a in self.rows["accounts"].values() if a["borrower_id"] == b)
            for (b,) in sorted(self.rows["borrowers"])
            if b not in with_case
        }

    def open_cases(self, as_of: date, first_events: Sequence[CaseEvent]) -> None:
        for borrower, accounts in self.borrowers_without_case().items():
            self.cases.add(Case(f"C-{borrower}", borrower, tuple(accounts), as_of))
        for event in first_events:
            self.events.chains[event.case] = [event]

    def account_owners(self, account_ids: Iterable[str]) -> dict[str, str]:
        accounts = self.rows["accounts"]
        return {a: accounts[(a,)]["borrower_id"] for a in account_ids if (a,) in accounts}

    def append_events(self, items: Sequence[tuple[str, NewEvent]], at: datetime) -> int:
        for case_id, event in items:
            self.events.append(case_id, event, at)
        return len(items)

    def refresh_snapshot(self, as_of: date) -> int:
        self.snapshot_as_of = as_of
        return len(self.rows["accounts"])


class FakeStrategyRunRepository:
    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}
        self.current_of: dict[date, str] = {}
        self.plans: dict[str, pa.Table] = {}

    def current(self, as_of: date) -> str | None:
        return self.current_of.get(as_of)

    def latest_before(self, as_of: date) -> tuple[str, date] | None:
        earlier = [d for d in self.current_of if d < as_of]
        return (self.current_of[max(earlier)], max(earlier)) if earlier else None

    def info(self, run_id: str | None = None) -> Row | None:
        if run_id is None:
            run_id = self.current_of[max(self.current_of)] if self.current_of else None
        row = self.rows.get(run_id) if run_id else None
        return dict(row) if row else None

    def runs(self, limit: int) -> list[Row]:
        ordered = sorted(self.rows.values(), key=lambda r: r["started_at"], reverse=True)
        ordered.sort(key=lambda r: r["status"])  # stable: "current" before "superseded"
        ordered.sort(key=lambda r: r["as_of"], reverse=True)
        return [dict(r) for r in ordered[:limit]]

    def save(
        self,
        record: RunRecord,
        batches: Iterable[pa.RecordBatch],
        *,
        replace: bool = False,
        on_rows: Callable[[int], None] | None = None,
    ) -> str | None:
        old = self.current_of.get(record.as_of)
        if old and not replace:
            raise already_run(record.as_of, old)
        parts = []
        for batch in batches:
            parts.append(batch)
            if on_rows:
                on_rows(batch.num_rows)
        self.plans[record.run_id] = pa.Table.from_batches(parts)
        self.rows[record.run_id] = _run_row(record, old)
        if old:
            self.rows[old]["status"] = "superseded"
        self.current_of[record.as_of] = record.run_id
        return old

    def plan(self, run_id: str, columns: Iterable[str] | None = None) -> pa.Table:
        table = self.plans[run_id].sort_by("account_id")
        return table.select(list(columns)) if columns else table

    def segment_counts(self, run_id: str) -> list[Row]:
        counts = (
            self.plans[run_id]
            .group_by(["segment", "treatment"])
            .aggregate([("account_id", "count")])
        )
        rows = [
            {"segment": r["segment"], "treatment": r["treatment"], "accounts": n}
            for r in counts.to_pylist()
            for n in [r["account_id_count"]]
        ]
        return sorted(rows, key=lambda r: (-r["accounts"], r["segment"]))


def _run_row(record: RunRecord, old: str | None) -> Row:
    import json

    row: Row = {
        "id": record.run_id,
        "status": "current",
        "timings": json.dumps(record.timings, sort_keys=True),
        "supersedes": old,
    }
    for column in RUN_COLUMNS:
        if column not in row:
            row[column] = getattr(record, column)
    return row


class FakeStrategyInputs:
    """The tables a test puts in `data` (the strategy's normal form)."""

    def __init__(self) -> None:
        self.data: dict[str, pa.Table] = {}

    def tables(self) -> dict[str, pa.Table]:
        return dict(self.data)


class FakeRecordRepositories:
    cases: FakeCaseRepository
    events: FakeEventLog

    def setup(self) -> None:
        """Called by FakeUnitOfWork.__init__ after the case repositories' setup."""
        self.portfolio = FakePortfolioStore(self.cases, self.events)
        self.strategy_runs = FakeStrategyRunRepository()
        self.strategy_inputs = FakeStrategyInputs()
