"""Plans in the app database: one unit of work per run, one current run per as_of.

`save` writes the run, every plan row and the as_of's current pointer in ONE unit of work: a
crash (even kill -9) before its commit leaves the database as it was, previous plan whole.
Saving an as_of that already has a current run raises `AlreadyRunError` unless `replace`, which
marks the old run superseded and moves the pointer in that same unit (StrategyRunRepository).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

import pyarrow as pa

from fairdebt.services.ports import UnitOfWork
from fairdebt.services.ports.records import AlreadyRunError, RunRecord, already_run, new_run_id

__all__ = [
    "AlreadyRunError",
    "RunRecord",
    "current_run",
    "ensure_can_run",
    "load_plan",
    "new_run_id",
    "previous_plan",
    "run_info",
    "save",
]


def current_run(uow: UnitOfWork, as_of: date) -> str | None:
    """The id of the current run of `as_of`, if any."""
    with uow:
        return uow.strategy_runs.current(as_of)


def ensure_can_run(uow: UnitOfWork, as_of: date, replace: bool) -> None:
    """Fail fast, before computing anything, when the as_of is taken and not to be replaced."""
    existing = current_run(uow, as_of)
    if existing and not replace:
        raise already_run(as_of, existing)


def save(
    uow: UnitOfWork,
    record: RunRecord,
    batches: Iterable[pa.RecordBatch],
    *,
    replace: bool = False,
    on_rows: Callable[[int], None] | None = None,
) -> str | None:
    """Write the run and its plan atomically; return the id of the run it superseded."""
    with uow:
        old = uow.strategy_runs.save(record, batches, replace=replace, on_rows=on_rows)
        uow.commit()
    return old


def previous_plan(uow: UnitOfWork, as_of: date) -> tuple[str, date, pa.Table] | None:
    """The current plan of the latest as_of before this one: account, bucket, paid (for rolls)."""
    with uow:
        found = uow.strategy_runs.latest_before(as_of)
        if found is None:
            return None
        run_id, day = found
        table = uow.strategy_runs.plan(run_id, ("account_id", "bucket", "paid_cents"))
    return run_id, day, table.rename_columns(["account_id", "prev_bucket", "prev_paid_cents"])


def run_info(uow: UnitOfWork, run_id: str | None = None) -> dict[str, Any] | None:
    """A run's row (the latest current run when no id is given)."""
    with uow:
        return uow.strategy_runs.info(run_id)


def load_plan(uow: UnitOfWork, run_id: str, columns: Iterable[str] | None = None) -> pa.Table:
    """A stored plan as Arrow, ordered by account id."""
    with uow:
        return uow.strategy_runs.plan(run_id, columns)
