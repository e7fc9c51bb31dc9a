"""Ports: what the use cases need from the outside world, as Protocols.

A use case takes a `UnitOfWork` and talks to its repositories (`uow.cases`, `uow.events`, ...);
it never sees SQL. adapters/db implements every port with SQLAlchemy Core (SqlUnitOfWork); the
unit tests pass in-memory fakes of the same ports (tests/fakes). Each group of repositories has a
module of its own here; `UnitOfWork` is all of them plus the transaction.

A unit of work is re-entrant: a use case opens it with `with uow:`, and a helper it calls may do
the same; the inner `with` joins the outer transaction, and only the outermost `commit()` writes.
Leaving the outermost `with` without `commit()` rolls everything back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from fairdebt.services.ports.api_tokens import ApiTokenRepositories
from fairdebt.services.ports.cases import CaseRepositories, CaseRepository, EventLog
from fairdebt.services.ports.checkpoints import CheckpointRepositories
from fairdebt.services.ports.complaints import ComplaintRepositories
from fairdebt.services.ports.field_media import FieldMediaRepositories
from fairdebt.services.ports.identity import IdentityRepositories
from fairdebt.services.ports.inbound import InboundRepositories
from fairdebt.services.ports.outbox import OutboxRepositories
from fairdebt.services.ports.portal import PortalRepositories
from fairdebt.services.ports.records import RecordRepositories
from fairdebt.services.ports.repayment import RepaymentRepositories
from fairdebt.services.ports.second_factor import SecondFactorRepositories
from fairdebt.services.ports.sessions import SessionRepositories
from fairdebt.services.ports.templates import TemplateRepositories
from fairdebt.services.ports.verify import VerifyRepositories
from fairdebt.services.ports.visits import VisitRepositories
from fairdebt.services.ports.worklist import WorklistRepositories

__all__ = [
    "ApiTokenRepositories",
    "CaseRepositories",
    "CaseRepository",
    "CheckpointRepositories",
    "Clock",
    "ComplaintRepositories",
    "EventLog",
    "FieldMediaRepositories",
    "IdentityRepositories",
    "InboundRepositories",
    "OutboxRepositories",
    "PortalRepositories",
    "RecordRepositories",
    "RepaymentRepositories",
    "SecondFactorRepositories",
    "SessionRepositories",
    "TemplateRepositories",
    "UnitOfWork",
    "VerifyRepositories",
    "VisitRepositories",
    "WorklistRepositories",
]


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, aware."""
        ...


class UnitOfWork(
    CaseRepositories,
    RepaymentRepositories,
    IdentityRepositories,
    RecordRepositories,
    WorklistRepositories,
    OutboxRepositories,
    InboundRepositories,
    TemplateRepositories,
    VerifyRepositories,
    ApiTokenRepositories,
    SessionRepositories,
    ComplaintRepositories,
    PortalRepositories,
    VisitRepositories,
    CheckpointRepositories,
    FieldMediaRepositories,
    SecondFactorRepositories,
    Protocol,
):
    """One transaction over every repository (module docstring: re-entrant, outermost commits)."""

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(self, _type: object, error: object, _tb: object) -> None: ...

    def commit(self) -> None:
        """Make the unit's writes permanent (a no-op inside a nested `with`)."""
        ...
