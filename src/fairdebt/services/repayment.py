"""Use cases: propose a repayment plan, approve or reject it; an accepted plan is the schedule.

propose -> the policy decides: auto-approved (accepted at once), pending approval by a named
role, or refused. approve (by that role or a higher one) -> accepted. Every step is an event on
the case: `plan_proposed`, `plan_approved`, `plan_rejected`, `plan_accepted`, and with
acceptance the debtor's acknowledgment (`debtor_ack`, kind repayment_plan, or
extension_request for an extension: 《最高人民法院关于审理民事案件适用诉讼时效制度若干问题的规定》
第十四条, CN-LIM-SX14).

Accepting replaces the account's schedule from that day on: instalments already paid stay as
they are, a partly paid one keeps exactly what was paid of it, every unpaid one is replaced by
the plan's lines (numbered after every seq the account ever used, so the lender's numbers are
never reused). The replaced rows are kept in the `plan_accepted` event. The account's snapshot
is refreshed, so DPD follows the plan. A plan whose basis changed since it was proposed (a
payment came in, another plan was accepted) is refused: propose again.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from typing import Any

from fairdebt.domain.delinquency import InstalmentState, allocate
from fairdebt.domain.errors import DomainError
from fairdebt.domain.events import NewEvent
from fairdebt.domain.loan import Account, Component, Instalment
from fairdebt.domain.money import Money
from fairdebt.domain.plan_policy import Outcome, PlanPolicy, PolicyDecision, Proposal, evaluate
from fairdebt.domain.repayment import Owed, Plan, PlanKind, PlanTerms, build_plan
from fairdebt.legal.limitation import AckKind
from fairdebt.services.acknowledgment import acknowledgment
from fairdebt.services.payments import (
    Order,
    RepaymentError,
    case_of,
    load_account,
    payments_seen,
    refresh_account,
)
from fairdebt.services.plan_policy import AUTO_ACTOR
from fairdebt.services.ports import UnitOfWork
from fairdebt.services.ports.identity import User
from fairdebt.services.ports.repayment import StoredPlan

PENDING, ACCEPTED, REJECTED = "pending_approval", "accepted", "rejected"
REFUSED, SUPERSEDED = "refused", "superseded"
STATUS_OF = {Outcome.AUTO_APPROVED: ACCEPTED, Outcome.NEEDS_APPROVAL: PENDING}


@dataclass(frozen=True, slots=True)
class PlanRecord:
    id: str
    account_id: str
    case_id: str
    status: str
    decision: PolicyDecision
    plan: Plan


def _remainder(state: InstalmentState) -> Instalment:
    i = state.instalment
    return Instalment(
        i.seq,
        i.due_on,
        state.outstanding(Component.PRINCIPAL),
        state.outstanding(Component.INTEREST),
        state.outstanding(Component.FEE),
    )


def _states(uow: UnitOfWork, account: Account, on: date, order: Order) -> list[InstalmentState]:
    seen = payments_seen(uow, account.id, on)
    return list(allocate(account.schedule, seen, order, account.currency).states)


def owed_on(uow: UnitOfWork, account_id: str, on: date, order: Order) -> Owed:
    """What is still owed on the account on `on`, by component (a plan's basis)."""
    with uow:
        account = load_account(uow, account_id)
        states = _states(uow, account, on, order)
    return Owed.of_lines([_remainder(s) for s in states if not s.is_settled], account.currency)


def build_for_account(
    uow: UnitOfWork, account: Account, terms: PlanTerms, on: date, order: Order
) -> Plan:
    """The plan `terms` would give the account on `on`; a readable error if it cannot be built."""
    with uow:
        return _build(account.id, terms, on, _states(uow, account, on, order))


def _build(account_id: str, terms: PlanTerms, start: date, states: list[InstalmentState]) -> Plan:
    unpaid = [_remainder(s) for s in states if not s.is_settled]
    try:
        return build_plan(terms, start, unpaid)
    except DomainError as exc:
        raise RepaymentError(f"plan for account {account_id}: {exc}", hint=_HINT) from None


_HINT = "see docs/repayment.md for the plan kinds and their fields"


def propose_plan(
    uow: UnitOfWork,
    account_id: str,
    terms: PlanTerms,
    on: date,
    actor: str,
    policy: PlanPolicy,
    now: datetime,
    order: Order,
    plan_id: str | None = None,
) -> PlanRecord:
    """Record a proposed plan and the policy's decision; accept it now if auto-approved."""
    with uow:
        account = load_account(uow, account_id)
        plan = build_for_account(uow, account, terms, on, order)
        decision = evaluate(policy, Proposal.of(plan))
        record = PlanRecord(
            id=plan_id or f"PL-{uuid.uuid4().hex[:16]}",
            account_id=account.id,
            case_id=case_of(uow, account.borrower_id),
            status=STATUS_OF.get(decision.outcome, REFUSED),
            decision=decision,
            plan=plan,
        )
        uow.plans.add(_stored(record, actor), plan.lines)
        proposed = NewEvent("plan_proposed", actor, _proposed_data(record))
        uow.events.append(record.case_id, proposed, now)
        if decision.outcome is Outcome.AUTO_APPROVED:
            approved = {"plan": record.id, "role": None, "policy_version": policy.version}
            uow.events.append(record.case_id, NewEvent("plan_approved", AUTO_ACTOR, approved), now)
            _accept(uow, record.id, on, actor, now, order)
        uow.commit()
    return record


def _stored(record: PlanRecord, actor: str) -> StoredPlan:
    """The stored row of a new plan: an auto-approved one is pending until _accept runs."""
    plan, terms = record.plan, record.plan.terms
    return StoredPlan(
        id=record.id,
        case_id=record.case_id,
        account_id=record.account_id,
        kind=terms.kind.value,
        status=PENDING if record.status == ACCEPTED else record.status,
        hardship=terms.hardship,
        currency=plan.owed.currency,
        proposed_on=plan.start_on,
        first_due=terms.first_due,
        count=terms.count,
        every_months=terms.every_months,
        shift_months=terms.shift_months,
        waive_interest_cents=_cents(terms.waive_interest),
        waive_fee_cents=_cents(terms.waive_fee),
        discount_cents=_cents(terms.discount),
        owed_cents=plan.owed.total.cents,
        total_cents=plan.total.cents,
        decision=record.decision.outcome.value,
        approver_role=record.decision.approver_role,
        reasons="; ".join(record.decision.reasons),
        policy_version=record.decision.policy_version,
        proposed_by=actor,
    )


def _cents(amount: Any) -> int:
    return Money(amount).cents


def _proposed_data(record: PlanRecord) -> dict[str, Any]:
    plan = record.plan
    return {
        "plan": record.id,
        "account": record.account_id,
        "kind": plan.terms.kind.value,
        "hardship": plan.terms.hardship,
        "owed_cents": plan.owed.total.cents,
        "total_cents": plan.total.cents,
        "forgiven_cents": plan.forgiven.cents,
        "instalments": len(plan.lines),
        "first_due": plan.lines[0].due_on.isoformat(),
        "last_due": plan.lines[-1].due_on.isoformat(),
        "decision": record.decision.outcome.value,
        "approver_role": record.decision.approver_role,
        "reasons": list(record.decision.reasons),
        "policy_version": record.decision.policy_version,
    }


def _plan(uow: UnitOfWork, plan_id: str) -> StoredPlan:
    found = uow.plans.get(plan_id)
    if found is None:
        raise RepaymentError(f"no plan {plan_id!r}", hint="fairdebt plans list")
    return found


def _pending(uow: UnitOfWork, plan_id: str) -> StoredPlan:
    found = _plan(uow, plan_id)
    if found.status != PENDING:
        raise RepaymentError(f"plan {plan_id} is {found.status}, not pending approval")
    return found


def approve_plan(
    uow: UnitOfWork,
    plan_id: str,
    approver: User,
    on: date,
    policy: PlanPolicy,
    now: datetime,
    order: Order,
) -> None:
    """Approve a pending plan as the user `approver` (signed in on the console, or named by
    `fairdebt plans approve --as`): their own role must be the one the policy named or a higher
    tier's; a role the caller merely claims counts for nothing."""
    with uow:
        stored = _pending(uow, plan_id)
        allowed = policy.roles_at_or_above(stored.approver_role or "")  # None: nobody
        role = approver.role.value
        if not approver.active or not approver.is_staff or role not in allowed:
            raise RepaymentError(
                f"plan {plan_id} needs approval by {stored.approver_role}; {approver.username} "
                f"({role}) may not approve it",
                hint=f"roles that may: {', '.join(allowed) or 'none (policy changed?)'}",
            )
        actor = approver.id
        data = {"plan": plan_id, "role": role, "policy_version": policy.version}
        uow.events.append(stored.case_id, NewEvent("plan_approved", actor, data), now)
        uow.plans.mark(plan_id, decided_by=actor)
        _accept(uow, plan_id, on, actor, now, order)
        uow.commit()


def reject_plan(uow: UnitOfWork, plan_id: str, actor: str, reason: str, now: datetime) -> None:
    with uow:
        stored = _pending(uow, plan_id)
        uow.plans.mark(plan_id, status=REJECTED, decided_by=actor)
        data = {"plan": plan_id, "reason": reason}
        uow.events.append(stored.case_id, NewEvent("plan_rejected", actor, data), now)
        uow.commit()


def terms_of(stored: StoredPlan) -> PlanTerms:
    return PlanTerms(
        kind=PlanKind(stored.kind),
        first_due=stored.first_due,
        count=stored.count,
        every_months=stored.every_months,
        shift_months=stored.shift_months,
        waive_interest=Money.from_cents(stored.waive_interest_cents).amount,
        waive_fee=Money.from_cents(stored.waive_fee_cents).amount,
        discount=Money.from_cents(stored.discount_cents).amount,
        hardship=stored.hardship,
    )


def _accept(
    uow: UnitOfWork, plan_id: str, on: date, actor: str, now: datetime, order: Order
) -> None:
    stored = _plan(uow, plan_id)
    account = load_account(uow, stored.account_id)
    lines = uow.plans.lines(plan_id, stored.currency)
    if on < stored.proposed_on:
        raise RepaymentError(f"plan {plan_id} was proposed on {stored.proposed_on}, after {on}")
    states = _states(uow, account, on, order)
    # what is owed on the day of acceptance must be what the plan was built on
    rebuilt = _build(account.id, terms_of(stored), stored.proposed_on, states)
    if rebuilt.lines != lines:
        raise RepaymentError(
            f"account {account.id} changed since plan {plan_id} was proposed on "
            f"{stored.proposed_on}",
            hint="a payment or another plan changed what is owed: propose the plan again",
        )
    replaced = _replace_schedule(uow, account, states, lines)
    uow.plans.supersede(account.id, keep=plan_id)
    uow.plans.mark(plan_id, status=ACCEPTED, accepted_on=on)
    extension = stored.kind == PlanKind.EXTENSION
    kind = AckKind.EXTENSION_REQUEST if extension else AckKind.REPAYMENT_PLAN
    accepted = {"plan": plan_id, "account": account.id, "on": on.isoformat(), **replaced}
    events = [
        NewEvent("plan_accepted", actor, accepted),
        acknowledgment(kind, on, actor, account=account.id, plan=plan_id),
    ]
    uow.events.append_many([(stored.case_id, e) for e in events], now)
    refresh_account(uow, load_account(uow, account.id), on, order)


def _replace_schedule(
    uow: UnitOfWork,
    account: Account,
    states: list[InstalmentState],
    lines: tuple[Instalment, ...],
) -> dict[str, Any]:
    """Drop the unpaid instalments, trim the partly paid one to what was paid, add the plan's."""
    replaced, trimmed, dropped = [], [], []
    for state in states:
        if state.is_settled:
            continue
        inst = state.instalment
        replaced.append(_row_words(inst))
        if any(v.is_positive() for v in state.paid.values()):
            trimmed.append(_paid_part(state))
        else:
            dropped.append(inst.seq)
    start = max((inst.seq for inst in account.schedule), default=0)
    added = [replace(line, seq=start + line.seq) for line in lines]
    uow.accounts.rewrite_schedule(account.id, trimmed, dropped, added)
    seqs = [line.seq for line in added]
    return {"replaced": replaced, "trimmed_to_paid": [i.seq for i in trimmed], "new_seqs": seqs}


def _paid_part(state: InstalmentState) -> Instalment:
    """The instalment cut down to what was paid of it."""
    inst = state.instalment
    paid = state.paid
    return Instalment(
        inst.seq,
        inst.due_on,
        paid[Component.PRINCIPAL],
        paid[Component.INTEREST],
        paid[Component.FEE],
    )


def _row_words(inst: Instalment) -> list[Any]:
    parts = (inst.principal.cents, inst.interest.cents, inst.fee.cents)
    return [inst.seq, inst.due_on.isoformat(), *parts]


def list_plans(
    uow: UnitOfWork, account_id: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    """Plans, newest proposal first, as plain dicts (for the CLI and the console)."""
    with uow:
        return [asdict(p) for p in uow.plans.find(account_id, status)]
