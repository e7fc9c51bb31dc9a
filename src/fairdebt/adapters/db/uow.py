"""Unit of work: one transaction; every repository shares its connection.

Re-entrant (services.ports): the outermost `with` opens the connection and the transaction, an
inner one joins them, and only the outermost `commit()` writes. The repositories are built from
the connection on each access, so a unit can be entered again after it was left.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection, Engine, RootTransaction
from sqlalchemy.exc import DBAPIError

from fairdebt.adapters.db.api_token_repos import SqlApiTokenRepositories
from fairdebt.adapters.db.checkpoint_repos import SqlCheckpointRepositories
from fairdebt.adapters.db.complaint_repos import SqlComplaintRepositories
from fairdebt.adapters.db.engine import describe
from fairdebt.adapters.db.field_media_repos import SqlFieldMediaRepositories
from fairdebt.adapters.db.identity_repos import SqlIdentityRepositories
from fairdebt.adapters.db.inbound_repos import SqlInboundRepositories
from fairdebt.adapters.db.outbox_repos import SqlOutboxRepositories
from fairdebt.adapters.db.portal_repos import SqlPortalRepositories
from fairdebt.adapters.db.record_repos import SqlRecordRepositories
from fairdebt.adapters.db.repayment_repos import SqlRepaymentRepositories
from fairdebt.adapters.db.repositories import SqlCaseRepository, SqlEventLog
from fairdebt.adapters.db.second_factor_repos import SqlSecondFactorRepositories
from fairdebt.adapters.db.session_repos import SqlSessionRepositories
from fairdebt.adapters.db.template_repos import SqlTemplateRepositories
from fairdebt.adapters.db.verify_repos import SqlVerifyRepositories
from fairdebt.adapters.db.visit_repos import SqlVisitRepositories
from fairdebt.adapters.db.worklist_repos import SqlWorklistRepositories
from fairdebt.errors import FairdebtError


class SqlUnitOfWork(
    SqlRepaymentRepositories,
    SqlIdentityRepositories,
    SqlRecordRepositories,
    SqlWorklistRepositories,
    SqlOutboxRepositories,
    SqlInboundRepositories,
    SqlTemplateRepositories,
    SqlVerifyRepositories,
    SqlApiTokenRepositories,
    SqlSessionRepositories,
    SqlComplaintRepositories,
    SqlPortalRepositories,
    SqlVisitRepositories,
    SqlCheckpointRepositories,
    SqlFieldMediaRepositories,
    SqlSecondFactorRepositories,
):
    """`with SqlUnitOfWork(engine) as uow: ...; uow.commit()` — without commit, nothing stays."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._depth = 0
        self._conn: Connection | None = None
        self._transaction: RootTransaction | None = None

    @property
    def conn(self) -> Connection:
        """The unit's connection (adapters only: services never see it)."""
        if self._conn is None:
            raise FairdebtError("a unit of work was used outside its `with` block")
        return self._conn

    def __enter__(self) -> SqlUnitOfWork:
        if self._depth == 0:
            try:
                self._conn = self.engine.connect()
                self._transaction = self._conn.begin()
            except DBAPIError as exc:
                if self._conn is not None:
                    self._conn.close()
                    self._conn = None
                raise describe(exc) from None
        self._depth += 1
        return self

    def __exit__(self, _type: object, error: object, _tb: object) -> None:
        self._depth -= 1
        if not self._depth:
            conn, transaction = self._conn, self._transaction
            self._conn = self._transaction = None
            try:
                if transaction is not None and transaction.is_active:
                    transaction.rollback()
            finally:
                if conn is not None:
                    conn.close()
        if isinstance(error, DBAPIError):  # a driver fault inside the unit: cause and hint
            raise describe(error) from None

    def commit(self) -> None:
        if self._depth > 1 or self._transaction is None:
            return
        try:
            self._transaction.commit()
        except DBAPIError as exc:
            raise describe(exc) from None
        self._transaction = self.conn.begin()  # the unit goes on in a new transaction

    @property
    def cases(self) -> SqlCaseRepository:
        return SqlCaseRepository(self.conn)

    @property
    def events(self) -> SqlEventLog:
        return SqlEventLog(self.conn)
