"""The verify repositories of SqlUnitOfWork (SQLAlchemy Core on the unit's connection)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, literal, select, update

from fairdebt.adapters.db.verify_tables import verify_attempts, verify_codes
from fairdebt.services.ports.verify import VerifyCode

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Row

CLIENT_WIDTH = 64  # verify_attempts.client: longer addresses are cut, not refused
# PostgreSQL advisory-lock key spaces of the /verify limits (the sign-in throttle uses
# 0x5151 and 0x5152, adapters/db/identity_repos.py)
CLIENT_LOCKS, PREFIX_LOCKS, PRUNE_LOCK = 0x5153, 0x5154, 0x5155


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def _code(row: Row[Any]) -> VerifyCode:
    return VerifyCode(
        code_hash=row.code_hash,
        case_id=row.case_id,
        user_id=row.user_id,
        collector_name=row.collector_name,
        organisation=row.organisation,
        in_house=bool(row.in_house),
        issued_at=datetime.fromisoformat(row.issued_at),
        expires_at=datetime.fromisoformat(row.expires_at),
        decision_id=row.decision_id,
        visit_id=row.visit_id,
    )


class SqlVerifyCodeRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, code: VerifyCode) -> None:
        self.conn.execute(
            insert(verify_codes).values(
                code_hash=code.code_hash,
                case_id=code.case_id,
                user_id=code.user_id,
                collector_name=code.collector_name,
                organisation=code.organisation,
                in_house=code.in_house,
                decision_id=code.decision_id,
                visit_id=code.visit_id,
                issued_at=_iso(code.issued_at),
                expires_at=_iso(code.expires_at),
            )
        )

    def get(self, code_hash: str) -> VerifyCode | None:
        query = select(verify_codes).where(verify_codes.c.code_hash == code_hash)
        row = self.conn.execute(query).first()
        return _code(row) if row else None


class SqlVerifyAttemptRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def lock(self, client: str, prefix: str) -> None:
        """PostgreSQL: transaction-scoped advisory locks, the client's then the prefix's
        (always in that order, in two key spaces, so two attempts cannot deadlock). SQLite
        serialises writers: a write that changes nothing, as the transaction's first statement,
        takes the database's write lock now instead of at the insert, after the count."""
        if self.conn.dialect.name == "postgresql":
            keys = [(CLIENT_LOCKS, client[:CLIENT_WIDTH])]
            if prefix:  # text that cannot be a code has no prefix to count
                keys.append((PREFIX_LOCKS, prefix))
            for space, key in keys:
                lock = func.pg_advisory_xact_lock(literal(space), func.hashtext(key))
                self.conn.execute(select(lock))
        else:
            nothing = verify_attempts.c.id < 0
            self.conn.execute(
                update(verify_attempts).where(nothing).values(found=verify_attempts.c.found)
            )

    def add(self, at: datetime, client: str, prefix: str, found: bool) -> None:
        self.conn.execute(
            insert(verify_attempts).values(
                at=_iso(at), client=client[:CLIENT_WIDTH], prefix=prefix, found=found
            )
        )

    def failures(
        self, *, after: datetime, limit: int, client: str | None = None, prefix: str | None = None
    ) -> list[datetime]:
        table = verify_attempts.c
        query = select(table.at).where(table.at > _iso(after), table.found.is_(False))
        if client is not None:
            query = query.where(table.client == client[:CLIENT_WIDTH])
        if prefix is not None:
            query = query.where(table.prefix == prefix)
        found = self.conn.scalars(query.order_by(table.at.desc()).limit(limit))
        return [datetime.fromisoformat(at) for at in found]

    def prune(self, before: datetime) -> int:
        """PostgreSQL: only the one transaction that gets the prune lock at once forgets old
        rows (the others skip, without waiting), so two prunes never contend for the same
        rows; no one else touches rows that old."""
        if self.conn.dialect.name == "postgresql":
            mine = func.pg_try_advisory_xact_lock(literal(PRUNE_LOCK), literal(0))
            if not self.conn.scalar(select(mine)):
                return 0
        gone = self.conn.execute(delete(verify_attempts).where(verify_attempts.c.at < _iso(before)))
        return int(gone.rowcount or 0)


class SqlVerifyRepositories:
    """Mixed into SqlUnitOfWork: the repositories on the unit's connection."""

    if TYPE_CHECKING:

        @property
        def conn(self) -> Connection: ...  # SqlUnitOfWork's

    @property
    def verify_codes(self) -> SqlVerifyCodeRepository:
        return SqlVerifyCodeRepository(self.conn)

    @property
    def verify_attempts(self) -> SqlVerifyAttemptRepository:
        return SqlVerifyAttemptRepository(self.conn)
