"""Users and roles: who may sign in, as what, and with which password.

An agency user belongs to one agency (its `agency_id` is the id cases are placed with); a
borrower user is tied to one borrower. Passwords are stored as Argon2id hashes (pwdlib); a wrong
user name, a wrong password and a disabled user take the same time, so the login form does not
reveal which user names exist. A disabled user is kept (the records name it) but can neither
sign in nor use a session it already has: disabling it, like resetting its password, revokes
its sessions (services.sessions), and the web layer re-reads the user on every request.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

from fairdebt.errors import FairdebtError
from fairdebt.services.ports.identity import STAFF_ROLES, Role, User
from fairdebt.services.sessions import revoke_all_for_user

if TYPE_CHECKING:
    from pwdlib import PasswordHash

    from fairdebt.services.ports import UnitOfWork

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "STAFF_ROLES",
    "Role",
    "User",
    "UserError",
    "active_user",
    "authenticate",
    "create_user",
    "create_users",
    "disable_user",
    "existing_user",
    "get_user",
    "get_user_by_name",
    "list_users",
    "parse_role",
    "reset_password",
]

MIN_PASSWORD_LENGTH = 8
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


class UserError(FairdebtError):
    """A user cannot be created or changed as asked (bad role, name taken, weak password...)."""


@lru_cache(maxsize=1)
def _hasher() -> PasswordHash:
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    return PasswordHash((Argon2Hasher(),))


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash to verify against when the user does not exist (equal timing)."""
    return _hasher().hash("not-a-password-" + uuid.uuid4().hex)


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise UserError(f"unknown role {value!r}", hint=f"use one of: {names}") from None


def check_password(password: str) -> None:
    """Refuse a password too short to be one (before anything is stored)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(
            "the password is too short", hint=f"use at least {MIN_PASSWORD_LENGTH} characters"
        )


def _check(
    username: str, role: Role, password: str, agency_id: str | None, borrower_id: str | None
) -> None:
    if not _USERNAME.match(username):
        raise UserError(
            f"not a usable user name: {username!r}",
            hint="2-64 characters: lower-case letters, digits, '.', '_' or '-'",
        )
    check_password(password)
    if (role is Role.AGENCY) != bool(agency_id):
        raise UserError(
            "an agency user needs an agency id, and only an agency user has one",
            hint="pass --agency AGENCY_ID with --role agency",
        )
    if (role is Role.BORROWER) != bool(borrower_id):
        raise UserError(
            "a borrower user needs a borrower id, and only a borrower user has one",
            hint="pass --borrower BORROWER_ID with --role borrower",
        )


def create_user(
    uow: UnitOfWork,
    username: str,
    role: str | Role,
    password: str,
    display_name: str,
    agency_id: str | None = None,
    borrower_id: str | None = None,
    *,
    replace_existing: bool = False,
) -> User:
    """Add a user; raises UserError on a bad role, a taken name or a weak password.

    With `replace_existing` a user of the same name is removed first (the demo re-creates its
    users with new passwords on every run)."""
    role = parse_role(role) if isinstance(role, str) else role
    _check(username, role, password, agency_id, borrower_id)
    user = User(
        id=uuid.uuid4().hex,
        username=username,
        display_name=display_name.strip() or username,
        role=role,
        agency_id=agency_id,
        borrower_id=borrower_id,
    )
    with uow:
        if replace_existing:
            uow.users.remove_names([username])
        elif uow.users.by_name(username) is not None:
            raise UserError(f"user {username!r} exists already", hint="choose another user name")
        uow.users.add(user, _hasher().hash(password))
        uow.commit()
    return user


class NewUser(Protocol):
    """What creating a user takes (the demo's DemoUser is one)."""

    @property
    def username(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def password(self) -> str: ...
    @property
    def display_name(self) -> str: ...
    @property
    def agency_id(self) -> str | None: ...
    @property
    def borrower_id(self) -> str | None: ...


def create_users(
    uow: UnitOfWork, users: Iterable[NewUser], *, replace_existing: bool = False
) -> list[User]:
    """Create several users in one transaction: all of them, or none."""
    with uow:
        made = [
            create_user(
                uow,
                u.username,
                u.role,
                u.password,
                u.display_name,
                u.agency_id,
                u.borrower_id,
                replace_existing=replace_existing,
            )
            for u in users
        ]
        uow.commit()
    return made


def get_user(uow: UnitOfWork, user_id: str) -> User | None:
    with uow:
        return uow.users.get(user_id)


def active_user(uow: UnitOfWork, user_id: str) -> User | None:
    """The user with this id if it exists and is not disabled (the session check)."""
    user = get_user(uow, user_id)
    return user if user is not None and user.active else None


def get_user_by_name(uow: UnitOfWork, username: str) -> User | None:
    with uow:
        return uow.users.by_name(username.strip().lower())


def list_users(uow: UnitOfWork) -> list[User]:
    """Every user, disabled ones included, by user name."""
    with uow:
        return uow.users.all()


def authenticate(uow: UnitOfWork, username: str, password: str) -> User | None:
    """The user if the password is right and the user is enabled, else None (the same work
    whether or not the name exists)."""
    with uow:
        found = uow.users.credentials(username.strip().lower())
    if found is None:
        _hasher().verify(password, _dummy_hash())
        return None
    if not _hasher().verify(password, found.password_hash) or not found.user.active:
        return None
    return found.user


def existing_user(uow: UnitOfWork, username: str) -> User:
    """The user of this name, or a UserError saying there is none."""
    with uow:
        user = uow.users.by_name(username.strip().lower())
    if user is None:
        raise UserError(f"no user named {username!r}", hint="see the names: fairdebt users list")
    return user


def disable_user(uow: UnitOfWork, username: str, now: datetime) -> User:
    """Disable the user (kept, for the records that name it) and end its sessions. Disabling
    twice keeps the first instant."""
    with uow:
        user = existing_user(uow, username)
        if user.disabled_at is None:
            user = replace(user, disabled_at=now)
            uow.users.update(user)
        revoke_all_for_user(uow, user.id, now)
        uow.commit()
    return user


def reset_password(uow: UnitOfWork, username: str, password: str, now: datetime) -> User:
    """Give the user a new password and end every session it has: whoever held one (perhaps
    the reason for the reset) must sign in with the new password."""
    check_password(password)
    with uow:
        user = existing_user(uow, username)
        uow.users.update(user, _hasher().hash(password))
        revoke_all_for_user(uow, user.id, now)
        uow.commit()
    return user
