"""One strategy, two engines: a 100,000-account portfolio gives the same plan on DuckDB and Spark.

Spark runs in local mode (local[2]) on the machine's Java 17, with quiet logs and few shuffle
partitions. The portfolio comes from the demo generator, plus an activity file (holds, broken
promises) and a previous plan, so that every input of the pipeline is exercised.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from fairdebt.strategy.backend import connect
from fairdebt.strategy.config import load_strategy
from fairdebt.strategy.inputs import read_portfolio
from fairdebt.strategy.run import Timer, compute_plan

AS_OF = date(2026, 11, 24)
ACCOUNTS = 100_000


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from fairdebt.demo.generate import generate_portfolio

    folder = tmp_path_factory.mktemp("portfolio")
    generate_portfolio(ACCOUNTS, folder, seed=11, as_of=AS_OF)
    borrowers = pq.read_table(folder / "borrowers.parquet", columns=["borrower_id"]).column(0)
    picked = borrowers.take(np.arange(0, len(borrowers), 40))
    n = len(picked)
    holds = np.where(np.arange(n) % 4 == 0, "complaint", np.where(np.arange(n) % 4 == 1, "", "x"))
    activity = pa.table(
        {
            "borrower_id": picked,
            "holds": np.where(holds == "x", "", holds),
            "broken_promises": np.arange(n) % 4,
            "last_contact_on": pa.array([AS_OF - timedelta(days=i % 90) for i in range(n)]),
        }
    )
    pq.write_table(activity, folder / "activity.parquet")
    return folder


def _plan(kind: str, folder: Path, as_of: date, previous: pa.Table | None = None) -> pa.Table:
    backend = connect(kind)
    try:
        inputs = read_portfolio(backend, folder, previous)
        plan = compute_plan(backend, inputs, as_of, load_strategy(), Timer())
    finally:
        backend.close()
    return _canonical(plan)


def _canonical(plan: pa.Table) -> pa.Table:
    """Same column types whatever the engine returned, rows in account order."""
    fields = []
    for f in plan.schema:
        kind = f.type
        if pa.types.is_integer(kind):
            kind = pa.int64()
        elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
            kind = pa.string()
        fields.append(pa.field(f.name, kind))
    return plan.cast(pa.schema(fields)).sort_by("account_id").combine_chunks()


@pytest.fixture(scope="module")
def previous(portfolio: Path) -> pa.Table:
    earlier = _plan("duckdb", portfolio, AS_OF - timedelta(days=30))
    return earlier.select(["account_id", "bucket", "paid_cents"]).rename_columns(
        ["account_id", "prev_bucket", "prev_paid_cents"]
    )


@pytest.fixture(scope="module")
def duckdb_plan(portfolio: Path, previous: pa.Table) -> pa.Table:
    return _plan("duckdb", portfolio, AS_OF, previous)


def test_the_duckdb_plan_covers_every_account_and_uses_every_input(duckdb_plan) -> None:
    segments = set(duckdb_plan.column("segment").to_pylist())
    rolls = set(duckdb_plan.column("roll").to_pylist())

    assert duckdb_plan.num_rows == ACCOUNTS
    assert len(set(duckdb_plan.column("account_id").to_pylist())) == ACCOUNTS
    assert {"on_hold", "current", "m1_early", "m2", "m4_m6", "m7"} <= segments
    assert {"stay", "forward", "cured"} <= rolls
    assert set(duckdb_plan.column("arm").to_pylist()) == {"champion", "early_call"}
    assert pc.sum(duckdb_plan.column("collected_cents")).as_py() > 0


@pytest.mark.slow
def test_pyspark_local_mode_gives_the_identical_plan(portfolio, previous, duckdb_plan) -> None:
    spark_plan = _plan("pyspark", portfolio, AS_OF, previous)

    assert spark_plan.schema.names == duckdb_plan.schema.names
    for name in duckdb_plan.schema.names:
        assert spark_plan.column(name).equals(duckdb_plan.column(name)), name
