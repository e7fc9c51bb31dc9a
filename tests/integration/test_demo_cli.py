"""`fairdebt demo` as a new user runs it (without serving): the README's first command.

It runs in a fresh data directory (the autouse fixture's), so what it builds is its own: the
SQLite database, the generated portfolio, cases given to collectors, two strategy runs, the
latest plan dispatched into tasks with its agency placements made, and a user per role whose
printed password really signs in.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

from sqlalchemy import func, select

from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.engine import make_engine
from fairdebt.adapters.db.strategy_tables import strategy_runs
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.adapters.db.worklist_tables import tasks
from fairdebt.services.users import authenticate

ROLES = ("admin", "supervisor", "collector", "field_agent", "compliance", "agency", "borrower")


def _demo(data_dir: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FAIRDEBT_DATA_DIR": data_dir, "COLUMNS": "200"}
    env.pop("FAIRDEBT_DATABASE_URL", None)  # the demo's own embedded default
    return subprocess.run(
        [sys.executable, "-m", "fairdebt", "demo", "--accounts", "1500", "--no-serve"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=600,
    )


def _users(stdout: str) -> dict[str, tuple[str, str]]:
    """role -> (user, password) from the printed table."""
    found = {}
    for line in stdout.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃|]", line) if c.strip()]
        if len(cells) == 3 and cells[0] in ROLES:
            found[cells[0]] = (cells[1], cells[2])
    return found


def test_the_demo_builds_a_working_system_and_a_second_run_reuses_it(tmp_path) -> None:
    first = _demo(str(tmp_path))
    assert first.returncode == 0, first.stderr
    users = _users(first.stdout)
    assert set(users) == set(ROLES), first.stdout

    engine = make_engine(f"sqlite:///{tmp_path / 'fairdebt.db'}")
    with engine.connect() as conn:
        accounts = conn.scalar(select(func.count()).select_from(t.accounts))
        placed = conn.scalar(
            select(func.count()).select_from(t.cases).where(t.cases.c.assignee_kind == "agency")
        )
        runs = conn.execute(select(strategy_runs.c.as_of)).scalars().all()
        kinds = dict(conn.execute(select(tasks.c.kind, func.count()).group_by(tasks.c.kind)).all())
        placed_cases = set(
            conn.scalars(select(t.cases.c.id).where(t.cases.c.assignee_kind == "agency"))
        )
        placed_by_plan = set(
            conn.scalars(
                select(tasks.c.case_id).where(
                    tasks.c.kind == "agency_placement",
                    tasks.c.status == "done",
                    tasks.c.note.like("placed with AG-%"),
                )
            )
        )
        collectors_calls = conn.scalar(
            select(func.count())
            .select_from(tasks)
            .where(tasks.c.kind == "call", tasks.c.assignee_kind == "collector")
        )
    user, password = users["supervisor"]
    assert authenticate(SqlUnitOfWork(engine), user, password) is not None
    assert authenticate(SqlUnitOfWork(engine), user, password + "x") is None
    engine.dispose()
    assert accounts == 1500
    assert placed and placed > 0
    assert len(runs) == 2 and (max(runs) - min(runs)).days == 30
    assert kinds.get("sms", 0) > 0 and kinds.get("call", 0) > 0
    assert placed_cases == placed_by_plan  # every placement came from the plan's tasks
    assert collectors_calls > 0  # the collectors' queue has work
    assert "audit checkpoint 1 over" in first.stderr
    assert (tmp_path / "signing-key.pem").stat().st_mode & 0o077 == 0

    second = _demo(str(tmp_path))
    assert second.returncode == 0, second.stderr
    assert "using the portfolio already in" in second.stderr
    assert "0 new rows" in second.stderr
    assert "strategy runs made: 0" in second.stderr
    assert "tasks dispatched: 0" in second.stderr and "placed by the plan: none" in second.stderr
    assert "audit checkpoint 2 over" in second.stderr  # the first run's key, reused
