"""Ports: what the use cases need from the outside world, as Protocols.

Adapters implement them (adapters/db for SQL, adapters/clock for time); tests may pass fakes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Protocol

from fairdebt.domain.case import Case
from fairdebt.domain.events import CaseEvent, NewEvent


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, aware."""
        ...


class CaseRepository(Protocol):
    def get(self, case_id: str) -> Case | None: ...

    def add(self, case: Case) -> None: ...

    def save(self, case: Case) -> None: ...


class EventLog(Protocol):
    """Append-only: there is no update or delete."""

    def append(self, case_id: str, event: NewEvent, at: datetime) -> CaseEvent: ...

    def events(self, case_id: str) -> list[CaseEvent]: ...

    def all_events(self) -> Iterator[CaseEvent]: ...


class UnitOfWork(Protocol):
    cases: CaseRepository
    events: EventLog

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None: ...
