"""The borrower portal's repositories of SqlUnitOfWork (SQLAlchemy Core on the unit's
connection)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select, update

from fairdebt.adapters.db.portal_tables import portal_attempts, portal_codes
from fairdebt.adapters.db.tables import users
from fairdebt.services.ports.portal import OneTimeCode

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Row


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def _code(row: Row[Any]) -> OneTimeCode:
    return OneTimeCode(
        id=row.id,
        purpose=row.purpose,
        subject=row.subject,
        challenge=row.challenge,
        code_hash=row.code_hash,
        borrower_id=row.borrower_id,
        created_at=datetime.fromisoformat(row.created_at),
        expires_at=datetime.fromisoformat(row.expires_at),
        tries=row.tries,
        used_at=datetime.fromisoformat(row.used_at) if row.used_at else None,
    )


class SqlOneTimeCodeRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, code: OneTimeCode) -> None:
        self.conn.execute(
            insert(portal_codes).values(
                id=code.id,
                purpose=code.purpose,
                subject=code.subject,
                challenge=code.challenge,
                code_hash=code.code_hash,
                borrower_id=code.borrower_id,
                created_at=_iso(code.created_at),
                expires_at=_iso(code.expires_at),
                tries=code.tries,
                used_at=None,
            )
        )

    def by_challenge(self, challenge: str) -> OneTimeCode | None:
        query = select(portal_codes).where(portal_codes.c.challenge == challenge)
        row = self.conn.execute(query).first()
        return _code(row) if row else None

    def count_tries(self, code_id: str) -> int:
        # one statement: two checks at once each count (no lost update)
        query = update(portal_codes).where(portal_codes.c.id == code_id)
        self.conn.execute(query.values(tries=portal_codes.c.tries + 1))
        found = self.conn.execute(
            select(portal_codes.c.tries).where(portal_codes.c.id == code_id)
        ).scalar()
        return int(found or 0)

    def use(self, code_id: str, at: datetime) -> bool:
        query = update(portal_codes).where(
            portal_codes.c.id == code_id, portal_codes.c.used_at.is_(None)
        )
        return self.conn.execute(query.values(used_at=_iso(at))).rowcount == 1

    def issued(self, purpose: str, subject: str, after: datetime) -> int:
        query = select(func.count()).where(
            portal_codes.c.purpose == purpose,
            portal_codes.c.subject == subject,
            portal_codes.c.created_at > _iso(after),
        )
        return int(self.conn.execute(query).scalar() or 0)


class SqlPortalAttemptRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, at: datetime, kind: str, subject: str) -> None:
        self.conn.execute(insert(portal_attempts).values(at=_iso(at), kind=kind, subject=subject))

    def count(self, kind: str, subject: str, after: datetime) -> int:
        query = select(func.count()).where(
            portal_attempts.c.kind == kind,
            portal_attempts.c.subject == subject,
            portal_attempts.c.at > _iso(after),
        )
        return int(self.conn.execute(query).scalar() or 0)


class SqlBorrowerUsers:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def for_borrower(self, borrower_id: str) -> str | None:
        query = (
            select(users.c.id)
            .where(users.c.role == "borrower", users.c.borrower_id == borrower_id)
            .order_by(users.c.username)
            .limit(1)
        )
        found = self.conn.execute(query).scalar()
        return str(found) if found is not None else None


class SqlPortalRepositories:
    """Mixed into SqlUnitOfWork: the portal's repositories on the unit's connection."""

    if TYPE_CHECKING:

        @property
        def conn(self) -> Connection: ...  # SqlUnitOfWork's

    @property
    def portal_codes(self) -> SqlOneTimeCodeRepository:
        return SqlOneTimeCodeRepository(self.conn)

    @property
    def portal_attempts(self) -> SqlPortalAttemptRepository:
        return SqlPortalAttemptRepository(self.conn)

    @property
    def borrower_users(self) -> SqlBorrowerUsers:
        return SqlBorrowerUsers(self.conn)
