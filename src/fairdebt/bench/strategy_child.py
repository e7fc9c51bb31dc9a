"""One implementation of the strategy benchmark, run alone in a child process.

`python -m fairdebt.bench.strategy_child engine|sql|pandas PORTFOLIO OUT.parquet LIMIT` computes
the plan, then prints one JSON line: wall and CPU seconds (reading the Parquet files to the plan
in memory), peak RSS of this process at that point, rows, and the engine's stage timings. The
plan is written to OUT afterwards, outside the measurement, for the parent to compare.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa


def engine(folder: Path, stages: dict[str, float], _limit: int) -> pa.Table:
    from fairdebt.bench.strategy import AS_OF
    from fairdebt.strategy.backend import connect
    from fairdebt.strategy.config import load_strategy
    from fairdebt.strategy.inputs import read_portfolio
    from fairdebt.strategy.run import Timer, compute_plan

    timer = Timer()
    backend = connect("duckdb")
    try:
        with timer.stage("read"):
            inputs = read_portfolio(backend, folder)
        plan = compute_plan(backend, inputs, AS_OF, load_strategy(), timer)
    finally:
        backend.close()
    stages.update({k: round(v, 2) for k, v in timer.seconds.items()})
    return plan


def sql(folder: Path, _stages: dict[str, float], _limit: int) -> pa.Table:
    import pyarrow.parquet as pq

    from fairdebt.bench import strategy_sql
    from fairdebt.bench.strategy import AS_OF
    from fairdebt.strategy.arms import slot_table
    from fairdebt.strategy.backend import connect
    from fairdebt.strategy.config import load_strategy

    ids = pq.read_table(folder / "accounts.parquet", columns=["account_id"]).column(0)
    slots = slot_table(load_strategy().strategy.experiment.name, ids)
    backend = connect("duckdb")  # the engine's connection settings: a like-for-like comparison
    try:
        return strategy_sql.plan(folder, AS_OF, backend.con.con, slots)
    finally:
        backend.close()


def pandas(folder: Path, _stages: dict[str, float], limit: int) -> pa.Table:
    from fairdebt.bench import strategy_pandas
    from fairdebt.bench.strategy import AS_OF
    from fairdebt.strategy.arms import slots
    from fairdebt.strategy.config import load_strategy
    from fairdebt.strategy.plan import PLAN_COLUMNS

    name = load_strategy().strategy.experiment.name

    def slot_of(ids: Any) -> Any:
        return slots(name, pa.array(ids, pa.string()))

    frame = strategy_pandas.plan(folder, AS_OF, slot_of, limit or None)
    return pa.Table.from_pandas(frame[list(PLAN_COLUMNS)], preserve_index=False)


IMPLEMENTATIONS: dict[str, Callable[[Path, dict[str, float], int], pa.Table]] = {
    "engine": engine,
    "sql": sql,
    "pandas": pandas,
}


def main(argv: list[str]) -> None:
    import pyarrow.parquet as pq

    from fairdebt.bench._measure import peak_rss_mb

    name, folder, out, limit = argv[0], Path(argv[1]), Path(argv[2]), int(argv[3])
    _import_first()
    stages: dict[str, float] = {}
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    plan = IMPLEMENTATIONS[name](folder, stages, limit)
    seconds = time.perf_counter() - started
    peak = peak_rss_mb()
    pq.write_table(plan, out)
    figures = {
        "seconds": seconds,
        "cpu_seconds": _cpu_seconds() - cpu_started,
        "peak_rss_mb": peak,
        "rows": plan.num_rows,
        "stages": stages,
    }
    sys.stdout.write(json.dumps(figures) + "\n")


def _import_first() -> None:
    """Import every library any of the three uses before the clock starts: the benchmark
    measures computing a plan, not loading Python modules (about a second for each)."""
    import duckdb  # noqa: F401
    import ibis  # noqa: F401
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import pyarrow.compute
    import pyarrow.parquet  # noqa: F401

    from fairdebt.bench import strategy_pandas, strategy_sql  # noqa: F401
    from fairdebt.strategy import run  # noqa: F401


def _cpu_seconds() -> float:
    """User + system CPU time of this process: with the load average, it tells how much of the
    wall time was spent waiting for a core other processes held."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main(sys.argv[1:])
