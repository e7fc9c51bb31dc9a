"""Sign-in throttling (services.sign_ins) on SQLite and PostgreSQL, with time moving."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.services.sign_ins import (
    CLIENT_FACTOR,
    Attempt,
    Throttle,
    attempt,
    locked_until,
    record,
)
from fairdebt.services.users import create_user

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
THROTTLE = Throttle(max_failures=5, window=timedelta(minutes=15))


def fail(uow, username: str, times: int, at: datetime, client: str = "10.0.0.1") -> None:
    for i in range(times):
        record(uow, username, client, False, at + timedelta(seconds=i))


def test_the_fifth_wrong_password_locks_the_name_until_the_first_leaves_the_window(engine):
    with SqlUnitOfWork(engine) as uow:
        fail(uow, "collector", 4, T0)
        four = locked_until(uow, "collector", "10.0.0.9", T0 + timedelta(seconds=4), THROTTLE)
        fail(uow, "Collector ", 1, T0 + timedelta(seconds=4))  # the same name as typed
        five = locked_until(uow, "collector", "10.0.0.9", T0 + timedelta(seconds=5), THROTTLE)
        later = T0 + timedelta(minutes=15, seconds=1)
        after = locked_until(uow, "collector", "10.0.0.9", later, THROTTLE)

    assert four is None
    assert five == T0 + timedelta(minutes=15)  # from any address: the name is locked
    assert after is None  # the first failure has left the window: four remain


def test_a_successful_sign_in_starts_the_names_count_again(engine):
    with SqlUnitOfWork(engine) as uow:
        fail(uow, "supervisor", 4, T0)
        record(uow, "supervisor", "10.0.0.1", True, T0 + timedelta(seconds=10))
        fail(uow, "supervisor", 4, T0 + timedelta(seconds=20))
        now = T0 + timedelta(seconds=30)

        assert locked_until(uow, "supervisor", "10.0.0.2", now, THROTTLE) is None


def test_one_client_trying_many_names_is_locked_but_other_clients_are_not(engine):
    with SqlUnitOfWork(engine) as uow:
        for i in range(20):  # four names' allowance, spread so no name is locked
            fail(uow, f"user{i}", 1, T0 + timedelta(seconds=i), client="203.0.113.7")
        now = T0 + timedelta(seconds=30)

        mine = locked_until(uow, "someone", "203.0.113.7", now, THROTTLE)
        theirs = locked_until(uow, "someone", "198.51.100.1", now, THROTTLE)

    assert mine == T0 + timedelta(minutes=15)
    assert theirs is None


# --- parallel guesses: counting and recording are one atomic step ------------------------------


def _guess_in_parallel(engine, pairs: list[tuple[str, str]]) -> list[Attempt]:
    """Each (user name, client) guesses a wrong password, all released at once."""
    start = threading.Barrier(len(pairs))

    def guess(pair: tuple[str, str]) -> Attempt:
        start.wait()
        return attempt(SqlUnitOfWork(engine), pair[0], "wrong-guess", pair[1], T0, THROTTLE)

    with ThreadPoolExecutor(max_workers=len(pairs)) as pool:
        return list(pool.map(guess, pairs))


@pytest.mark.parametrize("spread", ["one client", "thirty clients"])
def test_thirty_parallel_guesses_get_at_most_the_allowance_checked(engine, spread):
    create_user(SqlUnitOfWork(engine), "target", "collector", "right-password", "Target")
    clients = ["10.0.0.1"] * 30 if spread == "one client" else [f"10.0.1.{i}" for i in range(30)]

    tried = _guess_in_parallel(engine, [("target", c) for c in clients])

    checked = [t for t in tried if t.locked_until is None]
    assert len(checked) == THROTTLE.max_failures
    assert all(t.user is None for t in tried)
    with SqlUnitOfWork(engine) as uow:
        kept = uow.sign_ins.failures(username="target", after=T0 - timedelta(1), limit=100)
    assert len(kept) == THROTTLE.max_failures  # only checked attempts are recorded


def test_one_client_guessing_many_names_in_parallel_gets_its_allowance_only(engine):
    names = [(f"nobody{i}", "203.0.113.9") for i in range(30)]

    tried = _guess_in_parallel(engine, names)

    checked = [t for t in tried if t.locked_until is None]
    assert len(checked) == THROTTLE.max_failures * CLIENT_FACTOR


def test_a_right_password_is_recorded_as_a_success(engine):
    create_user(SqlUnitOfWork(engine), "rightful", "collector", "right-password", "Rightful")

    ok = attempt(SqlUnitOfWork(engine), "Rightful", "right-password", "10.0.0.3", T0, THROTTLE)

    with SqlUnitOfWork(engine) as uow:
        assert ok.user is not None and uow.sign_ins.last_success("rightful") == T0
        assert uow.sign_ins.failures(username="rightful", after=T0 - timedelta(1), limit=9) == []
