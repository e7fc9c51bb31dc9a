"""PostgreSQL loses every connection of a `fairdebt strategy run` mid-run — cut on the shared
cluster, and restarted for real (`pg_ctl restart`) on a private one: the run ends with one
line of cause and one of hint, exit 2; no run is left half-written; a re-run succeeds and
stores the same plan as a clean run."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
import strategy_portfolio
from crash_cluster import PrivateCluster
from crash_postgres import Cutter
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from fairdebt.adapters.db.engine import make_engine
from fairdebt.adapters.db.migrate import upgrade
from fairdebt.adapters.db.strategy_tables import strategy_current, strategy_plans, strategy_runs

AS_OF = date(2026, 11, 24)
ACCOUNTS = 3_000
SEEDS = (11,)  # the cut instant (the real restart below is a second one)


def _run(url: str, portfolio: Path, *more: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fairdebt", "strategy", "run", "--as-of", AS_OF.isoformat(),
         "--portfolio", str(portfolio), "-q", *more],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "FAIRDEBT_DATABASE_URL": url, "COLUMNS": "200"},
        cwd=portfolio.parent,
    )  # fmt: skip


def _plan(engine: Engine) -> list[tuple[object, ...]]:
    """The current plan of AS_OF, without its run id."""
    p = strategy_plans.c
    current = select(strategy_current.c.run_id).where(strategy_current.c.as_of == AS_OF)
    columns = [c for c in strategy_plans.c if c.name != "run_id"]
    with engine.connect() as conn:
        rows = conn.execute(
            select(*columns).where(p.run_id == current.scalar_subquery()).order_by(p.account_id)
        ).all()
    return [tuple(r) for r in rows]


def _no_half_run(engine: Engine) -> None:
    """Either no run of the day, or a whole one: each run's plan holds its `accounts` rows."""
    with engine.connect() as conn:
        runs = conn.execute(select(strategy_runs.c.id, strategy_runs.c.accounts)).all()
        for run_id, accounts in runs:
            stored = conn.execute(
                select(func.count()).where(strategy_plans.c.run_id == run_id)
            ).scalar_one()
            assert stored == accounts, (run_id, stored, accounts)
        orphans = conn.execute(
            select(func.count()).where(strategy_plans.c.run_id.not_in(select(strategy_runs.c.id)))
        ).scalar_one()
        assert orphans == 0


@pytest.mark.parametrize("seed", SEEDS)
def test_connections_cut_mid_run_fail_clearly_and_half_write_nothing(
    engine: Engine, tmp_path: Path, seed: int
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL restart; SQLite has no server to lose")
    portfolio = strategy_portfolio.write(tmp_path / "portfolio", ACCOUNTS, AS_OF)
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()  # the cutter cuts every connection of the database: none of ours is in use

    with Cutter(url, random.Random(seed)) as cutter:
        cut = _run(url, portfolio)
    engine.dispose()

    assert cutter.terminated > 0
    assert cut.returncode == 2, (cut.returncode, cut.stdout[-2000:], cut.stderr[-3000:])
    assert cut.stderr.startswith("error: ") or "\nerror: " in cut.stderr, cut.stderr[-3000:]
    assert "hint: " in cut.stderr and "Traceback" not in cut.stderr, cut.stderr[-3000:]
    _no_half_run(engine)

    again = _run(url, portfolio)
    assert again.returncode == 0, again.stderr[-3000:]
    _no_half_run(engine)
    after_cut = _plan(engine)
    clean = _run(url, portfolio, "--replace")
    assert clean.returncode == 0, clean.stderr[-3000:]
    assert len(after_cut) == ACCOUNTS and _plan(engine) == after_cut


def test_postgresql_restarted_for_real_mid_run_fails_clearly_and_half_writes_nothing(
    tmp_path: Path,
) -> None:
    """A private cluster (the shared one must not go down under other tests) is restarted with
    `pg_ctl restart` again and again while `strategy run` works: the run ends cleanly (exit 2,
    cause and hint) or, had it slipped between two restarts, whole; never half-written."""
    with PrivateCluster() as cluster:
        engine = make_engine(cluster.url)
        upgrade(engine)
        engine.dispose()
        portfolio = strategy_portfolio.write(tmp_path / "portfolio", ACCOUNTS, AS_OF)
        run = subprocess.Popen(
            [sys.executable, "-m", "fairdebt", "strategy", "run", "--as-of", AS_OF.isoformat(),
             "--portfolio", str(portfolio), "-q"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=portfolio.parent,
            env={**os.environ, "FAIRDEBT_DATABASE_URL": cluster.url, "COLUMNS": "200"},
        )  # fmt: skip
        restarts = 0
        deadline = time.monotonic() + 120
        while run.poll() is None and time.monotonic() < deadline:
            time.sleep(random.Random(7 + restarts).uniform(0.1, 0.6))
            if run.poll() is None:
                cluster.restart()
                restarts += 1
        stdout, stderr = run.communicate(timeout=60)

        assert restarts > 0
        assert run.returncode in (0, 2), (run.returncode, stdout[-2000:], stderr[-3000:])
        assert "Traceback" not in stderr, stderr[-3000:]
        if run.returncode == 2:
            assert "error: " in stderr and "hint: " in stderr, stderr[-3000:]
        engine = make_engine(cluster.url)
        try:
            _no_half_run(engine)
            if run.returncode == 2:
                again = _run(cluster.url, portfolio)
                assert again.returncode == 0, again.stderr[-3000:]
                _no_half_run(engine)
            assert len(_plan(engine)) == ACCOUNTS
        finally:
            engine.dispose()
