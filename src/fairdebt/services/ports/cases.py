"""Ports for cases and their append-only, hash-chained event log."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from datetime import datetime
from typing import Protocol

from fairdebt.domain.case import Case
from fairdebt.domain.events import CaseEvent, NewEvent


class CaseRepository(Protocol):
    def get(self, case_id: str) -> Case | None: ...

    def get_many(self, case_ids: Iterable[str]) -> dict[str, Case]:
        """The cases that exist among `case_ids`, by id: one read (a worker's batch)."""
        ...

    def add(self, case: Case) -> None: ...

    def save(self, case: Case) -> None: ...


class EventLog(Protocol):
    """Append-only: there is no update or delete."""

    def append(self, case_id: str, event: NewEvent, at: datetime) -> CaseEvent: ...

    def append_many(self, items: Iterable[tuple[str, NewEvent]], at: datetime) -> int:
        """Append several events (any cases) in order; returns how many."""
        ...

    def events(self, case_id: str) -> list[CaseEvent]: ...

    def events_of(
        self, case_ids: Iterable[str], without: Collection[str] = ()
    ) -> dict[str, list[CaseEvent]]:
        """`events` of each case, in one read (a case with no events maps to []), less the
        events of the types in `without` (a reader that never looks at them need not pay for
        reading them)."""
        ...

    def all_events(self) -> Iterator[CaseEvent]: ...

    def of_type(self, event_type: str, since: datetime) -> list[CaseEvent]:
        """Every event of this type (any case) logged at or after `since`, oldest first (an
        index on (type, at) serves it, so a rare type costs little however long the log)."""
        ...


class CaseRepositories(Protocol):
    @property
    def cases(self) -> CaseRepository: ...

    @property
    def events(self) -> EventLog: ...
