"""`fairdebt tasks dispatch|list|run|place` on the command line, end to end on SQLite: the
console portfolio, a real strategy run of the shipped ladder, then the worklist commands."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import console_data
import pytest

from fairdebt.adapters.db.engine import make_engine
from fairdebt.adapters.db.migrate import upgrade
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.strategy.run import RunOptions, run_strategy


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('tasks') / 'tasks.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        console_data.build(conn)
    run_strategy(SqlUnitOfWork(engine), RunOptions(as_of=console_data.AS_OF))
    engine.dispose()
    return url


@pytest.fixture
def tasks(
    database: str, fairdebt: Callable[..., CompletedProcess[str]]
) -> Callable[..., CompletedProcess[str]]:
    """`tasks(*args)`: `fairdebt tasks ARGS` on the module's database, run in-process."""
    folder = Path(database.removeprefix("sqlite:///")).parent

    def run(*args: str) -> CompletedProcess[str]:
        return fairdebt("tasks", *args, env={"FAIRDEBT_DATABASE_URL": database}, cwd=folder)

    return run


def test_the_worklist_commands_dispatch_list_run_and_place(database, tasks) -> None:
    first = tasks("dispatch", "--as-of", "2026-06-30")
    again = tasks("dispatch")
    listed = tasks("list", "--kind", "sms", "--json", "--limit", "500")
    late = tasks("run", "--kind", "sms", "--now", "2026-06-30T23:00:00+08:00", "-q")
    morning = tasks("run", "--kind", "sms", "--now", "2026-07-01T10:00:00+08:00")
    placed = tasks("place", "--agency", "AG-EAST", "--agency", "AG-WEST")

    assert first.returncode == 0, first.stderr
    assert "agency_placement" in first.stdout and "sms" in first.stdout
    assert "got tasks" in first.stderr
    assert "already dispatched" in again.stderr and "0 case(s) got tasks" in again.stderr
    rows = json.loads(listed.stdout)
    sms = len(rows)
    assert sms > 0 and {r["kind"] for r in rows} == {"sms"}
    assert all("****" in r["phone"] for r in rows)  # masked, even in JSON
    assert f"│ deferred │ {sms:>5} │" in late.stdout  # 23:00 in Shanghai: quiet hours
    assert f"│ queued   │ {sms:>5} │" in morning.stdout  # due on the morning they moved to
    assert f"outbox: sent {sms}, deferred 0" in morning.stderr  # and delivered by the worker
    assert "asking the gate" in morning.stderr  # the progress bar
    assert placed.returncode == 0, placed.stderr
    assert "AG-EAST" in placed.stdout and "placed" in placed.stderr


@pytest.mark.parametrize(
    ("args", "cause"),
    [
        (("list", "--kind", "fax"), "unknown --kind 'fax'"),
        (("list", "--status", "lost"), "unknown --status 'lost'"),
        (("run", "--kind", "call"), "unknown --kind 'call'"),
        (("run", "--now", "2026-07-01"), "not an instant with a UTC offset"),
        (("dispatch", "--run", "R-NOPE"), "no strategy run R-NOPE"),
        (("dispatch", "--as-of", "2020-01-01"), "no strategy run for 2020-01-01"),
        (("dispatch", "--as-of", "yesterday"), "is not a date"),
    ],
)
def test_bad_input_is_one_line_of_cause_and_hint(database, args, cause, tasks) -> None:
    result = tasks(*args)

    assert result.returncode == 2
    assert f"error: {cause}" in result.stderr or cause in result.stderr
    assert "hint:" in result.stderr
    assert "Traceback" not in result.stderr
