"""Fakes of the ports for users and sign-ins (plain lists and dicts, same semantics)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from fairdebt.services.ports.identity import Credentials, User


class FakeUserRepository:
    def __init__(self) -> None:
        self.rows: dict[str, Credentials] = {}  # by id

    def get(self, user_id: str) -> User | None:
        found = self.rows.get(user_id)
        return found.user if found else None

    def by_name(self, username: str) -> User | None:
        found = self.credentials(username)
        return found.user if found else None

    def credentials(self, username: str) -> Credentials | None:
        return next((c for c in self.rows.values() if c.user.username == username), None)

    def all(self) -> list[User]:
        return sorted((c.user for c in self.rows.values()), key=lambda u: u.username)

    def add(self, user: User, password_hash: str) -> None:
        if self.by_name(user.username) is not None or user.id in self.rows:
            raise ValueError(f"user {user.username} exists")  # the unique constraint
        self.rows[user.id] = Credentials(user, password_hash)

    def update(self, user: User, password_hash: str | None = None) -> None:
        old = self.rows[user.id]
        self.rows[user.id] = Credentials(user, password_hash or old.password_hash)

    def remove_names(self, usernames: list[str]) -> None:
        names = set(usernames)
        self.rows = {k: c for k, c in self.rows.items() if c.user.username not in names}


@dataclass(frozen=True)
class FakeSignIn:
    at: datetime
    username: str
    client: str
    ok: bool


class FakeSignInRepository:
    def __init__(self) -> None:
        self.rows: list[FakeSignIn] = []

    def lock(self, username: str, client: str) -> None:
        """Nothing to wait for: a fake unit of work is used by one thread."""

    def add(self, at: datetime, username: str, client: str, ok: bool) -> int:
        self.rows.append(FakeSignIn(at, username[:64], client[:64], ok))
        return len(self.rows) - 1

    def succeeded(self, attempt_id: int) -> None:
        self.rows[attempt_id] = dataclasses.replace(self.rows[attempt_id], ok=True)

    def last_success(self, username: str) -> datetime | None:
        return max((r.at for r in self.rows if r.username == username and r.ok), default=None)

    def failures(
        self,
        *,
        after: datetime,
        limit: int,
        username: str | None = None,
        client: str | None = None,
    ) -> list[datetime]:
        found = [
            r.at
            for r in self.rows
            if not r.ok
            and r.at > after
            and (username is None or r.username == username[:64])
            and (client is None or r.client == client[:64])
        ]
        return sorted(found, reverse=True)[:limit]


class FakeIdentityRepositories:
    def setup(self) -> None:
        """Called by FakeUnitOfWork.__init__: this group's fake repositories."""
        self.users = FakeUserRepository()
        self.sign_ins = FakeSignInRepository()
