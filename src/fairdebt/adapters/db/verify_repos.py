"""The verify-code repository of SqlUnitOfWork (SQLAlchemy Core on the unit's connection)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select

from fairdebt.adapters.db.verify_tables import verify_codes
from fairdebt.services.ports.verify import VerifyCode

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Row


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


class SqlVerifyRepositories:
    """Mixed into SqlUnitOfWork: the repository on the unit's connection."""

    if TYPE_CHECKING:

        @property
        def conn(self) -> Connection: ...  # SqlUnitOfWork's

    @property
    def verify_codes(self) -> SqlVerifyCodeRepository:
        return SqlVerifyCodeRepository(self.conn)
