"""Plans in the app database: one transaction per run, one current run per as_of.

`save` writes the run row, every plan row and the `strategy_current` pointer in ONE
transaction: a crash (even kill -9) at any point leaves the database as it was, previous plan
whole. Saving an as_of that already has a current run raises `AlreadyRunError` unless
`replace`, which marks the old run superseded and moves the pointer in that same transaction —
with a compare-and-set on the pointer, so two concurrent replacements cannot both win.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pyarrow as pa
from sqlalchemy import Select, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from fairdebt.adapters.db.engine import connect
from fairdebt.adapters.db.strategy_tables import strategy_current, strategy_plans, strategy_runs
from fairdebt.errors import FairdebtError

CHUNK = 20_000


class AlreadyRunError(FairdebtError):
    """A plan for this as_of exists; replacing it must be asked for."""


@dataclass(frozen=True, slots=True)
class RunRecord:
    run_id: str
    as_of: date
    strategy_name: str
    strategy_sha256: str
    strategy_yaml: str
    backend: str
    source: str
    accounts: int
    started_at: str
    finished_at: str
    timings: dict[str, float] = field(default_factory=dict)


def new_run_id(as_of: date, now: datetime) -> str:
    return f"{as_of:%Y%m%d}-{now:%H%M%S}-{uuid.uuid4().hex[:6]}"


def current_run(conn: Connection, as_of: date) -> str | None:
    query = select(strategy_current.c.run_id).where(strategy_current.c.as_of == as_of)
    return conn.execute(query).scalar_one_or_none()


def _already(as_of: date, run_id: str) -> AlreadyRunError:
    return AlreadyRunError(
        f"already run: {as_of} has plan {run_id}",
        hint="pass --replace to supersede it with a new run",
    )


def ensure_can_run(engine: Engine, as_of: date, replace: bool) -> None:
    """Fail fast, before computing anything, when the as_of is taken and not to be replaced."""
    with connect(engine) as conn:
        existing = current_run(conn, as_of)
    if existing and not replace:
        raise _already(as_of, existing)


def save(
    engine: Engine,
    record: RunRecord,
    batches: Iterable[pa.RecordBatch],
    *,
    replace: bool = False,
    on_rows: Callable[[int], None] | None = None,
) -> str | None:
    """Write the run and its plan atomically; return the id of the run it superseded."""
    with connect(engine, write=True) as conn:
        old = current_run(conn, record.as_of)
        if old and not replace:
            raise _already(record.as_of, old)
        conn.execute(insert(strategy_runs).values(**_run_row(record, old)))
        for batch in batches:
            _insert_plan(conn, record.run_id, batch)
            if on_rows:
                on_rows(batch.num_rows)
        _point_at(conn, record, old)
    return old


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
            raise _already(record.as_of, "(written meanwhile by another run)") from None
        return
    moved = conn.execute(
        update(strategy_current)
        .where(strategy_current.c.as_of == record.as_of, strategy_current.c.run_id == old)
        .values(run_id=record.run_id)
    ).rowcount
    if moved != 1:  # another --replace got there first: ours must not half-win
        raise _already(record.as_of, "(replaced meanwhile by another run)")
    conn.execute(update(strategy_runs).where(strategy_runs.c.id == old).values(status="superseded"))


def previous_plan(engine: Engine, as_of: date) -> tuple[str, date, pa.Table] | None:
    """The current plan of the latest as_of before this one: account, bucket, paid (for rolls)."""
    with connect(engine) as conn:
        found = conn.execute(
            select(strategy_current.c.run_id, strategy_current.c.as_of)
            .where(strategy_current.c.as_of < as_of)
            .order_by(strategy_current.c.as_of.desc())
            .limit(1)
        ).first()
        if found is None:
            return None
        table = plan_table(conn, found.run_id, ("account_id", "bucket", "paid_cents"))
    renamed = table.rename_columns(["account_id", "prev_bucket", "prev_paid_cents"])
    return found.run_id, found.as_of, renamed


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


def plan_table(conn: Connection, run_id: str, columns: Iterable[str] | None = None) -> pa.Table:
    """A stored plan as Arrow (all columns but run_id unless `columns` are named)."""
    names = list(columns or [c for c in PLAN_TYPES if c != "run_id"])
    query = select(*(strategy_plans.c[n] for n in names)).where(strategy_plans.c.run_id == run_id)
    batches = []
    for rows in conn.execute(query.order_by(strategy_plans.c.account_id)).partitions(CHUNK * 5):
        cols = list(zip(*rows, strict=True))
        batches.append(
            pa.RecordBatch.from_arrays(
                [pa.array(c, PLAN_TYPES[n]) for c, n in zip(cols, names, strict=True)], names=names
            )
        )
    schema = pa.schema([(n, PLAN_TYPES[n]) for n in names])
    return pa.Table.from_batches(batches, schema=schema)


def run_query(run_id: str | None = None) -> Select[Any]:
    """The query of a run's row: that run, or the latest current run when no id is given."""
    query = select(strategy_runs)
    if run_id:
        return query.where(strategy_runs.c.id == run_id)
    query = query.join(strategy_current, strategy_current.c.run_id == strategy_runs.c.id)
    return query.order_by(strategy_runs.c.as_of.desc()).limit(1)


def run_info(engine: Engine, run_id: str | None = None) -> dict[str, Any] | None:
    """A run's row (the latest current run when no id is given)."""
    with connect(engine) as conn:
        row = conn.execute(run_query(run_id)).mappings().first()
    return dict(row) if row else None


def load_plan(engine: Engine, run_id: str, columns: Iterable[str] | None = None) -> pa.Table:
    with connect(engine) as conn:
        return plan_table(conn, run_id, columns)
