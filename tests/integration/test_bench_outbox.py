"""The outbox benchmark, small: workers killed at random and restarted lose and double nothing.

SQLite only (the benchmark makes its own database; `--database postgresql` is run by hand).
Speed is never asserted: the figures depend on the machine."""

from __future__ import annotations

import json

from cli_run import fairdebt


def test_killed_workers_lose_nothing_and_double_nothing() -> None:
    done = fairdebt(
        "bench", "outbox", "--messages", "200", "--workers", "2", "--kill-every", "0.3",
        "--lease", "1", "--batch", "5", "--no-baseline", "--json",
        timeout=120,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["planned"] == 200 and result["workers"] == 2
    assert result["lost"] == 0 and result["doubled"] == 0 and result["recorded_twice"] == 0
    assert result["kills"] > 0
    assert result["statuses"] == {"sent": 200} and result["sent"] == 200
    assert result["gateway_accepted"] == 200
    guarantees = {k: v for k, v in result["checks"].items() if "target" not in k}
    assert all(guarantees.values()), guarantees
