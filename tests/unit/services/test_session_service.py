"""Server-side sessions: a token opens its user until it is revoked, idle or past its end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fakes import FakeUnitOfWork

from fairdebt.services.sessions import (
    TOKEN_BYTES,
    Lifetimes,
    open_session,
    resolve,
    revoke,
    revoke_all_for_user,
    session_id,
)
from fairdebt.services.users import create_user, disable_user, reset_password

NOW = datetime(2026, 12, 9, 9, 0, tzinfo=UTC)
LIFE = Lifetimes(idle=timedelta(hours=12), absolute=timedelta(days=7))


def _signed_in(uow: FakeUnitOfWork, name: str = "li") -> tuple[str, str]:
    user = create_user(uow, name, "collector", "s3cret-pass", name)
    return user.id, open_session(uow, user, NOW, LIFE)


def test_a_token_opens_its_user_and_only_its_hash_is_stored():
    uow = FakeUnitOfWork()
    user_id, token = _signed_in(uow)

    found = resolve(uow, token, NOW + timedelta(minutes=5), LIFE)

    assert found is not None and found.id == user_id
    assert len(token) >= TOKEN_BYTES  # url-safe base64 of 32 random bytes
    assert list(uow.web_sessions.rows) == [session_id(token)]
    assert token not in repr(uow.web_sessions.rows)
    assert resolve(uow, token + "x", NOW, LIFE) is None


def test_use_is_recorded_at_most_once_a_minute():
    uow = FakeUnitOfWork()
    _, token = _signed_in(uow)

    for seconds in (10, 30, 59):
        resolve(uow, token, NOW + timedelta(seconds=seconds), LIFE)
    assert uow.web_sessions.touches == 0
    resolve(uow, token, NOW + timedelta(minutes=1), LIFE)
    assert uow.web_sessions.touches == 1
    assert uow.web_sessions.rows[session_id(token)].last_seen_at == NOW + timedelta(minutes=1)


def test_an_idle_session_ends_and_use_keeps_it_alive_up_to_its_absolute_end():
    uow = FakeUnitOfWork()
    _, idle = _signed_in(uow, "li")
    _, busy = _signed_in(uow, "wang")

    at = NOW
    while at < NOW + timedelta(days=6, hours=23):
        at += timedelta(hours=11)
        assert resolve(uow, busy, min(at, NOW + timedelta(days=7, seconds=-1)), LIFE)
    assert resolve(uow, busy, NOW + timedelta(days=7), LIFE) is None
    assert resolve(uow, idle, NOW + timedelta(hours=12), LIFE) is None


def test_revoking_ends_one_session_or_all_of_a_user():
    uow = FakeUnitOfWork()
    user_id, first = _signed_in(uow)
    user = uow.users.get(user_id)
    assert user is not None
    second = open_session(uow, user, NOW, LIFE)
    third = open_session(uow, user, NOW, LIFE)

    revoke(uow, first, NOW)
    assert resolve(uow, first, NOW, LIFE) is None
    assert resolve(uow, second, NOW, LIFE) is not None
    assert revoke_all_for_user(uow, user_id, NOW) == 2
    assert resolve(uow, second, NOW, LIFE) is None and resolve(uow, third, NOW, LIFE) is None


def test_a_password_reset_and_disabling_end_the_users_sessions():
    uow = FakeUnitOfWork()
    _, li = _signed_in(uow, "li")
    _, wang = _signed_in(uow, "wang")
    _, zhao = _signed_in(uow, "zhao")

    reset_password(uow, "li", "new-password", NOW)
    disable_user(uow, "wang", NOW)

    assert resolve(uow, li, NOW, LIFE) is None
    assert resolve(uow, wang, NOW, LIFE) is None
    assert resolve(uow, zhao, NOW, LIFE) is not None
