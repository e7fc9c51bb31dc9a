"""Unit of work: one transaction; repositories share its connection."""

from __future__ import annotations

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from fairdebt.adapters.db.engine import describe
from fairdebt.adapters.db.repositories import SqlCaseRepository, SqlEventLog


class SqlUnitOfWork:
    """`with SqlUnitOfWork(engine) as uow: ...; uow.commit()` — without commit, nothing stays."""

    conn: Connection

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __enter__(self) -> SqlUnitOfWork:
        try:
            self.conn = self.engine.connect()
            self.transaction = self.conn.begin()
        except DBAPIError as exc:
            raise describe(exc) from None
        self.cases = SqlCaseRepository(self.conn)
        self.events = SqlEventLog(self.conn)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.transaction.is_active:
            self.transaction.rollback()
        self.conn.close()

    def commit(self) -> None:
        try:
            self.transaction.commit()
        except DBAPIError as exc:
            raise describe(exc) from None
