"""Users on the in-memory unit of work: creation rules, sign-in, disabling, new passwords."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fakes import FakeUnitOfWork

from fairdebt.services.users import (
    UserError,
    active_user,
    authenticate,
    create_user,
    disable_user,
    get_user,
    list_users,
    reset_password,
)

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_a_created_user_is_committed_and_signs_in_with_its_password_only():
    uow = FakeUnitOfWork()
    made = create_user(uow, "wang.li", "collector", "s3cret-pass", "王丽")

    assert uow.commits == 1
    assert authenticate(uow, " Wang.Li", "s3cret-pass") == made
    assert authenticate(uow, "wang.li", "wrong-pass") is None
    assert authenticate(uow, "nobody", "s3cret-pass") is None
    assert uow.users.credentials("wang.li").password_hash.startswith("$argon2id$")


def test_a_refused_user_leaves_nothing_behind():
    uow = FakeUnitOfWork()
    create_user(uow, "zhao", "supervisor", "long-enough", "赵")

    with pytest.raises(UserError, match="exists already"):
        create_user(uow, "zhao", "collector", "long-enough", "赵")
    with pytest.raises(UserError, match="too short"):
        create_user(uow, "qian", "collector", "short", "钱")

    assert [u.username for u in list_users(uow)] == ["zhao"]
    assert uow.commits == 1


def test_replacing_a_user_keeps_one_with_the_new_password():
    uow = FakeUnitOfWork()
    create_user(uow, "demo", "collector", "first-pass", "")
    again = create_user(uow, "demo", "supervisor", "second-pass", "", replace_existing=True)

    assert list_users(uow) == [again]
    assert authenticate(uow, "demo", "second-pass") == again
    assert authenticate(uow, "demo", "first-pass") is None


def test_a_disabled_user_cannot_sign_in_nor_keep_its_session():
    uow = FakeUnitOfWork()
    made = create_user(uow, "li", "collector", "s3cret-pass", "李")
    assert active_user(uow, made.id) == made

    disabled = disable_user(uow, "li", NOW)
    twice = disable_user(uow, "LI", datetime(2026, 12, 1, tzinfo=UTC))

    assert disabled.disabled_at == NOW and twice.disabled_at == NOW
    assert authenticate(uow, "li", "s3cret-pass") is None
    assert active_user(uow, made.id) is None
    assert get_user(uow, made.id) == disabled  # still there, for the records naming it


def test_a_reset_password_replaces_the_old_one():
    uow = FakeUnitOfWork()
    create_user(uow, "li", "collector", "old-password", "李")

    reset_password(uow, "li", "new-password", NOW)

    assert authenticate(uow, "li", "new-password") is not None
    assert authenticate(uow, "li", "old-password") is None
    with pytest.raises(UserError, match="too short"):
        reset_password(uow, "li", "tiny", NOW)
    with pytest.raises(UserError, match="no user named") as caught:
        reset_password(uow, "nobody", "new-password", NOW)
    assert "users list" in (caught.value.hint or "")
