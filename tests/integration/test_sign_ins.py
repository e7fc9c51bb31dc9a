"""Sign-in throttling (services.sign_ins) on SQLite and PostgreSQL, with time moving."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.services.sign_ins import Throttle, locked_until, record

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
