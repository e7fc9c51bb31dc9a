"""The outbox benchmark, small: workers killed at random and restarted lose and double nothing.

SQLite only (the benchmark makes its own database; `--database postgresql` is run by hand).
Speed is never asserted: the figures depend on the machine."""

from __future__ import annotations

import json
import os

from cli_run import fairdebt


def test_killed_workers_lose_nothing_and_double_nothing() -> None:
    """In-process (the workers are forked), with its baselines: one worker, and the provider."""
    from fairdebt.bench.outbox import Options, guarantees_hold, run

    options = Options(messages=200, workers=2, kill_every=0.3, lease=1, batch=5, seed=7)
    result = run(None, True, options)

    assert guarantees_hold(result)
    assert result["baseline_one_worker"]["sent"] == 200
    assert set(result["baselines"]) == {
        "one worker, no kills",
        "the provider alone (one loop, no database)",
    }
    assert result["planned"] == 200 and result["workers"] == 2
    assert result["lost"] == 0 and result["doubled"] == 0 and result["recorded_twice"] == 0
    assert result["kills"] > 0
    assert result["statuses"] == {"sent": 200} and result["sent"] == 200
    assert result["gateway_accepted"] == 200
    guarantees = {k: v for k, v in result["checks"].items() if "target" not in k}
    assert all(guarantees.values()), guarantees


def test_the_command_prints_its_figures_as_json(tmp_path) -> None:
    """As a new user runs it: no keys in the environment, so the benchmark's workers make and
    read a key file of their own, and the queued cases must be sealed with it."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("FAIRDEBT_DATA_KEYS", "FAIRDEBT_INDEX_KEY")
    }
    env["FAIRDEBT_DATA_DIR"] = str(tmp_path)
    done = fairdebt(
        "bench", "outbox", "--messages", "20", "--workers", "2", "--kill-every", "0",
        "--no-baseline", "--json", timeout=120, replace_env=env,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert (result["planned"], result["sent"], result["lost"]) == (20, 20, 0)


def test_workers_that_keep_dying_stop_the_benchmark_early_with_their_error(tmp_path) -> None:
    """Every worker dies at start (here: a database it cannot open): after a few crashes with no
    row ended the benchmark stops, saying what the last worker died of, instead of restarting
    them until its deadline."""
    import random
    import time

    import pytest

    from fairdebt.adapters.db.engine import make_engine
    from fairdebt.adapters.db.migrate import upgrade
    from fairdebt.bench import outbox as bench
    from fairdebt.bench import outbox_data
    from fairdebt.bench.outbox_child import ChildConfig
    from fairdebt.compliance.pack import builtin_packs
    from fairdebt.errors import FairdebtError

    engine = make_engine(f"sqlite:///{tmp_path / 'bench.db'}")
    upgrade(engine)
    with engine.begin() as conn:
        portfolio = outbox_data.build(conn, outbox_data.cases_for(8))
    outbox_data.queue(engine, portfolio, 8, builtin_packs(), lambda: outbox_data.VIRTUAL_START)
    broken = ChildConfig(
        database_url="sqlite:////proc/no-such-folder/bench.db",  # a folder no one can make
        data_dir=str(tmp_path),
        gateway_url="http://127.0.0.1:9",
        key_id="bench",
        secret="s" * 32,
        offset_seconds=0.0,
        lease_seconds=1,
        batch=5,
    )
    options = bench.Options(messages=8, workers=2, kill_every=0.0)

    started = time.perf_counter()
    with pytest.raises(FairdebtError) as raised:
        bench._drive(engine, broken, options, random.Random(1))
    engine.dispose()

    assert time.perf_counter() - started < 60
    error = raised.value
    assert f"{bench.CRASHES_WITHOUT_PROGRESS} crashes and no row ended" in error.cause
    assert "cannot create the data directory /proc/no-such-folder" in error.cause
    assert error.hint, error
