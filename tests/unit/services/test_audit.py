"""The audit reads every chain through the event log port and names each broken link."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from fakes import FakeUnitOfWork

from fairdebt.domain.events import NewEvent
from fairdebt.services.audit import verify_all

AT = datetime(2026, 4, 20, 9, 0, tzinfo=UTC)


def _logged(uow: FakeUnitOfWork, cases: dict[str, int]) -> None:
    for case_id, count in cases.items():
        for i in range(count):
            uow.events.append(case_id, NewEvent("note", "agent:u1", {"i": i}), AT)


def test_intact_chains_are_counted_and_pass() -> None:
    uow = FakeUnitOfWork()
    _logged(uow, {"C-B1": 3, "C-B2": 2})
    seen: list[int] = []

    report = verify_all(uow, on_case=seen.append)

    assert report.ok and (report.cases, report.events) == (2, 5)
    assert seen == [1, 2]


def test_a_tampered_event_is_named_by_case_and_seq() -> None:
    uow = FakeUnitOfWork()
    _logged(uow, {"C-B1": 4, "C-B2": 2})
    chain = uow.events.chains["C-B1"]
    chain[2] = dataclasses.replace(chain[2], data={"i": 99})  # edited behind the app's back

    report = verify_all(uow)

    assert not report.ok
    assert [(b.case, b.seq) for b in report.broken] == [("C-B1", 3)]
    assert (report.cases, report.events) == (2, 6)  # the rest of the broken case is counted


def test_a_deleted_event_is_named_as_missing() -> None:
    uow = FakeUnitOfWork()
    _logged(uow, {"C-B1": 3})
    del uow.events.chains["C-B1"][1]

    report = verify_all(uow)

    assert [(b.case, b.seq, b.reason) for b in report.broken] == [("C-B1", 2, "event 2 is missing")]


def test_the_audit_writes_nothing() -> None:
    uow = FakeUnitOfWork()
    _logged(uow, {"C-B1": 1})

    verify_all(uow)

    assert uow.commits == 0
