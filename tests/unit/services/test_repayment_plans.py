"""Proposing, approving and rejecting repayment plans on a FakeUnitOfWork."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from repayment_world import AS_OF, FIRST_PAID, NOW, ORDER, pay, world

from fairdebt.domain.repayment import PlanKind, PlanTerms
from fairdebt.services.payments import RepaymentError, record_payment
from fairdebt.services.plan_policy import load_policy
from fairdebt.services.ports.identity import Role, User
from fairdebt.services.repayment import (
    approve_plan,
    list_plans,
    owed_on,
    propose_plan,
    reject_plan,
)

POLICY = load_policy()


def staff(user_id: str, role: str) -> User:
    """A signed-in staff member whose own role is `role`."""
    return User(user_id, user_id, user_id, Role(role))


def six_months() -> PlanTerms:
    return PlanTerms(PlanKind.INSTALMENT, first_due=date(2026, 5, 20), count=6)


def eighteen_months() -> PlanTerms:
    return PlanTerms(PlanKind.INSTALMENT, first_due=date(2026, 5, 20), count=18)


def propose(uow, terms: PlanTerms, plan_id: str = "PL1"):
    return propose_plan(uow, "A1", terms, AS_OF, "agent-7", POLICY, NOW, ORDER, plan_id)


def schedule(uow) -> list[tuple[int, date, int]]:
    rows = sorted(uow.accounts.get("A1").schedule, key=lambda i: i.seq)
    return [(i.seq, i.due_on, i.total.cents) for i in rows]


def test_what_is_owed_is_the_basis_of_a_plan() -> None:
    owed = owed_on(world(paid=FIRST_PAID), "A1", AS_OF, ORDER)

    assert (owed.principal.cents, owed.interest.cents, owed.fee.cents) == (500_000, 25_000, 5_000)


def test_a_plan_inside_the_automatic_limits_becomes_the_schedule_at_once() -> None:
    uow = world(paid=FIRST_PAID)

    record = propose(uow, six_months())

    assert record.status == "accepted" and record.case_id == "C-B1"
    rows = schedule(uow)
    assert rows[0] == (1, date(2026, 1, 15), 106_000)  # paid: kept as it was
    assert [r[0] for r in rows[1:]] == [7, 8, 9, 10, 11, 12]  # the lender's 2..6 not reused
    assert sum(r[2] for r in rows[1:]) == 530_000
    assert uow.plans.get("PL1").status == "accepted"
    assert uow.plans.get("PL1").accepted_on == AS_OF
    assert uow.account_status.rows["A1"].dpd == 0  # nothing of the plan is due yet
    log = uow.events.events("C-B1")
    assert [(e.type, e.actor) for e in log] == [
        ("plan_proposed", "agent-7"),
        ("plan_approved", "policy"),
        ("plan_accepted", "agent-7"),
        ("debtor_ack", "agent-7"),
    ]
    assert log[2].data["new_seqs"] == [7, 8, 9, 10, 11, 12]
    assert log[2].data["replaced"][0] == [2, "2026-02-15", 100_000, 5_000, 1_000]
    assert (log[3].data["kind"], log[3].data["plan"]) == ("repayment_plan", "PL1")


def test_a_partly_paid_instalment_keeps_exactly_what_was_paid_of_it() -> None:
    uow = world(paid=(*FIRST_PAID, ("P2", date(2026, 2, 20), 50_000)))

    record = propose(uow, six_months())

    second = next(i for i in uow.accounts.get("A1").schedule if i.seq == 2)
    # fees, then interest, then principal (the configured order)
    assert (second.fee.cents, second.interest.cents, second.principal.cents) == (
        1_000,
        5_000,
        44_000,
    )
    assert record.plan.total.cents == 636_000 - 156_000
    assert uow.events.events("C-B1")[2].data["trimmed_to_paid"] == [2]


def test_a_plan_outside_the_automatic_limits_waits_for_the_named_role() -> None:
    uow = world(paid=FIRST_PAID)
    before = schedule(uow)

    record = propose(uow, eighteen_months())

    assert (record.status, record.decision.approver_role) == ("pending_approval", "supervisor")
    assert schedule(uow) == before  # nothing changes before approval
    with pytest.raises(RepaymentError, match="needs approval by supervisor") as caught:
        approve_plan(uow, "PL1", staff("u1", "collector"), AS_OF, POLICY, NOW, ORDER)
    assert "supervisor, compliance" in caught.value.hint
    approve_plan(uow, "PL1", staff("u2", "compliance"), AS_OF, POLICY, NOW, ORDER)

    stored = uow.plans.get("PL1")
    assert (stored.status, stored.decided_by) == ("accepted", "u2")
    assert len(schedule(uow)) == 1 + 18
    types = [e.type for e in uow.events.events("C-B1")]
    assert types == ["plan_proposed", "plan_approved", "plan_accepted", "debtor_ack"]


def test_a_rejected_plan_changes_nothing_and_cannot_be_approved_after() -> None:
    uow = world(paid=FIRST_PAID)
    propose(uow, eighteen_months())
    before = schedule(uow)

    reject_plan(uow, "PL1", "u1", "the debtor can pay more", NOW)

    stored = uow.plans.get("PL1")
    assert (stored.status, stored.decided_by) == ("rejected", "u1")
    last = uow.events.events("C-B1")[-1]
    assert (last.type, last.data["reason"]) == ("plan_rejected", "the debtor can pay more")
    assert schedule(uow) == before
    with pytest.raises(RepaymentError, match="is rejected, not pending approval"):
        approve_plan(uow, "PL1", staff("u2", "supervisor"), AS_OF, POLICY, NOW, ORDER)
    with pytest.raises(RepaymentError, match="no plan 'PL9'"):
        reject_plan(uow, "PL9", "u1", "why", NOW)


def test_a_plan_is_not_accepted_when_a_payment_changed_what_is_owed() -> None:
    uow = world(paid=FIRST_PAID)
    propose(uow, eighteen_months())
    record_payment(uow, pay("P9", AS_OF, "100"), "agent", NOW, AS_OF, ORDER)
    events = len(uow.events.events("C-B1"))

    with pytest.raises(RepaymentError, match="changed since plan"):
        approve_plan(uow, "PL1", staff("u1", "supervisor"), AS_OF, POLICY, NOW, ORDER)

    assert uow.plans.get("PL1").status == "pending_approval"  # rolled back: no approval event
    assert len(uow.events.events("C-B1")) == events


def test_a_plan_beyond_every_tier_is_refused_and_changes_nothing() -> None:
    uow = world(paid=FIRST_PAID)
    before = schedule(uow)

    record = propose(uow, PlanTerms(PlanKind.SETTLEMENT, AS_OF, discount=Decimal(4000)))

    assert record.status == "refused"
    assert "discount" in record.decision.reasons[0]
    assert uow.plans.get("PL1").status == "refused"
    assert schedule(uow) == before


def test_an_extension_is_an_extension_request_and_supersedes_the_accepted_plan() -> None:
    uow = world(paid=FIRST_PAID)
    propose(uow, six_months(), "PL1")

    propose(uow, PlanTerms(PlanKind.EXTENSION, AS_OF, shift_months=2), "PL2")

    assert uow.plans.get("PL1").status == "superseded"
    assert uow.plans.get("PL2").status == "accepted"
    ack = uow.events.events("C-B1")[-1]
    assert (ack.type, ack.data["kind"], ack.data["plan"]) == (
        "debtor_ack",
        "extension_request",
        "PL2",
    )
    assert [p["id"] for p in list_plans(uow, "A1")] == ["PL1", "PL2"]  # same day: by id
    assert [p["id"] for p in list_plans(uow, status="accepted")] == ["PL2"]
    assert list_plans(uow, "A9") == []
    assert list_plans(uow, "A1")[0]["total_cents"] == 530_000
