"""The web-session repository of SqlUnitOfWork (SQLAlchemy Core on the unit's connection)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from fairdebt.adapters.db.session_tables import web_sessions
from fairdebt.services.ports.sessions import WebSession

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Row


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def _session(row: Row[Any]) -> WebSession:
    return WebSession(
        id=row.id,
        user_id=row.user_id,
        created_at=datetime.fromisoformat(row.created_at),
        last_seen_at=datetime.fromisoformat(row.last_seen_at),
        expires_at=datetime.fromisoformat(row.expires_at),
        revoked_at=datetime.fromisoformat(row.revoked_at) if row.revoked_at else None,
    )


class SqlSessionRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, session: WebSession) -> None:
        self.conn.execute(
            insert(web_sessions).values(
                id=session.id,
                user_id=session.user_id,
                created_at=_iso(session.created_at),
                last_seen_at=_iso(session.last_seen_at),
                expires_at=_iso(session.expires_at),
                revoked_at=_iso(session.revoked_at) if session.revoked_at else None,
            )
        )

    def get(self, session_id: str) -> WebSession | None:
        row = self.conn.execute(select(web_sessions).where(web_sessions.c.id == session_id)).first()
        return _session(row) if row else None

    def touch(self, session_id: str, at: datetime) -> None:
        query = update(web_sessions).where(web_sessions.c.id == session_id)
        self.conn.execute(query.values(last_seen_at=_iso(at)))

    def revoke(self, session_id: str, at: datetime) -> None:
        query = update(web_sessions).where(
            web_sessions.c.id == session_id, web_sessions.c.revoked_at.is_(None)
        )
        self.conn.execute(query.values(revoked_at=_iso(at)))

    def revoke_user(self, user_id: str, at: datetime) -> int:
        query = update(web_sessions).where(
            web_sessions.c.user_id == user_id, web_sessions.c.revoked_at.is_(None)
        )
        return self.conn.execute(query.values(revoked_at=_iso(at))).rowcount


class SqlSessionRepositories:
    """Mixed into SqlUnitOfWork: the repository on the unit's connection."""

    if TYPE_CHECKING:

        @property
        def conn(self) -> Connection: ...  # SqlUnitOfWork's

    @property
    def web_sessions(self) -> SqlSessionRepository:
        return SqlSessionRepository(self.conn)
