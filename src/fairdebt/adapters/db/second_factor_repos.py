"""The second-factor repositories of SqlUnitOfWork (SQLAlchemy Core on the unit's connection).

The writes that must happen once (a time step used, a recovery code spent, a challenge used)
are conditional UPDATEs whose row count says whether this call won: two requests at the same
instant cannot both succeed.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, or_, select, update

from fairdebt.adapters.db.second_factor_tables import (
    factor_events,
    second_factors,
    sign_in_challenges,
)
from fairdebt.services.ports.second_factor import (
    Challenge,
    FactorEvent,
    FactorEventKind,
    SecondFactor,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Row


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def _at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _factor(row: Row[Any]) -> SecondFactor:
    return SecondFactor(
        user_id=row.user_id,
        sealed_secret=row.sealed_secret,
        created_at=datetime.fromisoformat(row.created_at),
        enabled_at=_at(row.enabled_at),
        last_step=row.last_step,
        recovery_hashes=tuple(json.loads(row.recovery_hashes)),
    )


class SqlSecondFactorRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, user_id: str) -> SecondFactor | None:
        query = select(second_factors).where(second_factors.c.user_id == user_id)
        row = self.conn.execute(query).first()
        return _factor(row) if row else None

    def put(self, factor: SecondFactor) -> None:
        self.remove(factor.user_id)
        self.conn.execute(
            insert(second_factors).values(
                user_id=factor.user_id,
                sealed_secret=factor.sealed_secret,
                created_at=_iso(factor.created_at),
                enabled_at=_iso(factor.enabled_at) if factor.enabled_at else None,
                last_step=factor.last_step,
                recovery_hashes=json.dumps(list(factor.recovery_hashes)),
            )
        )

    def remove(self, user_id: str) -> bool:
        query = delete(second_factors).where(second_factors.c.user_id == user_id)
        return bool(self.conn.execute(query).rowcount)

    def enable(self, user_id: str, at: datetime, step: int, recovery_hashes: list[str]) -> bool:
        query = update(second_factors).where(
            second_factors.c.user_id == user_id, second_factors.c.enabled_at.is_(None)
        )
        values = {
            "enabled_at": _iso(at),
            "last_step": step,
            "recovery_hashes": json.dumps(recovery_hashes),
        }
        return bool(self.conn.execute(query.values(**values)).rowcount)

    def use_step(self, user_id: str, step: int) -> bool:
        query = update(second_factors).where(
            second_factors.c.user_id == user_id,
            or_(second_factors.c.last_step.is_(None), second_factors.c.last_step < step),
        )
        return bool(self.conn.execute(query.values(last_step=step)).rowcount)

    def use_recovery(self, user_id: str, was: tuple[str, ...], left: tuple[str, ...]) -> bool:
        query = update(second_factors).where(
            second_factors.c.user_id == user_id,
            second_factors.c.recovery_hashes == json.dumps(list(was)),
        )
        return bool(
            self.conn.execute(query.values(recovery_hashes=json.dumps(list(left)))).rowcount
        )

    def enabled_users(self) -> set[str]:
        query = select(second_factors.c.user_id).where(second_factors.c.enabled_at.is_not(None))
        return set(self.conn.execute(query).scalars())


class SqlChallengeRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, challenge: Challenge) -> None:
        self.conn.execute(
            insert(sign_in_challenges).values(
                id=challenge.id,
                user_id=challenge.user_id,
                purpose=challenge.purpose,
                created_at=_iso(challenge.created_at),
                expires_at=_iso(challenge.expires_at),
                used_at=_iso(challenge.used_at) if challenge.used_at else None,
            )
        )

    def get(self, challenge_id: str) -> Challenge | None:
        query = select(sign_in_challenges).where(sign_in_challenges.c.id == challenge_id)
        row = self.conn.execute(query).first()
        if row is None:
            return None
        return Challenge(
            id=row.id,
            user_id=row.user_id,
            purpose=row.purpose,
            created_at=datetime.fromisoformat(row.created_at),
            expires_at=datetime.fromisoformat(row.expires_at),
            used_at=_at(row.used_at),
        )

    def use(self, challenge_id: str, at: datetime) -> bool:
        query = update(sign_in_challenges).where(
            sign_in_challenges.c.id == challenge_id, sign_in_challenges.c.used_at.is_(None)
        )
        return bool(self.conn.execute(query.values(used_at=_iso(at))).rowcount)

    def void_user(self, user_id: str, purpose: str, at: datetime) -> int:
        query = update(sign_in_challenges).where(
            sign_in_challenges.c.user_id == user_id,
            sign_in_challenges.c.purpose == purpose,
            sign_in_challenges.c.used_at.is_(None),
        )
        return int(self.conn.execute(query.values(used_at=_iso(at))).rowcount)


class SqlFactorEventLog:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, event: FactorEvent) -> None:
        self.conn.execute(
            insert(factor_events).values(
                at=_iso(event.at),
                user_id=event.user_id,
                kind=event.kind.value,
                actor=event.actor[:64],
                client=event.client[:64],
            )
        )

    def of_user(self, user_id: str) -> list[FactorEvent]:
        query = (
            select(factor_events)
            .where(factor_events.c.user_id == user_id)
            .order_by(factor_events.c.at, factor_events.c.id)
        )
        return [
            FactorEvent(
                at=datetime.fromisoformat(row.at),
                user_id=row.user_id,
                kind=FactorEventKind(row.kind),
                actor=row.actor,
                client=row.client,
            )
            for row in self.conn.execute(query)
        ]


class SqlSecondFactorRepositories:
    """Mixed into SqlUnitOfWork: the repositories on the unit's connection."""

    if TYPE_CHECKING:

        @property
        def conn(self) -> Connection: ...  # SqlUnitOfWork's

    @property
    def second_factors(self) -> SqlSecondFactorRepository:
        return SqlSecondFactorRepository(self.conn)

    @property
    def sign_in_challenges(self) -> SqlChallengeRepository:
        return SqlChallengeRepository(self.conn)

    @property
    def factor_events(self) -> SqlFactorEventLog:
        return SqlFactorEventLog(self.conn)
