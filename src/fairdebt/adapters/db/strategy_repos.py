"""Strategy runs and their plans in the app database, and the portfolio read as a run's inputs.

`save` writes the run row, every plan row and the `strategy_current` pointer in the unit's
transaction: a crash (even kill -9) at any point before the commit leaves the database as it
was, previous plan whole. Replacing moves the pointer with a compare-and-set, so two concurrent
replacements cannot both win.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

import pyarrow as pa
from sqlalchemy import Integer, Select, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from fairdebt.adapters.db import repayment_tables as r
from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.strategy_tables import strategy_current, strategy_plans, strategy_runs
from fairdebt.services.ports.records import RunRecord, already_run

CHUNK = 20_000
READ_CHUNK = 200_000

PLAN_TYPES: dict[str, pa.DataType] = {
    c.name: (
        pa.bool_()
        if c.type.python_type is bool
        else pa.int64()
        if c.type.python_type is int
        else pa.string()
    )
    for c in strategy_plans.columns
}


def run_query(run_id: str | None = None) -> Select[Any]:
    """The query of a run's row: that run, or the latest current run when no id is given."""
    query = select(strategy_runs)
    if run_id:
        return query.where(strategy_runs.c.id == run_id)
    query = query.join(strategy_current, strategy_current.c.run_id == strategy_runs.c.id)
    return query.order_by(strategy_runs.c.as_of.desc()).limit(1)


class SqlStrategyRunRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def current(self, as_of: date) -> str | None:
        query = select(strategy_current.c.run_id).where(strategy_current.c.as_of == as_of)
        found: str | None = self.conn.execute(query).scalar_one_or_none()
        return found

    def latest_before(self, as_of: date) -> tuple[str, date] | None:
        found = self.conn.execute(
            select(strategy_current.c.run_id, strategy_current.c.as_of)
            .where(strategy_current.c.as_of < as_of)
            .order_by(strategy_current.c.as_of.desc())
            .limit(1)
        ).first()
        return (found.run_id, found.as_of) if found else None

    def info(self, run_id: str | None = None) -> dict[str, Any] | None:
        row = self.conn.execute(run_query(run_id)).mappings().first()
        return dict(row) if row else None

    def runs(self, limit: int) -> list[dict[str, Any]]:
        query = (
            select(strategy_runs)
            .order_by(
                strategy_runs.c.as_of.desc(),
                strategy_runs.c.status,  # "current" before "superseded" of the same day
                strategy_runs.c.started_at.desc(),
            )
            .limit(limit)
        )
        return [dict(row) for row in self.conn.execute(query).mappings()]

    def save(
        self,
        record: RunRecord,
        batches: Iterable[pa.RecordBatch],
        *,
        replace: bool = False,
        on_rows: Callable[[int], None] | None = None,
    ) -> str | None:
        old = self.current(record.as_of)
        if old and not replace:
            raise already_run(record.as_of, old)
        self.conn.execute(insert(strategy_runs).values(**_run_row(record, old)))
        for batch in batches:
            _insert_plan(self.conn, record.run_id, batch)
            if on_rows:
                on_rows(batch.num_rows)
        _point_at(self.conn, record, old)
        return old

    def plan(self, run_id: str, columns: Iterable[str] | None = None) -> pa.Table:
        names = list(columns or [c for c in PLAN_TYPES if c != "run_id"])
        query = select(*(strategy_plans.c[n] for n in names)).where(
            strategy_plans.c.run_id == run_id
        )
        batches = []
        rows_of = self.conn.execute(query.order_by(strategy_plans.c.account_id))
        for rows in rows_of.partitions(CHUNK * 5):
            cols = list(zip(*rows, strict=True))
            batches.append(
                pa.RecordBatch.from_arrays(
                    [pa.array(c, PLAN_TYPES[n]) for c, n in zip(cols, names, strict=True)],
                    names=names,
                )
            )
        schema = pa.schema([(n, PLAN_TYPES[n]) for n in names])
        return pa.Table.from_batches(batches, schema=schema)

    def segment_counts(self, run_id: str) -> list[dict[str, Any]]:
        n = func.count().label("accounts")
        query = (
            select(strategy_plans.c.segment, strategy_plans.c.treatment, n)
            .where(strategy_plans.c.run_id == run_id)
            .group_by(strategy_plans.c.segment, strategy_plans.c.treatment)
            .order_by(n.desc(), strategy_plans.c.segment)
        )
        return [dict(row) for row in self.conn.execute(query).mappings()]


def _run_row(record: RunRecord, old: str | None) -> dict[str, Any]:
    row = {
        k: getattr(record, k)
        for k in ("as_of", "strategy_name", "strategy_sha256", "strategy_yaml", "backend")
    }
    return row | {
        "id": record.run_id,
        "status": "current",
        "source": record.source,
        "accounts": record.accounts,
        "started_at": record.started_at,
        "finished_at": record.finished_at,
        "timings": json.dumps(record.timings, sort_keys=True),
        "supersedes": old,
    }


def _insert_plan(conn: Connection, run_id: str, batch: pa.RecordBatch) -> None:
    """Insert rows as driver tuples: twice as fast as dicts through Core, same transaction."""
    names = batch.schema.names
    marker = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(conn.dialect.paramstyle)
    if marker is None:  # an unusual driver: take the portable path
        rows = [row | {"run_id": run_id} for row in batch.to_pylist()]
        conn.execute(insert(strategy_plans), rows)
        return
    columns = ", ".join(["run_id", *names])
    sql = (
        f"INSERT INTO strategy_plans ({columns}) VALUES ({', '.join([marker] * (len(names) + 1))})"
    )
    for start in range(0, batch.num_rows, CHUNK):
        part = batch.slice(start, CHUNK)
        values = [part.column(i).to_pylist() for i in range(len(names))]
        conn.exec_driver_sql(sql, list(zip([run_id] * part.num_rows, *values, strict=True)))


def _point_at(conn: Connection, record: RunRecord, old: str | None) -> None:
    if old is None:
        try:
            with conn.begin_nested():
                conn.execute(
                    insert(strategy_current).values(as_of=record.as_of, run_id=record.run_id)
                )
        except IntegrityError:
            raise already_run(record.as_of, "(written meanwhile by another run)") from None
        return
    moved = conn.execute(
        update(strategy_current)
        .where(strategy_current.c.as_of == record.as_of, strategy_current.c.run_id == old)
        .values(run_id=record.run_id)
    ).rowcount
    if moved != 1:  # another --replace got there first: ours must not half-win
        raise already_run(record.as_of, "(replaced meanwhile by another run)")
    conn.execute(update(strategy_runs).where(strategy_runs.c.id == old).values(status="superseded"))


class SqlStrategyInputs:
    """Rows read with SQLAlchemy into Arrow in the strategy's normal form (cents, days since
    1970-01-01); DuckDB cannot attach SQLite here (its extension would be downloaded). Activity
    comes from the cases (holds) and the promises (kept / broken)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def tables(self) -> dict[str, pa.Table]:
        text, i64 = pa.string(), pa.int64()
        a, i = t.accounts.c, t.instalments.c
        return {
            "accounts": _fetch(
                self.conn,
                select(
                    a.id, a.borrower_id, a.product, a.lender_type, a.principal_cents, a.disbursed_on
                ),
                {
                    "account_id": text,
                    "borrower_id": text,
                    "product": text,
                    "lender_type": text,
                    "principal_cents": i64,
                    "disbursed_day": "days",
                },
            ),
            "borrowers": _fetch(
                self.conn,
                select(t.borrowers.c.id, t.borrowers.c.city, t.borrowers.c.national_id),
                {"borrower_id": text, "city": text, "national_id": text},
            ),
            "schedules": _fetch(
                self.conn,
                select(i.account_id, i.seq, i.due_on, _due(i)),
                {"account_id": text, "seq": i64, "due_day": "days", "due_cents": i64},
            ),
            "payments": _fetch(
                self.conn,
                select(t.payments.c.account_id, t.payments.c.paid_on, t.payments.c.amount_cents),
                {"account_id": text, "paid_day": "days", "amount_cents": i64},
            ),
            "activity": _activity(self.conn),
        }


def _due(i: Any) -> Any:
    """An instalment's amount due: principal, interest and fee."""
    return i.principal_cents + i.interest_cents + i.fee_cents


def _days(values: Sequence[Any]) -> pa.Array:
    return pa.array(values, pa.date32()).cast(pa.int32()).cast(pa.int64())


def _fetch(conn: Connection, stmt: Any, types: dict[str, Any]) -> pa.Table:
    """Run `stmt` and build an Arrow table chunk by chunk; `types` maps column -> Arrow type
    (the string "days" turns a date into days since 1970-01-01)."""
    batches = []
    for rows in conn.execute(stmt).partitions(READ_CHUNK):
        columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
        arrays = [
            _days(col) if kind == "days" else pa.array(col, kind)
            for col, kind in zip(columns, types.values(), strict=True)
        ]
        batches.append(pa.RecordBatch.from_arrays(arrays, names=list(types)))
    schema = pa.schema([(n, pa.int64() if k == "days" else k) for n, k in types.items()])
    return pa.Table.from_batches(batches, schema=schema)


def _activity(conn: Connection) -> pa.Table:
    """Holds per borrower (from cases) and promise outcomes (from promises, when present)."""
    promises = (
        select(
            t.cases.c.borrower_id,
            func.sum((r.promises.c.status == "broken").cast(Integer)).label("broken"),
            func.sum((r.promises.c.status == "kept").cast(Integer)).label("kept"),
        )
        .join(r.promises, r.promises.c.case_id == t.cases.c.id)
        .group_by(t.cases.c.borrower_id)
        .subquery()
    )
    stmt = select(
        t.cases.c.borrower_id,
        t.cases.c.holds,
        func.coalesce(promises.c.broken, 0),
        func.coalesce(promises.c.kept, 0),
    ).outerjoin(promises, promises.c.borrower_id == t.cases.c.borrower_id)
    table = _fetch(
        conn,
        stmt,
        {
            "borrower_id": pa.string(),
            "holds": pa.string(),
            "broken_promises": pa.int64(),
            "kept_promises": pa.int64(),
        },
    )
    n = table.num_rows
    zeros = pa.array([0] * n, pa.int64())
    return (
        table.append_column("last_contact_day", pa.nulls(n, pa.int64()))
        .append_column("failed_contacts", zeros)
        .append_column("complaints", zeros)
        .select(
            [
                "borrower_id",
                "holds",
                "last_contact_day",
                "failed_contacts",
                "broken_promises",
                "kept_promises",
                "complaints",
            ]
        )
    )
