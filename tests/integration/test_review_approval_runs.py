"""A desk approval of a task in review counts when the task runs again (SQLite and PostgreSQL):
sent once; never past a deny; only for the rules approved; a rejected task never runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from test_worklist import MORNING, PACKS, _call_task, portfolio, task_rows

from fairdebt.adapters.channels.console import ConsoleChannel
from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.repositories import SqlEventLog
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.compliance.types import FiredRule, Severity
from fairdebt.errors import FairdebtError
from fairdebt.services import contact
from fairdebt.services.desk import decide_review
from fairdebt.services.outbox import Worker
from fairdebt.services.ports.identity import Role, User
from fairdebt.services.worklist_execute import execute

CASE = "C-B0003"
__all__ = ["portfolio"]  # the fixture, shared with test_worklist
OFFICER = User("uc", "cmp1", "合规 甲", Role.COMPLIANCE)


@pytest.fixture
def reviews(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The review rule ids the gate adds to every answer (a stand-in for a real review rule)."""
    asking: list[str] = []
    real = contact.decide

    def decide(request, *, packs):  # type: ignore[no-untyped-def]
        extra = [FiredRule(i, "test", Severity.REVIEW, "a person looks") for i in asking]
        return contact.with_rules(real(request, packs=packs), extra)

    monkeypatch.setattr(contact, "decide", decide)
    return asking


def _run(engine, sms, when=MORNING):  # type: ignore[no-untyped-def]
    return execute(SqlUnitOfWork(engine), _task(engine), "system:test", when, PACKS, {"sms": sms})


def _task(engine) -> int:  # type: ignore[no-untyped-def]
    return next(r.id for r in task_rows(engine, case_id=CASE) if r.kind == "sms")


def _decisions(engine) -> list[dict]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return [e.data for e in SqlEventLog(conn).events(CASE) if e.type == "gate_decision"]


def _approve(engine, verdict: str = "approve") -> dict:  # type: ignore[no-untyped-def]
    decide_review(SqlUnitOfWork(engine), _task(engine), verdict, "checked", OFFICER, MORNING)
    with engine.connect() as conn:
        return next(
            e for e in reversed(SqlEventLog(conn).events(CASE)) if e.type == f"review_{verdict}d"
        )


def test_an_approved_review_runs_and_is_sent_once(engine, portfolio, reviews) -> None:
    _call_task(engine)
    reviews.append("X-REVIEW.a")
    sms = ConsoleChannel()
    assert _run(engine, sms).status == "review"

    approval = _approve(engine)
    assert approval.data["rules"] == ["X-REVIEW.a"]
    assert approval.data["decision_id"] == _decisions(engine)[-1]["decision_id"]

    later = MORNING + timedelta(minutes=10)
    assert _run(engine, sms, later).status == "queued"
    done = Worker(SqlUnitOfWork(engine), {"sms": sms}, PACKS).drain(lambda: later)

    assert done.counts == {"sent": 1} and len(sms.outbox) == 1
    for logged in _decisions(engine)[-2:]:  # the run's and the worker's: allow, by whom
        assert logged["decision"]["decision"] == "allow"
        assert logged["approved_by"] == "compliance:cmp1"
        assert logged["approval_seq"] == approval.seq
    assert task_rows(engine, id=_task(engine))[0].status == "done"
    assert _run_raises(engine, sms)  # done: it does not run (or send) again
    assert len(sms.outbox) == 1


def _run_raises(engine, sms) -> bool:  # type: ignore[no-untyped-def]
    with pytest.raises(FairdebtError):
        _run(engine, sms, MORNING + timedelta(minutes=20))
    return True


def test_a_deny_that_arrives_after_the_approval_still_denies(engine, portfolio, reviews) -> None:
    _call_task(engine)
    reviews.append("X-REVIEW.a")
    sms = ConsoleChannel()
    _run(engine, sms)
    _approve(engine)
    with engine.begin() as conn:  # a complaint's hold meanwhile
        conn.execute(update(t.cases).where(t.cases.c.id == CASE).values(holds="dispute"))

    result = _run(engine, sms, MORNING + timedelta(minutes=10))

    assert result.status == "refused" and "FD-HOLD.dispute" in result.note
    assert sms.outbox == [] and "approved_by" not in _decisions(engine)[-1]


def test_an_approval_of_rule_a_does_not_cover_rule_b(engine, portfolio, reviews) -> None:
    _call_task(engine)
    reviews.append("X-REVIEW.a")
    sms = ConsoleChannel()
    _run(engine, sms)
    _approve(engine)
    reviews[:] = ["X-REVIEW.a", "X-REVIEW.b"]

    result = _run(engine, sms, MORNING + timedelta(minutes=10))

    assert result.status == "review" and "X-REVIEW.b" in result.note
    assert sms.outbox == [] and _decisions(engine)[-1]["decision"]["decision"] == "review"


def test_a_queued_message_whose_review_turns_to_another_rule_goes_back_to_review(
    engine, portfolio, reviews
) -> None:
    _call_task(engine)
    reviews.append("X-REVIEW.a")
    sms = ConsoleChannel()
    _run(engine, sms)
    _approve(engine)
    later = MORNING + timedelta(minutes=10)
    assert _run(engine, sms, later).status == "queued"
    reviews.append("X-REVIEW.b")

    done = Worker(SqlUnitOfWork(engine), {"sms": sms}, PACKS).drain(lambda: later)

    assert done.counts == {"review": 1} and sms.outbox == []
    row = task_rows(engine, id=_task(engine))[0]
    assert row.status == "review" and row.decision_id == _decisions(engine)[-1]["decision_id"]
    _approve(engine)  # the desk sees the rules the worker's decision asked about
    assert _approve_rules(engine) == ["X-REVIEW.a", "X-REVIEW.b"]


def _approve_rules(engine) -> list[str]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return next(
            e.data["rules"]
            for e in reversed(SqlEventLog(conn).events(CASE))
            if e.type == "review_approved"
        )


def test_a_rejected_review_is_refused_and_never_sent(engine, portfolio, reviews) -> None:
    _call_task(engine)
    reviews.append("X-REVIEW.a")
    sms = ConsoleChannel()
    _run(engine, sms)

    _approve(engine, "reject")

    assert task_rows(engine, id=_task(engine))[0].status == "refused"
    assert _run_raises(engine, sms) and sms.outbox == []
