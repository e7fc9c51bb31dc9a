"""Users and roles: who may sign in, as what, and with which password.

The roles are exactly those of PRODUCT.md. An agency user belongs to one agency (its
`agency_id` is the id cases are placed with); a borrower user is tied to one borrower.
Passwords are stored as Argon2id hashes (pwdlib); a wrong user name and a wrong password take
the same time, so the login form does not reveal which user names exist.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Row

from fairdebt.adapters.db.tables import users
from fairdebt.errors import FairdebtError

MIN_PASSWORD_LENGTH = 8
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


class Role(StrEnum):
    COLLECTOR = "collector"  # 催收员
    FIELD_AGENT = "field_agent"  # 外访员
    SUPERVISOR = "supervisor"
    COMPLIANCE = "compliance"
    AGENCY = "agency"  # 委外机构
    BORROWER = "borrower"  # 借款人
    ADMIN = "admin"


STAFF_ROLES = frozenset(Role) - {Role.BORROWER}


class UserError(FairdebtError):
    """A user cannot be created as asked (bad role, name taken, weak password...)."""


@dataclass(frozen=True, slots=True)
class User:
    id: str
    username: str
    display_name: str
    role: Role
    agency_id: str | None = None
    borrower_id: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES


@lru_cache(maxsize=1)
def _hasher() -> PasswordHash:
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


def _check(
    username: str, role: Role, password: str, agency_id: str | None, borrower_id: str | None
) -> None:
    if not _USERNAME.match(username):
        raise UserError(
            f"not a usable user name: {username!r}",
            hint="2-64 characters: lower-case letters, digits, '.', '_' or '-'",
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(
            "the password is too short", hint=f"use at least {MIN_PASSWORD_LENGTH} characters"
        )
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
    conn: Connection,
    username: str,
    role: str | Role,
    password: str,
    display_name: str,
    agency_id: str | None = None,
    borrower_id: str | None = None,
) -> User:
    """Add a user; raises UserError on a bad role, a taken name or a weak password."""
    role = parse_role(role) if isinstance(role, str) else role
    _check(username, role, password, agency_id, borrower_id)
    if get_user_by_name(conn, username) is not None:
        raise UserError(f"user {username!r} exists already", hint="choose another user name")
    user = User(
        id=uuid.uuid4().hex,
        username=username,
        display_name=display_name.strip() or username,
        role=role,
        agency_id=agency_id,
        borrower_id=borrower_id,
    )
    conn.execute(insert(users).values(**_row_of(user), password_hash=_hasher().hash(password)))
    return user


def _row_of(user: User) -> dict[str, str | None]:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.value,
        "agency_id": user.agency_id,
        "borrower_id": user.borrower_id,
    }


def _user_from_row(row: Row[Any]) -> User:
    return User(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=Role(row.role),
        agency_id=row.agency_id,
        borrower_id=row.borrower_id,
    )


def get_user(conn: Connection, user_id: str) -> User | None:
    row = conn.execute(select(users).where(users.c.id == user_id)).first()
    return _user_from_row(row) if row else None


def get_user_by_name(conn: Connection, username: str) -> User | None:
    row = conn.execute(select(users).where(users.c.username == username)).first()
    return _user_from_row(row) if row else None


def authenticate(conn: Connection, username: str, password: str) -> User | None:
    """The user if the password is right, else None (same work whether or not the name exists)."""
    row = conn.execute(select(users).where(users.c.username == username.strip().lower())).first()
    if row is None:
        _hasher().verify(password, _dummy_hash())
        return None
    if not _hasher().verify(password, row.password_hash):
        return None
    return _user_from_row(row)
