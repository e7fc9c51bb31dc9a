"""The user and sign-in repositories of SqlUnitOfWork (SQLAlchemy Core on the unit's connection).

Instants are stored as ISO 8601 UTC strings, which sort as they read on every database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, literal, select, update

from fairdebt.adapters.db.tables import sign_ins, users
from fairdebt.services.ports.identity import Credentials, Role, User

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Row

NAME_WIDTH = 64  # sign_ins.username
CLIENT_WIDTH = 64  # sign_ins.client: longer addresses are cut, not refused
NAME_LOCKS, CLIENT_LOCKS = 0x5151, 0x5152  # PostgreSQL advisory-lock key spaces of the throttle


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _user(row: Row[Any]) -> User:
    return User(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=Role(row.role),
        agency_id=row.agency_id,
        borrower_id=row.borrower_id,
        disabled_at=_instant(row.disabled_at),
    )


def _values(user: User) -> dict[str, str | None]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.value,
        "agency_id": user.agency_id,
        "borrower_id": user.borrower_id,
        "disabled_at": _iso(user.disabled_at) if user.disabled_at else None,
    }


class SqlUserRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, user_id: str) -> User | None:
        row = self.conn.execute(select(users).where(users.c.id == user_id)).first()
        return _user(row) if row else None

    def by_name(self, username: str) -> User | None:
        found = self.credentials(username)
        return found.user if found else None

    def credentials(self, username: str) -> Credentials | None:
        row = self.conn.execute(select(users).where(users.c.username == username)).first()
        return Credentials(_user(row), row.password_hash) if row else None

    def all(self) -> list[User]:
        return [_user(r) for r in self.conn.execute(select(users).order_by(users.c.username))]

    def add(self, user: User, password_hash: str) -> None:
        self.conn.execute(
            insert(users).values(id=user.id, password_hash=password_hash, **_values(user))
        )

    def update(self, user: User, password_hash: str | None = None) -> None:
        values: dict[str, Any] = _values(user)
        if password_hash is not None:
            values["password_hash"] = password_hash
        self.conn.execute(update(users).where(users.c.id == user.id).values(**values))

    def remove_names(self, usernames: list[str]) -> None:
        self.conn.execute(delete(users).where(users.c.username.in_(usernames)))


class SqlSignInRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def lock(self, username: str, client: str) -> None:
        """PostgreSQL: two transaction-scoped advisory locks, the user name's then the client's
        (always in that order, in two key spaces, so two attempts cannot deadlock). SQLite
        serialises writers: a write that changes nothing, as the transaction's first statement,
        takes the database's write lock now instead of at the insert, after the count."""
        if self.conn.dialect.name == "postgresql":
            for space, key in ((NAME_LOCKS, username[:NAME_WIDTH]), (CLIENT_LOCKS, client)):
                lock = func.pg_advisory_xact_lock(literal(space), func.hashtext(key))
                self.conn.execute(select(lock))
        else:
            self.conn.execute(update(sign_ins).where(sign_ins.c.id < 0).values(ok=sign_ins.c.ok))

    def add(self, at: datetime, username: str, client: str, ok: bool) -> int:
        row = insert(sign_ins).values(
            at=_iso(at), username=username[:NAME_WIDTH], client=client[:CLIENT_WIDTH], ok=ok
        )
        return int(self.conn.execute(row.returning(sign_ins.c.id)).scalar_one())

    def succeeded(self, attempt_id: int) -> None:
        self.conn.execute(update(sign_ins).where(sign_ins.c.id == attempt_id).values(ok=True))

    def last_success(self, username: str) -> datetime | None:
        found = self.conn.scalar(
            select(func.max(sign_ins.c.at)).where(sign_ins.c.username == username, sign_ins.c.ok)
        )
        return _instant(found)

    def failures(
        self,
        *,
        after: datetime,
        limit: int,
        username: str | None = None,
        client: str | None = None,
    ) -> list[datetime]:
        query = select(sign_ins.c.at).where(sign_ins.c.at > _iso(after), sign_ins.c.ok.is_(False))
        if username is not None:
            query = query.where(sign_ins.c.username == username[:NAME_WIDTH])
        if client is not None:
            query = query.where(sign_ins.c.client == client[:CLIENT_WIDTH])
        found = self.conn.scalars(query.order_by(sign_ins.c.at.desc()).limit(limit))
        return [datetime.fromisoformat(at) for at in found]


class SqlIdentityRepositories:
    """Mixed into SqlUnitOfWork: each property builds its repository on the unit's connection."""

    if TYPE_CHECKING:

        @property
        def conn(self) -> Connection: ...  # SqlUnitOfWork's

    @property
    def users(self) -> SqlUserRepository:
        return SqlUserRepository(self.conn)

    @property
    def sign_ins(self) -> SqlSignInRepository:
        return SqlSignInRepository(self.conn)
