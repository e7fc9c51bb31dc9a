"""Fake case repository and event log (the same hash chain as the real one)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from datetime import datetime

from fairdebt.domain.case import Case
from fairdebt.domain.events import GENESIS, CaseEvent, NewEvent, chain, format_instant


class FakeCaseRepository:
    def __init__(self) -> None:
        self.rows: dict[str, Case] = {}

    def get(self, case_id: str) -> Case | None:
        return self.rows.get(case_id)

    def get_many(self, case_ids: Iterable[str]) -> dict[str, Case]:
        return {c: self.rows[c] for c in case_ids if c in self.rows}

    def add(self, case: Case) -> None:
        if case.id in self.rows:
            raise ValueError(f"case {case.id} exists")
        self.rows[case.id] = case

    def save(self, case: Case) -> None:
        self.rows[case.id] = case


class FakeEventLog:
    def __init__(self) -> None:
        self.chains: dict[str, list[CaseEvent]] = {}

    def append(self, case_id: str, event: NewEvent, at: datetime) -> CaseEvent:
        log = self.chains.setdefault(case_id, [])
        prev = log[-1].hash if log else GENESIS
        sealed = chain(case_id, len(log) + 1, prev, at, event)
        log.append(sealed)
        return sealed

    def append_many(self, items: Iterable[tuple[str, NewEvent]], at: datetime) -> int:
        return sum(1 for case_id, event in items if self.append(case_id, event, at))

    def events(self, case_id: str) -> list[CaseEvent]:
        return list(self.chains.get(case_id, ()))

    def events_of(
        self, case_ids: Iterable[str], without: Collection[str] = ()
    ) -> dict[str, list[CaseEvent]]:
        return {c: [e for e in self.events(c) if e.type not in without] for c in case_ids}

    def of_type(self, event_type: str, since: datetime) -> list[CaseEvent]:
        floor = format_instant(since)
        found = [e for e in self.all_events() if e.type == event_type and e.at >= floor]
        return sorted(found, key=lambda e: (e.at, e.case, e.seq))

    def all_events(self) -> Iterator[CaseEvent]:
        for case_id in sorted(self.chains):
            yield from self.chains[case_id]


class FakeCaseRepositories:
    def setup(self) -> None:
        self.cases = FakeCaseRepository()
        self.events = FakeEventLog()
