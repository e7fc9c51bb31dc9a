"""Fake of the web-session port (a dict by id, same semantics as the table)."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from fairdebt.services.ports.sessions import WebSession


class FakeSessionRepository:
    def __init__(self) -> None:
        self.rows: dict[str, WebSession] = {}
        self.touches = 0  # how many last_seen_at writes happened (tests assert on it)

    def add(self, session: WebSession) -> None:
        if session.id in self.rows:
            raise ValueError("session exists")  # the primary key
        self.rows[session.id] = session

    def get(self, session_id: str) -> WebSession | None:
        return self.rows.get(session_id)

    def touch(self, session_id: str, at: datetime) -> None:
        if session_id in self.rows:
            self.rows[session_id] = dataclasses.replace(self.rows[session_id], last_seen_at=at)
            self.touches += 1

    def revoke(self, session_id: str, at: datetime) -> None:
        found = self.rows.get(session_id)
        if found is not None and found.revoked_at is None:
            self.rows[session_id] = dataclasses.replace(found, revoked_at=at)

    def revoke_user(self, user_id: str, at: datetime) -> int:
        open_ones = [s for s in self.rows.values() if s.user_id == user_id and s.revoked_at is None]
        for found in open_ones:
            self.rows[found.id] = dataclasses.replace(found, revoked_at=at)
        return len(open_ones)


class FakeSessionRepositories:
    def setup(self) -> None:
        """Called by FakeUnitOfWork.__init__: this group's fake repository."""
        self.web_sessions = FakeSessionRepository()
