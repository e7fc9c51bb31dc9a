"""Plans are stored atomically per (as_of, run): 'already run', --replace, and kill -9 mid-write."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest
import strategy_portfolio
from sqlalchemy import func, select

from fairdebt.adapters.db.strategy_tables import strategy_current, strategy_plans, strategy_runs
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.strategy import store
from fairdebt.strategy.run import RunOptions, run_strategy

AS_OF = date(2026, 11, 24)
ACCOUNTS = 300


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return strategy_portfolio.write(tmp_path_factory.mktemp("pf"), ACCOUNTS, AS_OF)


def _counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            "runs": conn.execute(select(func.count()).select_from(strategy_runs)).scalar_one(),
            "plans": conn.execute(select(func.count()).select_from(strategy_plans)).scalar_one(),
        }


def test_a_run_stores_its_plan_and_points_the_as_of_at_it(engine, portfolio) -> None:
    result = run_strategy(SqlUnitOfWork(engine), RunOptions(as_of=AS_OF, portfolio=portfolio))

    info = store.run_info(SqlUnitOfWork(engine))
    assert info is not None and info["id"] == result.record.run_id
    assert info["status"] == "current" and info["accounts"] == ACCOUNTS
    assert store.load_plan(SqlUnitOfWork(engine), result.record.run_id).num_rows == ACCOUNTS
    assert _counts(engine) == {"runs": 1, "plans": ACCOUNTS}


def test_running_an_as_of_again_says_already_run_and_writes_nothing(engine, portfolio) -> None:
    first = run_strategy(SqlUnitOfWork(engine), RunOptions(as_of=AS_OF, portfolio=portfolio))

    with pytest.raises(store.AlreadyRunError) as caught:
        run_strategy(SqlUnitOfWork(engine), RunOptions(as_of=AS_OF, portfolio=portfolio))

    assert "already run" in caught.value.cause and first.record.run_id in caught.value.cause
    assert "--replace" in caught.value.hint
    assert _counts(engine) == {"runs": 1, "plans": ACCOUNTS}


def test_replace_supersedes_the_previous_run_in_one_go(engine, portfolio) -> None:
    first = run_strategy(SqlUnitOfWork(engine), RunOptions(as_of=AS_OF, portfolio=portfolio))

    second = run_strategy(
        SqlUnitOfWork(engine), RunOptions(as_of=AS_OF, portfolio=portfolio, replace=True)
    )

    assert second.superseded == first.record.run_id
    assert store.run_info(SqlUnitOfWork(engine))["id"] == second.record.run_id  # type: ignore[index]
    assert store.run_info(SqlUnitOfWork(engine), first.record.run_id)["status"] == "superseded"  # type: ignore[index]
    with engine.connect() as conn:
        pointer = conn.execute(select(strategy_current.c.run_id)).scalars().all()
    assert pointer == [second.record.run_id]


def test_the_next_run_rolls_against_the_previous_as_of(engine, portfolio) -> None:
    run_strategy(SqlUnitOfWork(engine), RunOptions(as_of=date(2026, 10, 24), portfolio=portfolio))

    later = run_strategy(SqlUnitOfWork(engine), RunOptions(as_of=AS_OF, portfolio=portfolio))

    rolls = set(later.plan.column("roll").to_pylist())
    assert later.previous_run is not None
    assert "new" not in rolls and {"stay", "forward"} <= rolls


KILLED_WRITER = """
import sys, time
from datetime import date
import pyarrow as pa
from fairdebt.adapters.db.engine import make_engine
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.strategy import store

uow = SqlUnitOfWork(make_engine(sys.argv[1]))
old = store.run_info(uow)
plan = store.load_plan(uow, old["id"])
record = store.RunRecord(
    run_id="killed-run", as_of=old["as_of"], strategy_name="x", strategy_sha256="0" * 64,
    strategy_yaml="", backend="duckdb", source="test", accounts=plan.num_rows,
    started_at="", finished_at="",
)

def batches():
    yield from plan.to_batches(100)  # most of the new plan is written...
    print("mid-write", flush=True)
    time.sleep(600)  # ...and then the process is killed inside the transaction
    yield from ()

store.save(uow, record, batches(), replace=True)
"""


def test_kill_9_in_the_middle_of_writing_leaves_the_previous_plan_whole(
    engine, database_url, portfolio, tmp_path
) -> None:
    first = run_strategy(SqlUnitOfWork(engine), RunOptions(as_of=AS_OF, portfolio=portfolio))
    before = store.load_plan(SqlUnitOfWork(engine), first.record.run_id)
    script = tmp_path / "writer.py"
    script.write_text(textwrap.dedent(KILLED_WRITER))
    writer = subprocess.Popen(
        [sys.executable, str(script), database_url], stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "mid-write"
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=30)

    engine.dispose()  # a fresh connection sees only what was committed
    assert writer.returncode == -signal.SIGKILL
    assert store.run_info(SqlUnitOfWork(engine))["id"] == first.record.run_id  # type: ignore[index]
    assert store.run_info(SqlUnitOfWork(engine), "killed-run") is None
    assert store.load_plan(SqlUnitOfWork(engine), first.record.run_id).equals(before)
    assert _counts(engine) == {"runs": 1, "plans": ACCOUNTS}
