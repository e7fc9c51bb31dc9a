"""One strategy run: read → snapshot → score → segment → arms → plan → store, stage by stage.

Each stage is timed and reported through `on_stage(name, seconds)` (seconds is None when a
stage starts), so the CLI can show progress and the run row keeps the timings. The plan is
computed completely before anything is written; writing is one unit of work (store.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import ibis.expr.types as ir
import pyarrow as pa

from fairdebt.services.ports import UnitOfWork
from fairdebt.strategy import store
from fairdebt.strategy.arms import slot_table
from fairdebt.strategy.backend import Backend, connect
from fairdebt.strategy.config import LoadedStrategy, load_strategy
from fairdebt.strategy.inputs import Inputs, read_portfolio
from fairdebt.strategy.plan import build_plan

OnStage = Callable[[str, float | None], None]
STAGES = ("read", "arms", "dues", "late", "plan", "store")


@dataclass(frozen=True, slots=True)
class RunOptions:
    as_of: date
    backend: str = "duckdb"
    portfolio: Path | None = None  # None: read the app database
    strategy: Path | None = None  # None: the shipped default
    replace: bool = False


@dataclass(slots=True)
class Timer:
    """Per-stage wall-clock seconds, reported as they start and end."""

    on_stage: OnStage | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        if self.on_stage:
            self.on_stage(name, None)
        started = time.perf_counter()
        yield
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started
        if self.on_stage:
            self.on_stage(name, self.seconds[name])


@dataclass(frozen=True, slots=True)
class RunResult:
    record: store.RunRecord
    plan: pa.Table
    superseded: str | None
    previous_run: str | None


def open_inputs(
    backend: Backend, uow: UnitOfWork, portfolio: Path | None, previous: pa.Table | None
) -> Inputs:
    if portfolio is not None:
        return read_portfolio(backend, portfolio, previous)
    from fairdebt.strategy.dbinputs import read_database

    return read_database(backend, uow, previous)


def compute_plan(
    backend: Backend, inputs: Inputs, as_of: date, loaded: LoadedStrategy, timer: Timer
) -> pa.Table:
    """The whole plan as Arrow; intermediate per-account results are materialised once."""
    strategy = loaded.strategy
    with timer.stage("arms"):
        ids = backend.fetch(inputs.accounts.select("account_id")).column(0)
        arm_slots = backend.register("fd_arm_slots", slot_table(strategy.experiment.name, ids))

    def stage(name: str, table: ir.Table) -> ir.Table:
        with timer.stage(name):
            return backend.materialise(f"fd_{name}", table)

    plan = build_plan(inputs, as_of, strategy, arm_slots, stage)
    with timer.stage("plan"):
        return backend.fetch(plan)


def run_strategy(
    uow: UnitOfWork, options: RunOptions, on_stage: OnStage | None = None
) -> RunResult:
    """Compute and store the plan of `options.as_of`; raises AlreadyRunError unless replace."""
    started = datetime.now(UTC)
    loaded = load_strategy(options.strategy)
    store.ensure_can_run(uow, options.as_of, options.replace)
    timer = Timer(on_stage)
    previous = store.previous_plan(uow, options.as_of)
    backend = connect(options.backend)
    try:
        with timer.stage("read"):
            inputs = open_inputs(backend, uow, options.portfolio, previous[2] if previous else None)
        plan = compute_plan(backend, inputs, options.as_of, loaded, timer)
    finally:
        backend.close()
    record = _record(options, loaded, plan.num_rows, started, timer)
    with timer.stage("store"):
        superseded = store.save(uow, record, plan.to_batches(100_000), replace=options.replace)
    record = _record(options, loaded, plan.num_rows, started, timer, record.run_id)
    return RunResult(record, plan, superseded, previous[0] if previous else None)


def _record(
    options: RunOptions,
    loaded: LoadedStrategy,
    accounts: int,
    started: datetime,
    timer: Timer,
    run_id: str | None = None,
) -> store.RunRecord:
    return store.RunRecord(
        run_id=run_id or store.new_run_id(options.as_of, started),
        as_of=options.as_of,
        strategy_name=loaded.strategy.name,
        strategy_sha256=loaded.sha256,
        strategy_yaml=loaded.source.text,
        backend=options.backend,
        source=str(options.portfolio) if options.portfolio else "database",
        accounts=accounts,
        started_at=started.isoformat(timespec="seconds"),
        finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
        timings={k: round(v, 3) for k, v in timer.seconds.items()},
    )
