"""The API-token repository of SqlUnitOfWork (SQLAlchemy Core on the unit's connection)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from fairdebt.adapters.db.api_token_tables import api_tokens
from fairdebt.services.ports.api_tokens import ApiToken

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Row


def _iso(at: datetime | None) -> str | None:
    return at.astimezone(UTC).isoformat() if at is not None else None


def _at(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _token(row: Row[Any]) -> ApiToken:
    return ApiToken(
        id=row.id,
        name=row.name,
        scopes=tuple(row.scopes.split()),
        token_hash=row.token_hash,
        prefix=row.prefix,
        created_by=row.created_by,
        created_at=datetime.fromisoformat(row.created_at),
        last_used_at=_at(row.last_used_at),
        revoked_at=_at(row.revoked_at),
        expires_at=_at(row.expires_at),
    )


class SqlApiTokenRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, token: ApiToken) -> None:
        self.conn.execute(
            insert(api_tokens).values(
                id=token.id,
                name=token.name,
                scopes=" ".join(token.scopes),
                token_hash=token.token_hash,
                prefix=token.prefix,
                created_by=token.created_by,
                created_at=_iso(token.created_at),
                last_used_at=_iso(token.last_used_at),
                revoked_at=_iso(token.revoked_at),
                expires_at=_iso(token.expires_at),
            )
        )

    def get(self, token_id: str) -> ApiToken | None:
        row = self.conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).first()
        return _token(row) if row else None

    def by_prefix(self, prefix: str) -> ApiToken | None:
        row = self.conn.execute(select(api_tokens).where(api_tokens.c.prefix == prefix)).first()
        return _token(row) if row else None

    def all(self) -> list[ApiToken]:
        query = select(api_tokens).order_by(api_tokens.c.created_at, api_tokens.c.id)
        return [_token(row) for row in self.conn.execute(query)]

    def revoke(self, token_id: str, at: datetime) -> None:
        query = update(api_tokens).where(api_tokens.c.id == token_id)
        self.conn.execute(query.values(revoked_at=_iso(at)))

    def touch(self, token_id: str, at: datetime) -> None:
        query = update(api_tokens).where(api_tokens.c.id == token_id)
        self.conn.execute(query.values(last_used_at=_iso(at)))


class SqlApiTokenRepositories:
    """Mixed into SqlUnitOfWork: the repository on the unit's connection."""

    if TYPE_CHECKING:

        @property
        def conn(self) -> Connection: ...  # SqlUnitOfWork's

    @property
    def api_tokens(self) -> SqlApiTokenRepository:
        return SqlApiTokenRepository(self.conn)
