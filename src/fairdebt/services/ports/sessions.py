"""Port for the console's server-side sign-in sessions.

The browser holds a random token; the table holds only its SHA-256 (`id`), so the rows cannot be
turned back into working cookies. A session ends when it is revoked (sign-out, a password reset,
the user disabled), when it has been idle too long, or at its absolute end (`expires_at`).
Instants are aware datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class WebSession:
    id: str  # SHA-256 hex of the token the cookie carries
    user_id: str
    created_at: datetime
    last_seen_at: datetime  # written at most once a minute (services.sessions.TOUCH_EVERY)
    expires_at: datetime  # the absolute end, whatever the activity
    revoked_at: datetime | None = None


class SessionRepository(Protocol):
    def add(self, session: WebSession) -> None:
        """Store a new session (its id is new)."""
        ...

    def get(self, session_id: str) -> WebSession | None:
        """The session with this id, revoked or expired alike."""
        ...

    def touch(self, session_id: str, at: datetime) -> None:
        """Record that the session was used at `at` (last_seen_at)."""
        ...

    def revoke(self, session_id: str, at: datetime) -> None:
        """End one session (a session revoked already keeps its first instant)."""
        ...

    def revoke_user(self, user_id: str, at: datetime) -> int:
        """End every open session of the user; how many were open."""
        ...


class SessionRepositories(Protocol):
    """The session repository a unit of work holds."""

    @property
    def web_sessions(self) -> SessionRepository: ...
