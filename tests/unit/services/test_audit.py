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


class _Store:
    """An evidence store that answers from a dict and counts the checks."""

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers = answers
        self.checked: list[str] = []

    def check(self, ref: str) -> str:
        self.checked.append(ref)
        return self.answers.get(ref, "missing")


def test_evidence_references_are_collected_in_the_same_pass_and_each_object_checked_once() -> None:
    from fairdebt.services.audit import check_evidence

    good, gone = "sha256:" + "a" * 64, "sha256:" + "b" * 64
    uow = FakeUnitOfWork()
    uow.events.append("C-B1", NewEvent("contact_attempted", "agent:u1", {"evidence": good}), AT)
    uow.events.append("C-B1", NewEvent("note", "agent:u1", {"i": 1}), AT)
    uow.events.append("C-B2", NewEvent("contact_recorded", "agent:u1", {"evidence": good}), AT)
    uow.events.append("C-B2", NewEvent("letter", "agent:u1", {"evidence": [gone, "../x"]}), AT)
    refs: list = []

    report = verify_all(uow, refs=refs)
    store = _Store({good: "ok"})
    seen: list[int] = []
    evidence = check_evidence(store, refs, on_ref=seen.append)  # type: ignore[arg-type]

    assert report.ok and len(refs) == 4 and seen == [1, 2, 3, 4]
    assert store.checked == [good, gone]  # "../x" never reaches the store
    assert (evidence.refs, evidence.objects) == (4, 3)
    assert [(p.case, p.seq, p.status) for p in evidence.problems] == [
        ("C-B2", 2, "missing"),
        ("C-B2", 2, "invalid"),
    ]
