"""A worker that dies leaves its claimed rows to the others at once on PostgreSQL, not a lease
later: it claims under a session lock of its own (adapters/db/presence), which the server frees
when the process is gone, even by kill -9. A live worker's rows are never taken early. SQLite
has no sessions: its claims expire with time, as they always have."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import console_data
import pytest
from outbox_texts import queue_text
from sqlalchemy.engine import Engine

from fairdebt.adapters.db.presence import SqlPresence
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.compliance.pack import builtin_packs

SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 6, 30, 10, 0, tzinfo=SHANGHAI)
SOON = MORNING + timedelta(minutes=5)  # every text queued here is due
HOUR = timedelta(hours=1)  # a lease that does not run out during a test
BODY = "【示例消费金融有限公司】您好，您的借款已逾期，请及时还款。回复 TD 退订。"


@pytest.fixture
def queued(engine: Engine) -> list[str]:
    """A text queued for each case of a small portfolio; their keys."""
    with engine.begin() as conn:
        portfolio = console_data.build(conn, count=6)
    keys = []
    for n, case in enumerate(portfolio.case_ids):
        at = MORNING + timedelta(seconds=10 * n)
        key = queue_text(
            SqlUnitOfWork(engine), case, portfolio.phones[case], BODY, at, builtin_packs()
        )
        if key is not None:
            keys.append(key)
    assert len(keys) >= 3
    return keys


def _claim(engine: Engine, worker: str, presence: SqlPresence | None) -> set[str]:
    with SqlUnitOfWork(engine) as uow:
        key = presence.key() if presence is not None else None
        rows = uow.outbox.claim_due(SOON, worker, SOON + HOUR, 50, key)
        uow.commit()
    return {r.message.key for r in rows}


def test_a_live_workers_rows_stay_its_own_and_are_taken_at_once_when_it_is_gone(
    engine: Engine, queued: list[str]
) -> None:
    first, second = SqlPresence(engine), SqlPresence(engine)
    try:
        assert _claim(engine, "first", first) == set(queued)
        assert _claim(engine, "second", second) == set()  # alive: nothing taken early

        first.close()  # its session's lock freed, as when the process dies

        taken = _claim(engine, "second", second)
    finally:
        first.close()
        second.close()

    if engine.dialect.name == "postgresql":
        assert taken == set(queued)
    else:  # no sessions: the claims expire with time only
        assert first.key() is None and taken == set()


def test_a_claim_without_a_presence_is_freed_by_its_expiry_alone(
    engine: Engine, queued: list[str]
) -> None:
    """A worker built without a presence, or a row claimed by an older release, has no lock
    key on its rows: another worker never takes them early, however its own presence stands."""
    second = SqlPresence(engine)
    try:
        assert _claim(engine, "plain", None) == set(queued)
        assert _claim(engine, "second", second) == set()
    finally:
        second.close()


def test_a_worker_killed_with_sigkill_leaves_its_claims_to_another_at_once(
    engine: Engine, queued: list[str]
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no sessions: its claims expire with time (the test above)")
    url = engine.url.render_as_string(hide_password=False)
    script = textwrap.dedent(
        f"""
        import sys, time
        from datetime import datetime, timedelta
        from fairdebt.bootstrap import Services
        from fairdebt.settings import load_settings
        wired = Services(load_settings(database_url={url!r}), migrate=False)
        worker = wired.outbox_worker("doomed", timedelta(hours=1))
        soon = datetime.fromisoformat({SOON.isoformat()!r})
        alive = worker.presence.key()
        with worker.uow as uow:
            rows = uow.outbox.claim_due(soon, worker.name, soon + timedelta(hours=1), 50, alive)
            uow.commit()
        print(len(rows), alive is not None, flush=True)
        time.sleep(600)
        """
    )
    doomed = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env={**os.environ},
    )  # fmt: skip
    try:
        assert doomed.stdout is not None
        line = doomed.stdout.readline().split()
        assert line == [str(len(queued)), "True"], (line, doomed.stderr.read() if not line else "")
        second = SqlPresence(engine)
        try:
            assert _claim(engine, "second", second) == set()  # it lives: its rows are its own
            os.kill(doomed.pid, signal.SIGKILL)
            doomed.wait(timeout=10)
            taken: set[str] = set()
            deadline = time.monotonic() + 10
            while not taken and time.monotonic() < deadline:  # the server sees the socket close
                taken = _claim(engine, "second", second)
                time.sleep(0.05)
        finally:
            second.close()
    finally:
        if doomed.poll() is None:
            doomed.kill()
            doomed.wait()
    assert taken == set(queued)  # an hour before the claims would have expired
