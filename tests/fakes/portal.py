"""Fakes of the borrower portal's ports (lists and dicts, same semantics as the tables)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from fairdebt.services.ports.portal import OneTimeCode


class FakeOneTimeCodeRepository:
    def __init__(self) -> None:
        self.rows: dict[str, OneTimeCode] = {}

    def add(self, code: OneTimeCode) -> None:
        if code.id in self.rows or self.by_challenge(code.challenge) is not None:
            raise ValueError("code exists")
        self.rows[code.id] = code

    def by_challenge(self, challenge: str) -> OneTimeCode | None:
        return next((c for c in self.rows.values() if c.challenge == challenge), None)

    def count_tries(self, code_id: str) -> int:
        found = self.rows.get(code_id)
        if found is None:
            return 0
        self.rows[code_id] = dataclasses.replace(found, tries=found.tries + 1)
        return found.tries + 1

    def use(self, code_id: str, at: datetime) -> bool:
        found = self.rows.get(code_id)
        if found is None or found.used_at is not None:
            return False
        self.rows[code_id] = dataclasses.replace(found, used_at=at)
        return True

    def issued(self, purpose: str, subject: str, after: datetime) -> int:
        return sum(
            1
            for c in self.rows.values()
            if c.purpose == purpose and c.subject == subject and c.created_at > after
        )


class FakePortalAttemptRepository:
    def __init__(self) -> None:
        self.rows: list[tuple[datetime, str, str]] = []

    def add(self, at: datetime, kind: str, subject: str) -> None:
        self.rows.append((at, kind, subject))

    def count(self, kind: str, subject: str, after: datetime) -> int:
        return sum(1 for at, k, s in self.rows if k == kind and s == subject and at > after)


class FakeBorrowerUsers:
    def __init__(self, owner: Any) -> None:
        self.owner = owner

    def for_borrower(self, borrower_id: str) -> str | None:
        found = sorted(
            (u for u in self.owner.users.all() if u.borrower_id == borrower_id),
            key=lambda u: u.username,
        )
        return found[0].id if found else None


class FakePortalRepositories:
    users: Any  # FakeIdentityRepositories'

    def setup(self) -> None:
        """Called by FakeUnitOfWork.__init__: this group's fake repositories."""
        self.portal_codes = FakeOneTimeCodeRepository()
        self.portal_attempts = FakePortalAttemptRepository()

    @property
    def borrower_users(self) -> FakeBorrowerUsers:
        return FakeBorrowerUsers(self)
