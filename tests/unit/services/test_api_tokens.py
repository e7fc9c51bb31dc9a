"""API tokens on the fake unit of work: made once, kept as a hash, refused when they should be."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from fakes import FakeUnitOfWork

from fairdebt.errors import FairdebtError
from fairdebt.services.api_tokens import (
    TOUCH_EVERY,
    TokenRefused,
    authenticate,
    create,
    list_tokens,
    revoke,
)

NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


def test_a_token_is_fd_prefix_secret_and_only_its_hash_is_kept() -> None:
    uow = FakeUnitOfWork()

    made = create(uow, "dialler", ["gate:check"], "admin", NOW)

    _, prefix, secret = made.token.split("_", 2)
    assert made.token.startswith("fd_") and prefix == made.record.prefix
    assert len(secret) >= 43  # 32 random bytes, URL-safe base64
    stored = uow.api_tokens.all()
    assert [t.token_hash for t in stored] == [hashlib.sha256(made.token.encode()).hexdigest()]
    assert all(secret not in repr(t) for t in stored)
    assert uow.commits == 1


def test_two_tokens_differ_and_scopes_are_sorted_without_repeats() -> None:
    uow = FakeUnitOfWork()

    one = create(uow, "crm", ["strategy:read", "gate:check", "gate:check"], "admin", NOW)
    two = create(uow, "crm", ["gate:check"], "admin", NOW)

    assert one.token != two.token and one.record.prefix != two.record.prefix
    assert one.record.scopes == ("gate:check", "strategy:read")


@pytest.mark.parametrize(
    ("name", "scopes", "expires"),
    [
        ("", ["gate:check"], None),
        ("x", [], None),
        ("x", ["gate:write"], None),
        ("x", ["gate:check"], timedelta(0)),
    ],
)
def test_a_token_without_name_scope_or_validity_is_refused(name, scopes, expires) -> None:
    uow = FakeUnitOfWork()

    with pytest.raises(FairdebtError):
        create(uow, name, scopes, "admin", NOW, expires)

    assert uow.api_tokens.all() == []


def test_the_right_token_with_the_scope_passes_and_its_use_is_recorded() -> None:
    uow = FakeUnitOfWork()
    made = create(uow, "dialler", ["gate:check"], "admin", NOW)

    found = authenticate(uow, made.token, "gate:check", NOW)

    assert found.id == made.record.id
    assert uow.api_tokens.get(found.id).last_used_at == NOW


def test_last_used_is_written_at_most_once_a_minute() -> None:
    uow = FakeUnitOfWork()
    made = create(uow, "dialler", ["gate:check"], "admin", NOW)

    for seconds in range(0, 59, 10):
        authenticate(uow, made.token, "gate:check", NOW + timedelta(seconds=seconds))
    authenticate(uow, made.token, "gate:check", NOW + TOUCH_EVERY)

    assert uow.api_tokens.touches == 2
    assert uow.api_tokens.get(made.record.id).last_used_at == NOW + TOUCH_EVERY


@pytest.mark.parametrize(
    "presented",
    ["", "Bearer", "fd_", "fd_00000000_" + "A" * 43, "not-a-token", "fd_zzzzzzzz_" + "A" * 43],
)
def test_anything_but_a_stored_token_is_refused_as_not_valid(presented: str) -> None:
    uow = FakeUnitOfWork()
    create(uow, "dialler", ["gate:check"], "admin", NOW)

    with pytest.raises(TokenRefused) as refused:
        authenticate(uow, presented, "gate:check", NOW)

    assert not refused.value.forbidden


def test_a_token_with_one_character_changed_is_refused() -> None:
    uow = FakeUnitOfWork()
    token = create(uow, "dialler", ["gate:check"], "admin", NOW).token
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")

    with pytest.raises(TokenRefused):
        authenticate(uow, forged, "gate:check", NOW)


def test_a_revoked_token_is_refused_from_then_on_and_revoking_twice_keeps_the_date() -> None:
    uow = FakeUnitOfWork()
    made = create(uow, "dialler", ["gate:check"], "admin", NOW)
    later = NOW + timedelta(hours=1)

    revoked = revoke(uow, made.record.id, later)
    again = revoke(uow, made.record.prefix, later + timedelta(hours=1))  # by prefix

    assert revoked.revoked_at == again.revoked_at == later
    authenticate(uow, made.token, "gate:check", later - timedelta(seconds=1))
    with pytest.raises(TokenRefused, match="revoked"):
        authenticate(uow, made.token, "gate:check", later)


def test_revoking_an_unknown_token_says_where_to_look() -> None:
    with pytest.raises(FairdebtError, match="no API token") as refused:
        revoke(FakeUnitOfWork(), "nope", NOW)

    assert "tokens list" in refused.value.hint


def test_an_expired_token_is_refused() -> None:
    uow = FakeUnitOfWork()
    made = create(uow, "dialler", ["gate:check"], "admin", NOW, timedelta(days=30))

    authenticate(uow, made.token, "gate:check", NOW + timedelta(days=29))
    with pytest.raises(TokenRefused, match="expired") as refused:
        authenticate(uow, made.token, "gate:check", NOW + timedelta(days=30))

    assert not refused.value.forbidden


def test_a_token_without_the_scope_is_forbidden_not_unauthenticated() -> None:
    uow = FakeUnitOfWork()
    made = create(uow, "reports", ["strategy:read"], "admin", NOW)

    with pytest.raises(TokenRefused, match="gate:check") as refused:
        authenticate(uow, made.token, "gate:check", NOW)

    assert refused.value.forbidden
    assert made.token not in str(refused.value) + refused.value.hint


def test_the_list_holds_every_token_revoked_ones_too_oldest_first() -> None:
    uow = FakeUnitOfWork()
    first = create(uow, "a", ["gate:check"], "admin", NOW)
    second = create(uow, "b", ["strategy:read"], "admin", NOW + timedelta(minutes=1))
    revoke(uow, first.record.id, NOW + timedelta(minutes=2))

    listed = list_tokens(uow)

    assert [t.name for t in listed] == ["a", "b"]
    assert listed[0].revoked_at is not None and listed[1].id == second.record.id
