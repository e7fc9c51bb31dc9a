"""The strategy benchmark: its three implementations agree, and its comparison can tell them apart.

A 2,000-account portfolio (with the benchmark's activity file) is small enough to run the engine,
the hand-written SQL and the pandas baseline in-process; the full `fairdebt bench strategy` is run
once through the command line, child processes and all.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from typer.testing import CliRunner

from fairdebt.bench import strategy, strategy_child
from fairdebt.cli import app

SIZE = 2_000


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from fairdebt.demo.generate import generate_portfolio

    out = tmp_path_factory.mktemp("portfolio")
    generate_portfolio(SIZE, out, seed=3, as_of=strategy.AS_OF)
    strategy.ensure_activity(out)
    return out


@pytest.fixture(scope="module")
def plans(folder: Path) -> dict[str, pa.Table]:
    return {name: run(folder, {}, 0) for name, run in strategy_child.IMPLEMENTATIONS.items()}


def test_the_sql_and_pandas_plans_equal_the_engine_plan(plans) -> None:
    assert plans["engine"].num_rows == SIZE
    assert strategy.plan_differences(plans["engine"], plans["sql"]) == []
    assert strategy.plan_differences(plans["engine"], plans["pandas"]) == []


def test_the_plans_compared_are_not_trivial(plans) -> None:
    segments = set(plans["engine"].column("segment").to_pylist())

    assert {"on_hold", "current", "m1_early", "m2", "m4_m6", "m7"} <= segments
    assert set(plans["engine"].column("arm").to_pylist()) == {"champion", "early_call"}


def test_an_altered_value_is_named_by_its_column(plans) -> None:
    engine = plans["engine"]
    i = engine.schema.get_field_index("priority")
    changed = pc.if_else(pc.equal(engine["segment"], "m2"), 1, engine["priority"])
    altered = engine.set_column(i, "priority", changed.cast(engine.schema.field(i).type))

    assert strategy.plan_differences(engine, altered) == ["priority"]


def test_a_missing_account_or_column_is_a_difference(plans) -> None:
    engine, sql = plans["engine"], plans["sql"]

    assert strategy.plan_differences(engine.slice(1), sql) != []
    assert strategy.plan_differences(engine, sql.drop_columns(["arm"])) == ["missing column arm"]


def test_row_order_and_integer_widths_do_not_count_as_differences(plans) -> None:
    engine = plans["engine"]
    shuffled = engine.take(pa.array(range(engine.num_rows - 1, -1, -1)))
    narrow = shuffled.set_column(
        shuffled.schema.get_field_index("dpd"), "dpd", shuffled["dpd"].cast(pa.int32())
    )

    assert strategy.plan_differences(engine, narrow) == []


def test_pandas_on_a_prefix_is_compared_with_the_same_accounts(folder, plans) -> None:
    prefix = strategy_child.pandas(folder, {}, 500)

    assert prefix.num_rows == 500
    assert strategy.plan_differences(plans["engine"], prefix) == []


def test_the_cached_portfolio_is_reused_the_second_time() -> None:
    first = strategy.ensure_portfolio(300)
    second = strategy.ensure_portfolio(300)

    assert first[2] is False and second[2] is True
    assert second[0] == first[0] and second[1] == pytest.approx(first[1])
    assert (first[0] / "activity.parquet").is_file()


def test_the_benchmark_prints_its_figures_and_passing_plan_checks() -> None:
    result = CliRunner().invoke(app, ["bench", "strategy", "--size", "1000", "--json"])

    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["name"] == "strategy" and figures["size"] == 1000
    assert figures["checks"]["same plan as the hand-written SQL"] is True
    assert figures["checks"]["same plan as pandas"] is True
    assert set(figures["baselines"]) == {"pandas", "hand-written DuckDB SQL"}
    assert figures["peak_rss_mb"] > 0 and "load_avg_1m" in figures
    assert set(figures["engine_stages"]) >= {"read", "dues", "late", "plan"}
