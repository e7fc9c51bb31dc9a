"""Fake of the API-token port (a dict by id, same semantics as the table)."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from fairdebt.services.ports.api_tokens import ApiToken


class FakeApiTokenRepository:
    def __init__(self) -> None:
        self.rows: dict[str, ApiToken] = {}
        self.touches = 0  # how many last_used_at writes happened (tests assert on it)

    def add(self, token: ApiToken) -> None:
        if token.id in self.rows or self.by_prefix(token.prefix) is not None:
            raise ValueError("api token exists")  # the primary key, the unique prefix
        self.rows[token.id] = token

    def get(self, token_id: str) -> ApiToken | None:
        return self.rows.get(token_id)

    def by_prefix(self, prefix: str) -> ApiToken | None:
        return next((t for t in self.rows.values() if t.prefix == prefix), None)

    def all(self) -> list[ApiToken]:
        return sorted(self.rows.values(), key=lambda t: (t.created_at, t.id))

    def revoke(self, token_id: str, at: datetime) -> None:
        self.rows[token_id] = dataclasses.replace(self.rows[token_id], revoked_at=at)

    def touch(self, token_id: str, at: datetime) -> None:
        self.rows[token_id] = dataclasses.replace(self.rows[token_id], last_used_at=at)
        self.touches += 1


class FakeApiTokenRepositories:
    def setup(self) -> None:
        """Called by FakeUnitOfWork.__init__: this group's fake repository."""
        self.api_tokens = FakeApiTokenRepository()
