"""Ports for console users and their sign-in attempts.

The user record (`User`, its `Role`) is declared here, beside the repository that stores it, so
the port depends on nothing but the standard library; services.users re-exports both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class Role(StrEnum):
    COLLECTOR = "collector"  # 催收员
    FIELD_AGENT = "field_agent"  # 外访员
    SUPERVISOR = "supervisor"
    COMPLIANCE = "compliance"
    AGENCY = "agency"  # 委外机构
    BORROWER = "borrower"  # 借款人
    ADMIN = "admin"


STAFF_ROLES = frozenset(Role) - {Role.BORROWER}


@dataclass(frozen=True, slots=True)
class User:
    """A console user. `disabled_at` set: the user can neither sign in nor use a session."""

    id: str
    username: str
    display_name: str
    role: Role
    agency_id: str | None = None
    borrower_id: str | None = None
    disabled_at: datetime | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def active(self) -> bool:
        return self.disabled_at is None


@dataclass(frozen=True, slots=True)
class Credentials:
    """A user with its stored password hash (only the sign-in check reads the hash)."""

    user: User
    password_hash: str


class UserRepository(Protocol):
    def get(self, user_id: str) -> User | None:
        """The user with this id, disabled or not."""
        ...

    def by_name(self, username: str) -> User | None:
        """The user with exactly this (already normalised) user name."""
        ...

    def credentials(self, username: str) -> Credentials | None:
        """The user with this user name and its password hash, for checking a password."""
        ...

    def all(self) -> list[User]:
        """Every user, ordered by user name."""
        ...

    def add(self, user: User, password_hash: str) -> None:
        """Store a new user (its user name is not taken: the service checked)."""
        ...

    def update(self, user: User, password_hash: str | None = None) -> None:
        """Write the user's fields (by id); the password hash too when one is given."""
        ...

    def remove_names(self, usernames: list[str]) -> None:
        """Delete the users with these user names (the demo re-creates its users each run)."""
        ...


class SignInRepository(Protocol):
    """Every sign-in attempt; user names are stored lower-cased, at most 64 characters."""

    def lock(self, username: str, client: str) -> None:
        """Until the transaction ends, make every other attempt on this user name or from this
        client wait (so counting the failures and recording one is atomic)."""
        ...

    def add(self, at: datetime, username: str, client: str, ok: bool) -> int:
        """Keep one attempt; its id."""
        ...

    def succeeded(self, attempt_id: int) -> None:
        """Mark an attempt recorded as failed (before its password was checked) a success."""
        ...

    def last_success(self, username: str) -> datetime | None:
        """The instant of the user name's latest successful sign-in, if any."""
        ...

    def failures(
        self,
        *,
        after: datetime,
        limit: int,
        username: str | None = None,
        client: str | None = None,
    ) -> list[datetime]:
        """The instants of failed attempts strictly after `after` for the user name or the
        client (whichever is given), newest first, at most `limit` of them."""
        ...


class IdentityRepositories(Protocol):
    """The user and sign-in repositories a unit of work holds."""

    @property
    def users(self) -> UserRepository: ...

    @property
    def sign_ins(self) -> SignInRepository: ...
