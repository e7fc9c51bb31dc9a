"""Sign-in throttling on the in-memory unit of work, with time moving."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fakes import FakeUnitOfWork

from fairdebt.services.sign_ins import Throttle, attempt, locked_until, record
from fairdebt.services.users import create_user

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
THROTTLE = Throttle(max_failures=5, window=timedelta(minutes=15))


def fail(uow, username: str, times: int, at: datetime, client: str = "10.0.0.1") -> None:
    for i in range(times):
        record(uow, username, client, False, at + timedelta(seconds=i))


def test_the_fifth_failure_locks_the_name_from_any_address_until_the_first_leaves():
    uow = FakeUnitOfWork()
    fail(uow, "collector", 4, T0)
    four = locked_until(uow, "collector", "10.0.0.9", T0 + timedelta(seconds=4), THROTTLE)
    fail(uow, "Collector ", 1, T0 + timedelta(seconds=4))

    assert four is None
    assert locked_until(uow, "collector", "10.0.0.9", T0 + timedelta(seconds=5), THROTTLE) == (
        T0 + timedelta(minutes=15)
    )
    later = T0 + timedelta(minutes=15, seconds=1)
    assert locked_until(uow, "collector", "10.0.0.9", later, THROTTLE) is None


def test_a_success_resets_the_names_count_but_not_the_clients():
    uow = FakeUnitOfWork()
    fail(uow, "supervisor", 4, T0)
    record(uow, "supervisor", "10.0.0.1", True, T0 + timedelta(seconds=10))
    fail(uow, "supervisor", 4, T0 + timedelta(seconds=20))
    for i in range(12):
        fail(uow, f"user{i}", 1, T0 + timedelta(seconds=30 + i))  # 20 failures from 10.0.0.1

    now = T0 + timedelta(minutes=1)
    assert locked_until(uow, "supervisor", "10.0.0.2", now, THROTTLE) is None
    assert locked_until(uow, "supervisor", "10.0.0.1", now, THROTTLE) == T0 + timedelta(minutes=15)


def test_an_attempt_while_locked_checks_no_password_and_is_not_kept():
    uow = FakeUnitOfWork()
    made = create_user(uow, "li", "collector", "s3cret-pass", "李")
    fail(uow, "li", 5, T0)
    kept = len(uow.sign_ins.rows)

    locked = attempt(uow, "li", "s3cret-pass", "10.0.0.1", T0 + timedelta(minutes=1), THROTTLE)
    freed = attempt(uow, "li", "s3cret-pass", "10.0.0.1", T0 + timedelta(minutes=16), THROTTLE)

    assert locked.user is None and locked.locked_until == T0 + timedelta(minutes=15)
    assert freed.user == made and freed.locked_until is None
    assert len(uow.sign_ins.rows) == kept + 1 and uow.sign_ins.rows[-1].ok
