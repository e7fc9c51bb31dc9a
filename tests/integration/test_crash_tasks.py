"""kill -9 of `fairdebt tasks run` and of `fairdebt worker` at seeded random instants of their
work, each restarted, then run to the end: every planned text reached the gateway exactly once,
every case log verifies, no task is left claimed, no attempt left unconfirmed
(docs/channels.md, "A worker killed at any instant")."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from crash_world import (
    KEY_ID,
    MORNING,
    SECRET,
    Killer,
    environment,
    fairdebt,
    later,
    outcome,
    plan_sms_tasks,
    shifted_fairdebt,
)
from sqlalchemy.engine import Engine

from fairdebt.adapters.channels.gateway_server import ReferenceGateway

CASES = 100  # about 20 SMS tasks: enough work for several kills, done in seconds
KILLS = 3


@pytest.fixture
def gateway() -> Iterator[ReferenceGateway]:
    with ReferenceGateway(SECRET, key_id=KEY_ID) as running:
        yield running


def _assert_once_each(engine: Engine, gateway: ReferenceGateway, planned: list[int]) -> None:
    found = outcome(engine, gateway, planned)
    assert found.planned > 10
    assert found.accepted == found.planned, found  # none lost, none doubled (by count)
    assert found.keys_match and found.phones_match, found  # and by client_ref
    assert found.outbox == {"sent": found.planned}, found
    assert found.tasks == {"done": found.planned}, found
    assert found.claimed_tasks == 0, found
    assert found.attempts == {"done": found.planned}, found  # every one reconciled
    assert found.recorded == found.planned, found  # one contact_recorded each


def _verified(killer: Killer) -> None:
    done = killer.run(fairdebt("audit", "verify", "-q"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "every chain intact" in done.stdout


def test_tasks_run_killed_at_random_loses_and_doubles_nothing(
    engine: Engine, gateway: ReferenceGateway, tmp_path: Path
) -> None:
    planned = plan_sms_tasks(engine, CASES)
    url = engine.url.render_as_string(hide_password=False)
    killer = Killer(engine, environment(url, tmp_path, gateway), tmp_path, random.Random(20261207))

    killer.kill_times(
        KILLS,
        planned,
        lambda k: fairdebt("tasks", "run", "--now", later(MORNING, k).isoformat(), "-q"),
    )
    final = killer.run(fairdebt("tasks", "run", "--now", later(MORNING, KILLS).isoformat(), "-q"))

    assert final.returncode == 0, final.stderr[-3000:]
    # At least one kill lands; more land unless a quick machine finishes the work first (each
    # kill aims at a random share of what is left, so the count cannot be promised).
    assert killer.kills >= 1, (killer.kills, killer.exits)
    _assert_once_each(engine, gateway, planned)
    _verified(killer)


def test_the_worker_killed_at_random_loses_and_doubles_nothing(
    engine: Engine, gateway: ReferenceGateway, tmp_path: Path
) -> None:
    """The tasks are executed (queued) first; then `fairdebt worker` with a short lease and
    small batches is killed while it delivers, restarted, and finally run `--once`."""
    planned = plan_sms_tasks(engine, CASES)
    url = engine.url.render_as_string(hide_password=False)
    killer = Killer(engine, environment(url, tmp_path, gateway), tmp_path, random.Random(7))
    _queue(engine, planned)
    worker = ("worker", "--lease", "1", "--batch", "2", "--poll", "0.05", "--name")

    killer.kill_times(
        KILLS, planned, lambda k: shifted_fairdebt(later(MORNING, k), *worker, f"w{k}")
    )
    final = killer.run(shifted_fairdebt(later(MORNING, KILLS), "worker", "--once"))

    assert final.returncode == 0, final.stderr[-3000:]
    # At least one kill lands; more land unless a quick machine finishes the work first (each
    # kill aims at a random share of what is left, so the count cannot be promised).
    assert killer.kills >= 1, (killer.kills, killer.exits)
    _assert_once_each(engine, gateway, planned)
    _verified(killer)


def _queue(engine: Engine, planned: list[int]) -> None:
    """Execute every task through the gate: each text queued in the outbox, none sent yet."""
    from fairdebt.adapters.channels.console import ConsoleChannel
    from fairdebt.adapters.db.uow import SqlUnitOfWork
    from fairdebt.compliance.pack import builtin_packs
    from fairdebt.services.worklist_execute import execute

    packs, channels = builtin_packs(), {"sms": ConsoleChannel()}
    for task_id in planned:
        done = execute(SqlUnitOfWork(engine), task_id, "crash test", MORNING, packs, channels)
        assert done.status == "queued", done
