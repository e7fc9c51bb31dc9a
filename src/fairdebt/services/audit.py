"""Audit: recompute every case's hash chain and name the first broken link."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby

from fairdebt.domain.events import BrokenLink, CaseEvent, verify_chain
from fairdebt.services.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class AuditReport:
    cases: int
    events: int
    broken: tuple[BrokenLink, ...]

    @property
    def ok(self) -> bool:
        return not self.broken


def verify_all(uow: UnitOfWork, on_case: Callable[[int], None] | None = None) -> AuditReport:
    """Verify every chain of the event log, streamed case by case; writes nothing."""
    with uow:
        return verify_events(uow.events.all_events(), on_case)


def verify_events(
    events: Iterable[CaseEvent], on_case: Callable[[int], None] | None = None
) -> AuditReport:
    """`events` must come ordered by case, then seq (as EventLog.all_events yields them)."""
    cases = total = 0
    broken: list[BrokenLink] = []
    for case_id, group in groupby(events, key=lambda e: e.case):
        counted = _counting(group)
        link = verify_chain(case_id, counted)
        if link is not None:
            broken.append(link)
            for _ in counted:  # count the rest of this case's events too
                pass
        total += counted.n
        cases += 1
        if on_case:
            on_case(cases)
    return AuditReport(cases, total, tuple(broken))


class _counting(Iterator[CaseEvent]):
    def __init__(self, inner: Iterable[CaseEvent]) -> None:
        self.inner = iter(inner)
        self.n = 0

    def __next__(self) -> CaseEvent:
        item = next(self.inner)
        self.n += 1
        return item
