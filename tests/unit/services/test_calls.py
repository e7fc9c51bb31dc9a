"""A collector's call on in-memory ports: check with the gate, start, record — once, fresh,
inside the borrower's hours; a promise, a call-back and a named inconvenient time."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from repayment_world import NOW, world

from fairdebt.adapters.channels.base import ContactRefusedError
from fairdebt.adapters.channels.calls import ManualDial
from fairdebt.compliance.pack import builtin_packs
from fairdebt.domain.case import Assignee, AssigneeKind
from fairdebt.services.calls import (
    CallCheck,
    CallForm,
    CallRefusedError,
    check,
    inconvenient_of,
    record_call,
    start_call,
)
from fairdebt.services.contact import PERMIT_LIFETIME, history_of
from fairdebt.services.ports.identity import Role, User
from fairdebt.services.ports.worklist import FOLLOW_UP_ACTIONS, ContactTask, DebtRow, Person

PACKS = builtin_packs()
CASE = "C-B1"
PHONE = "+8613800000001"
COLLECTOR = User("u1", "col1", "李雷", Role.COLLECTOR)
OTHER = User("u2", "col2", "韩梅梅", Role.COLLECTOR)
TASK = 7


def call_world(zone: str = "Asia/Shanghai", currency: str = "CNY"):
    """C-B1 assigned to col1, its borrower in `zone`, one open call task."""
    uow = world()
    with uow:
        case = uow.cases.get(CASE)
        case, _ = case.assign(Assignee(AssigneeKind.COLLECTOR, "col1"), "supervisor")
        uow.cases.save(case)
        uow.directory.people["B1"] = Person(zone, None, None, None)
        uow.directory.accounts["B1"] = [DebtRow("A1", currency, 64, 500_000)]
        uow.tasks.rows[TASK] = ContactTask(
            TASK,
            CASE,
            "call",
            None,
            "open",
            64,
            date(2026, 4, 20),
            "B1",
            "collector",
            "col1",
            500_000,
            "张三",
            PHONE,
            None,
            None,
            zone,
            "A1",
            "示例消费金融",
            currency,
        )
        uow.commit()
    return uow


def checked(uow, at=NOW) -> CallCheck:
    return check(uow, COLLECTOR, at, PACKS, task_id=TASK)


def started(uow, at=NOW):
    asked = checked(uow, at)
    start_call(
        uow,
        asked.decision_id,
        CASE,
        asked.to,
        COLLECTOR,
        at,
        ManualDial(),
        packs=PACKS,
        task_id=TASK,
    )
    return asked


def types(uow) -> list[str]:
    return [e.type for e in uow.events.events(CASE)]


def test_check_logs_the_gates_decision_and_nothing_else() -> None:
    uow = call_world()

    asked = checked(uow)

    assert asked.decision.decision.value == "allow"
    assert (asked.to, asked.zone, asked.task_id) == (PHONE, "Asia/Shanghai", TASK)
    assert types(uow)[-1] == "gate_decision"
    logged = uow.events.events(CASE)[-1].data
    assert logged["attempt"]["collector"] == "in-house" and logged["attempt"]["channel"] == "call"
    assert uow.tasks.rows[TASK].status == "open"  # nothing is done by asking


def test_start_commits_the_attempt_and_record_finishes_the_call_once() -> None:
    uow = call_world()
    asked = started(uow)

    assert types(uow)[-2:] == ["gate_decision", "contact_attempted"]
    assert uow.attempts.rows[asked.decision_id].status == "sending"
    assert uow.tasks.rows[TASK].status == "open"  # only the outcome makes it done
    (counted,) = history_of(uow.events.events(CASE))  # the gate counts it already
    assert counted.outcome.value == "conversation"

    done = record_call(
        uow,
        asked.decision_id,
        CallForm("no_answer", notes="响铃无人接"),
        COLLECTOR,
        NOW + timedelta(minutes=2),
        case_id=CASE,
        task_id=TASK,
    )

    recorded = uow.events.events(CASE)[-1]
    assert recorded.type == "contact_recorded"
    assert (recorded.data["outcome"], recorded.data["call_outcome"]) == ("no_answer", "no_answer")
    assert recorded.data["notes"] == "响铃无人接"
    assert done.gate_outcome == "no_answer"
    assert uow.attempts.rows[asked.decision_id].status == "done"
    assert uow.tasks.rows[TASK].status == "done"
    with pytest.raises(CallRefusedError, match="recorded already"):
        record_call(
            uow,
            asked.decision_id,
            CallForm("connected"),
            COLLECTOR,
            NOW,
            case_id=CASE,
            task_id=TASK,
        )


def test_a_decision_starts_one_call_only() -> None:
    uow = call_world()
    asked = started(uow)

    with pytest.raises(ContactRefusedError, match="already used"):
        start_call(uow, asked.decision_id, CASE, PHONE, COLLECTOR, NOW, ManualDial())


def test_a_stale_decision_is_refused_at_start() -> None:
    uow = call_world()
    asked = checked(uow)
    later = NOW + PERMIT_LIFETIME + timedelta(seconds=1)

    with pytest.raises(ContactRefusedError, match="stale"):
        start_call(uow, asked.decision_id, CASE, PHONE, COLLECTOR, later, ManualDial())

    assert "contact_attempted" not in types(uow)


def test_a_start_after_the_borrowers_hours_closed_is_refused() -> None:
    uow = call_world()
    evening = NOW.replace(hour=13, minute=55)  # 21:55 in Shanghai: allowed
    asked = checked(uow, evening)
    assert asked.decision.decision.value == "allow"

    with pytest.raises(ContactRefusedError, match="allowed hours"):
        start_call(
            uow,
            asked.decision_id,
            CASE,
            PHONE,
            COLLECTOR,
            evening + timedelta(minutes=6),
            ManualDial(),
            packs=PACKS,
        )


def test_a_denied_decision_cannot_start_a_call() -> None:
    uow = call_world()
    night = NOW.replace(hour=15)  # 23:00 in Shanghai
    asked = checked(uow, night)
    assert asked.decision.decision.value == "deny" and asked.decision.allowed_from is not None

    with pytest.raises(ContactRefusedError, match="gate said deny"):
        start_call(uow, asked.decision_id, CASE, PHONE, COLLECTOR, night, ManualDial())


def test_only_the_assigned_collector_starts_the_call() -> None:
    uow = call_world()
    asked = checked(uow)

    with pytest.raises(CallRefusedError, match="assigned"):
        start_call(uow, asked.decision_id, CASE, PHONE, OTHER, NOW, ManualDial())


def test_an_outcome_needs_a_started_call() -> None:
    uow = call_world()
    asked = checked(uow)

    with pytest.raises(CallRefusedError, match="not started"):
        record_call(uow, asked.decision_id, CallForm("connected"), COLLECTOR, NOW, case_id=CASE)


def test_a_promise_to_pay_is_recorded_through_the_promise_service() -> None:
    uow = call_world()
    asked = started(uow)
    form = CallForm(
        "promise_to_pay", amount="1,060.00", due_on="2026-04-30", channel="payment_link"
    )

    done = record_call(uow, asked.decision_id, form, COLLECTOR, NOW, case_id=CASE, task_id=TASK)

    (promise,) = uow.promises.rows.values()
    assert (promise.amount_cents, promise.due_on, promise.channel) == (
        106_000,
        date(2026, 4, 30),
        "payment_link",
    )
    assert done.promise_id == promise.id
    assert types(uow)[-3:] == ["promise_recorded", "debtor_ack", "contact_recorded"]
    assert uow.events.events(CASE)[-1].data["promise"] == promise.id


def test_a_bad_promise_records_nothing() -> None:
    uow = call_world()
    asked = started(uow)

    with pytest.raises(CallRefusedError, match="amount and a date"):
        record_call(
            uow,
            asked.decision_id,
            CallForm("promise_to_pay", amount="lots"),
            COLLECTOR,
            NOW,
            case_id=CASE,
            task_id=TASK,
        )

    assert types(uow)[-1] == "contact_attempted" and not uow.promises.rows


def test_a_call_back_becomes_a_follow_up_call_task() -> None:
    uow = call_world()
    asked = started(uow)
    form = CallForm("callback_at", callback_at="2026-04-21T10:30")  # Shanghai time

    done = record_call(uow, asked.decision_id, form, COLLECTOR, NOW, case_id=CASE, task_id=TASK)

    (task,) = uow.tasks.added
    assert done.follow_up and task["kind"] == "call" and task["status"] == "deferred"
    assert task["due_on"] == date(2026, 4, 21) and task["not_before"].startswith("2026-04-21T02:30")
    assert task["action_no"] >= FOLLOW_UP_ACTIONS and task["assignee_id"] == "col1"
    assert uow.events.events(CASE)[-1].data["callback_at"] == "2026-04-21T10:30:00+08:00"


def test_a_named_inconvenient_time_denies_a_later_call_in_that_window_under_reg_f() -> None:
    uow = call_world("America/New_York", "USD")
    at = NOW.replace(hour=14)  # 10:00 in New York
    asked = started(uow, at)
    form = CallForm("inconvenient_time", window_from="09:00", window_to="17:00")
    record_call(uow, asked.decision_id, form, COLLECTOR, at, case_id=CASE, task_id=TASK)
    assert [w.window for w in inconvenient_of(uow.events.events(CASE))] == [(9 * 3600, 17 * 3600)]
    uow.tasks.rows[TASK] = replace(uow.tasks.rows[TASK], status="open")

    again = checked(uow, at + timedelta(days=8))

    assert again.decision.decision.value == "deny"
    assert "US-TIME-KNOW" in {r.id for r in again.decision.rules}
    assert again.decision.allowed_from is not None
    logged = uow.events.events(CASE)[-1].data
    # the gate itself sees the named window (services.contact): no amended decision is needed
    assert logged["decision_id"] == again.decision_id and "amends" not in logged


def test_only_the_assigned_collector_records_the_outcome() -> None:
    uow = call_world()
    asked = started(uow)

    with pytest.raises(CallRefusedError, match="assigned"):
        record_call(uow, asked.decision_id, CallForm("busy"), OTHER, NOW, case_id=CASE)

    assert types(uow)[-1] == "contact_attempted"
