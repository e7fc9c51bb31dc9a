"""ContactGuard and reconcile on in-memory ports: one contact per decision, the attempt on the
record before the provider is called, an interrupted send found and finished, never repeated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fakes import FakeUnitOfWork

from fairdebt.adapters.channels.base import ContactRefusedError, OutboundMessage
from fairdebt.adapters.channels.console import ConsoleChannel
from fairdebt.domain.events import NewEvent
from fairdebt.errors import DatabaseError
from fairdebt.services.contact import ContactGuard, history_of, reconcile

NOW = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)
CASE = "C-1"
PHONE = "+8613800000001"


class FailingCommits(FakeUnitOfWork):
    """A unit of work whose outermost commits fail from the n-th on (a lost connection)."""

    def __init__(self, fail_from: int) -> None:
        super().__init__()
        self.fail_from = fail_from

    def commit(self) -> None:
        if self._depth == 1 and self.commits + 1 >= self.fail_from:
            raise DatabaseError("cannot reach the database: connection lost")
        super().commit()


def _allowed(uow: FakeUnitOfWork, decision_id: str = "d-1") -> OutboundMessage:
    """A logged gate decision that allows one SMS to PHONE, and the message it allows."""
    data = {
        "decision_id": decision_id,
        "decision": {"decision": "allow", "rules": []},
        "attempt": {"channel": "sms", "to": PHONE, "party": "debtor", "collector": "in-house"},
    }
    with uow:
        uow.events.append(CASE, NewEvent("gate_decision", "system:test", data), NOW)
        uow.commit()
    return OutboundMessage(CASE, "sms", PHONE, "您好，您的账单已逾期。", decision_id)


def _types(uow: FakeUnitOfWork) -> list[str]:
    return [e.type for e in uow.events.events(CASE)]


def test_the_attempt_is_committed_before_the_provider_is_called() -> None:
    uow = FakeUnitOfWork()
    message = _allowed(uow)
    seen_by_provider: list[list[str]] = []

    class Watching(ConsoleChannel):
        def deliver(self, message: OutboundMessage):  # type: ignore[no-untyped-def]
            seen_by_provider.append(_types(uow))  # what is on the record at that moment
            return super().deliver(message)

    sms = Watching()
    outcome = ContactGuard(uow, {"sms": sms}).send(message, NOW, "collector:u1")

    assert outcome == "delivered"
    assert seen_by_provider == [["gate_decision", "contact_attempted"]]
    assert _types(uow) == ["gate_decision", "contact_attempted", "contact_recorded"]
    assert uow.attempts.rows["d-1"].status == "done"
    assert sms.outbox[0].key == "d-1"  # the provider gets the decision as idempotency key


def test_a_decision_allows_one_contact() -> None:
    uow = FakeUnitOfWork()
    message = _allowed(uow)
    sms = ConsoleChannel()
    guard = ContactGuard(uow, {"sms": sms})
    guard.send(message, NOW, "collector:u1")

    with pytest.raises(ContactRefusedError, match="already used"):
        guard.send(message, NOW + timedelta(minutes=1), "collector:u2")

    assert len(sms.outbox) == 1


def test_a_commit_failure_after_delivery_leaves_the_attempt_on_the_record() -> None:
    uow = FailingCommits(fail_from=3)  # 1: the decision, 2: the attempt, 3: the outcome
    message = _allowed(uow)
    sms = ConsoleChannel()

    with pytest.raises(DatabaseError):
        ContactGuard(uow, {"sms": sms}).send(message, NOW, "collector:u1")

    assert len(sms.outbox) == 1  # it went out
    assert _types(uow) == ["gate_decision", "contact_attempted"]  # and is on the record
    assert uow.attempts.rows["d-1"].status == "sending"
    (counted,) = history_of(uow.events.events(CASE))  # the next decision counts it already
    assert (counted.channel.value, counted.outcome.value) == ("sms", "delivered")


def test_reconcile_records_what_the_provider_knows_and_sends_nothing() -> None:
    uow = FailingCommits(fail_from=3)
    message = _allowed(uow)
    sms = ConsoleChannel()
    with pytest.raises(DatabaseError):
        ContactGuard(uow, {"sms": sms}).send(message, NOW, "collector:u1")
    uow.fail_from = 10**6  # the database is back

    early = reconcile(uow, {"sms": sms}, NOW + timedelta(minutes=1))
    done = reconcile(uow, {"sms": sms}, NOW + timedelta(minutes=10))

    assert (early.recorded, early.unconfirmed) == (0, 0)  # too recent: it may still finish
    assert (done.recorded, done.unconfirmed) == (1, 0)
    assert _types(uow)[-1] == "contact_recorded"
    assert uow.events.events(CASE)[-1].data["provider_ref"] == "console:1"
    assert uow.attempts.rows["d-1"].status == "done"
    assert len(sms.outbox) == 1
    assert len(history_of(uow.events.events(CASE))) == 1  # counted once, not twice


def test_an_attempt_no_provider_knows_is_marked_unconfirmed_and_keeps_counting() -> None:
    uow = FailingCommits(fail_from=3)
    message = _allowed(uow)
    with pytest.raises(DatabaseError):
        ContactGuard(uow, {"sms": ConsoleChannel()}).send(message, NOW, "collector:u1")
    uow.fail_from = 10**6

    done = reconcile(uow, {"sms": ConsoleChannel()}, NOW + timedelta(minutes=10))

    assert (done.recorded, done.unconfirmed) == (0, 1)
    assert _types(uow)[-1] == "contact_unconfirmed"
    assert uow.attempts.rows["d-1"].status == "unconfirmed"
    assert len(history_of(uow.events.events(CASE))) == 1


def test_a_failed_first_commit_sends_nothing() -> None:
    uow = FailingCommits(fail_from=2)  # the attempt itself cannot be recorded
    message = _allowed(uow)
    sms = ConsoleChannel()

    with pytest.raises(DatabaseError):
        ContactGuard(uow, {"sms": sms}).send(message, NOW, "collector:u1")

    assert sms.outbox == []
    assert _types(uow) == ["gate_decision"]  # rolled back whole
    assert uow.attempts.rows == {}
