"""Users and roles on SQLite and PostgreSQL, and `fairdebt users create` from the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import select

from fairdebt.adapters.db.engine import make_engine
from fairdebt.adapters.db.tables import users
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.services.users import (
    STAFF_ROLES,
    Role,
    UserError,
    authenticate,
    create_user,
    get_user,
    get_user_by_name,
)


def test_the_roles_are_the_consoles_seven():
    assert {r.value for r in Role} == {
        "collector",
        "field_agent",
        "supervisor",
        "compliance",
        "agency",
        "borrower",
        "admin",
    }
    assert Role.BORROWER not in STAFF_ROLES and Role.AGENCY in STAFF_ROLES


def test_a_created_user_signs_in_with_its_password_only(engine):
    uow = SqlUnitOfWork(engine)
    made = create_user(uow, "wang.li", "collector", "s3cret-pass", "王丽")

    assert authenticate(uow, "wang.li", "s3cret-pass") == made
    assert authenticate(uow, "WANG.LI ", "s3cret-pass") == made
    assert authenticate(uow, "wang.li", "s3cret-pasS") is None
    assert authenticate(uow, "nobody", "s3cret-pass") is None
    assert get_user(uow, made.id) == made


def test_the_password_is_stored_as_an_argon2_hash(engine):
    create_user(SqlUnitOfWork(engine), "li", "supervisor", "s3cret-pass", "李")

    with engine.connect() as conn:
        stored = conn.execute(select(users.c.password_hash)).scalar_one()

    assert stored.startswith("$argon2id$") and "s3cret-pass" not in stored


@pytest.mark.parametrize(
    ("username", "role", "password", "agency", "borrower", "words"),
    [
        ("ok.name", "boss", "long-enough", None, None, "unknown role"),
        ("Bad Name", "collector", "long-enough", None, None, "user name"),
        ("ok.name", "collector", "short", None, None, "too short"),
        ("ok.name", "agency", "long-enough", None, None, "agency id"),
        ("ok.name", "collector", "long-enough", "AG1", None, "agency id"),
        ("ok.name", "borrower", "long-enough", None, None, "borrower id"),
    ],
)
def test_bad_users_are_refused_with_a_reason(
    engine, username, role, password, agency, borrower, words
):
    with pytest.raises(UserError, match=words) as caught:
        create_user(SqlUnitOfWork(engine), username, role, password, "", agency, borrower)

    assert caught.value.hint


def test_a_user_name_is_taken_once(engine):
    uow = SqlUnitOfWork(engine)
    create_user(uow, "zhao", "agency", "long-enough", "赵", agency_id="AG1")

    with pytest.raises(UserError, match="exists already"):
        create_user(uow, "zhao", "collector", "long-enough", "赵")


def test_the_cli_creates_a_user_with_the_password_from_stdin(database_url, fairdebt):
    """The first run is the real process, its standard input a real pipe; the refusals after it
    run in-process (the CLI's errors are the same code: fairdebt.cli.main)."""
    env = {**os.environ, "FAIRDEBT_DATABASE_URL": database_url}
    east = ("east1", "--role", "agency", "--agency", "AG-EAST", "--password-stdin")

    made = subprocess.run(
        [sys.executable, "-m", "fairdebt", "users", "create", *east],
        input="pw-east-123\n",
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    where = {"FAIRDEBT_DATABASE_URL": database_url}
    again = fairdebt("users", "create", *east, stdin="pw-east-123\n", env=where)
    bad = fairdebt(
        "users", "create", "x1", "--role", "boss", "--password-stdin", stdin="pw-east-123\n",
        env=where,
    )  # fmt: skip

    assert made.returncode == 0, made.stderr
    assert "created agency east1" in made.stdout
    assert again.returncode == bad.returncode == 2
    assert "exists already" in again.stderr and "hint:" in bad.stderr
    assert "Traceback" not in again.stderr + bad.stderr


def test_the_cli_lists_disables_and_resets_users(database_url, fairdebt):
    env = {"FAIRDEBT_DATABASE_URL": database_url}
    made = fairdebt(
        "users", "create", "wang.li", "--role", "collector", "--name", "王丽", "--password-stdin",
        stdin="first-pass-1\n", env=env,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr

    disabled = fairdebt("users", "disable", "wang.li", env=env)
    listed = fairdebt("users", "list", "--json", env=env)
    piped = fairdebt("users", "list", env=env)
    reset = fairdebt(
        "users", "reset-password", "wang.li", "--password-stdin", stdin="second-pass-2\n", env=env
    )
    unknown = fairdebt(
        "users", "reset-password", "nobody", "--password-stdin", stdin="x\n", env=env
    )

    assert disabled.returncode == 0 and "disabled wang.li" in disabled.stdout, disabled.stderr
    [row] = json.loads(listed.stdout)
    assert row["username"] == "wang.li" and row["display_name"] == "王丽"
    assert row["role"] == "collector" and row["disabled_at"]
    assert piped.stdout.splitlines()[0].split("\t")[:3] == ["username", "display_name", "role"]
    assert reset.returncode == 0, reset.stderr
    assert unknown.returncode == 2 and "no user named 'nobody'" in unknown.stderr
    engine = make_engine(database_url)
    uow = SqlUnitOfWork(engine)
    assert authenticate(uow, "wang.li", "second-pass-2") is None  # disabled: no sign-in
    user = get_user_by_name(uow, "wang.li")
    engine.dispose()
    assert user is not None and user.disabled_at is not None


def test_the_cli_reset_and_disable_end_the_users_sessions(database_url, fairdebt):
    from datetime import UTC, datetime

    from fairdebt.services.sessions import Lifetimes, open_session, resolve
    from fairdebt.services.users import create_user

    env = {"FAIRDEBT_DATABASE_URL": database_url}
    engine = make_engine(database_url)
    uow = SqlUnitOfWork(engine)
    now, life = datetime.now(UTC), Lifetimes()
    tokens = {}
    for name in ("reset.me", "disable.me", "keep.me"):
        user = create_user(uow, name, "collector", "first-pass-1", name)
        tokens[name] = open_session(uow, user, now, life)

    reset = fairdebt(
        "users", "reset-password", "reset.me", "--password-stdin", stdin="second-pass-2\n", env=env
    )
    disabled = fairdebt("users", "disable", "disable.me", env=env)

    assert reset.returncode == 0 and disabled.returncode == 0, reset.stderr + disabled.stderr
    assert resolve(uow, tokens["reset.me"], now, life) is None
    assert resolve(uow, tokens["disable.me"], now, life) is None
    assert resolve(uow, tokens["keep.me"], now, life) is not None
    engine.dispose()
