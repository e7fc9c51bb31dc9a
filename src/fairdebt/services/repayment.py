"""Use cases: propose a repayment plan, approve or reject it; an accepted plan is the schedule.

propose -> the policy decides: auto-approved (accepted at once), pending approval by a named
role, or refused. approve (by that role or a higher one) -> accepted. Every step is an event on
the case: `plan_proposed`, `plan_approved`, `plan_rejected`, `plan_accepted`, and with
acceptance the debtor's acknowledgment (`debtor_ack`, kind repayment_plan, or
extension_request for an extension: CN-LIM-SX14).

Accepting replaces the account's schedule from that day on: instalments already paid stay as
they are, a partly paid one keeps exactly what was paid of it, every unpaid one is replaced by
the plan's lines (numbered after every seq the account ever used, so the lender's numbers are
never reused). The replaced rows are kept in the `plan_accepted` event. The account's snapshot
is refreshed, so DPD follows the plan. A plan whose basis changed since it was proposed (a
payment came in, another plan was accepted) is refused: propose again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection, Row

from fairdebt.adapters.db.repayment_tables import repayment_plan_lines, repayment_plans
from fairdebt.adapters.db.repositories import SqlEventLog
from fairdebt.adapters.db.tables import instalments
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
    instalments_of,
    load_account,
    payments_seen,
    refresh_account,
)
from fairdebt.services.plan_policy import AUTO_ACTOR

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


def _states(conn: Connection, account: Account, on: date, order: Order) -> list[InstalmentState]:
    seen = payments_seen(conn, account.id, on)
    return list(allocate(account.schedule, seen, order, account.currency).states)


def owed_on(conn: Connection, account_id: str, on: date, order: Order) -> Owed:
    """What is still owed on the account on `on`, by component (a plan's basis)."""
    account = load_account(conn, account_id)
    states = _states(conn, account, on, order)
    return Owed.of_lines([_remainder(s) for s in states if not s.is_settled], account.currency)


def build_for_account(
    conn: Connection, account: Account, terms: PlanTerms, on: date, order: Order
) -> Plan:
    """The plan `terms` would give the account on `on`; a readable error if it cannot be built."""
    return _build(account.id, terms, on, _states(conn, account, on, order))


def _build(account_id: str, terms: PlanTerms, start: date, states: list[InstalmentState]) -> Plan:
    unpaid = [_remainder(s) for s in states if not s.is_settled]
    try:
        return build_plan(terms, start, unpaid)
    except DomainError as exc:
        raise RepaymentError(f"plan for account {account_id}: {exc}", hint=_HINT) from None


_HINT = "see docs/repayment.md for the plan kinds and their fields"


def propose_plan(
    conn: Connection,
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
    account = load_account(conn, account_id)
    plan = build_for_account(conn, account, terms, on, order)
    decision = evaluate(policy, Proposal.of(plan))
    record = PlanRecord(
        id=plan_id or f"PL-{uuid.uuid4().hex[:16]}",
        account_id=account.id,
        case_id=case_of(conn, account.borrower_id),
        status=STATUS_OF.get(decision.outcome, REFUSED),
        decision=decision,
        plan=plan,
    )
    _insert(conn, record, actor)
    log = SqlEventLog(conn)
    log.append(record.case_id, NewEvent("plan_proposed", actor, _proposed_data(record)), now)
    if decision.outcome is Outcome.AUTO_APPROVED:
        approved = {"plan": record.id, "role": None, "policy_version": policy.version}
        log.append(record.case_id, NewEvent("plan_approved", AUTO_ACTOR, approved), now)
        _accept(conn, record.id, on, actor, now, order)
    return record


def _insert(conn: Connection, record: PlanRecord, actor: str) -> None:
    plan, terms = record.plan, record.plan.terms
    conn.execute(
        insert(repayment_plans).values(
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
    )
    conn.execute(insert(repayment_plan_lines), [_line_row(record.id, i) for i in plan.lines])


def _cents(amount: Any) -> int:
    return Money(amount).cents


def _line_row(plan_id: str, line: Instalment) -> dict[str, Any]:
    return {
        "plan_id": plan_id,
        "seq": line.seq,
        "due_on": line.due_on,
        "principal_cents": line.principal.cents,
        "interest_cents": line.interest.cents,
        "fee_cents": line.fee.cents,
    }


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


def _plan_row(conn: Connection, plan_id: str) -> Row[Any]:
    row = conn.execute(select(repayment_plans).where(repayment_plans.c.id == plan_id)).first()
    if row is None:
        raise RepaymentError(f"no plan {plan_id!r}", hint="fairdebt plans list")
    return row


def _pending(conn: Connection, plan_id: str) -> Row[Any]:
    row = _plan_row(conn, plan_id)
    if row.status != PENDING:
        raise RepaymentError(f"plan {plan_id} is {row.status}, not pending approval")
    return row


def approve_plan(
    conn: Connection,
    plan_id: str,
    role: str,
    actor: str,
    on: date,
    policy: PlanPolicy,
    now: datetime,
    order: Order,
) -> None:
    """Approve a pending plan as `role` (the role the policy named, or a higher tier's)."""
    row = _pending(conn, plan_id)
    allowed = policy.roles_at_or_above(row.approver_role)
    if role not in allowed:
        raise RepaymentError(
            f"plan {plan_id} needs approval by {row.approver_role}; {role} may not approve it",
            hint=f"roles that may: {', '.join(allowed) or 'none (policy changed?)'}",
        )
    data = {"plan": plan_id, "role": role, "policy_version": policy.version}
    SqlEventLog(conn).append(row.case_id, NewEvent("plan_approved", actor, data), now)
    conn.execute(
        update(repayment_plans).where(repayment_plans.c.id == plan_id).values(decided_by=actor)
    )
    _accept(conn, plan_id, on, actor, now, order)


def reject_plan(conn: Connection, plan_id: str, actor: str, reason: str, now: datetime) -> None:
    row = _pending(conn, plan_id)
    conn.execute(
        update(repayment_plans)
        .where(repayment_plans.c.id == plan_id)
        .values(status=REJECTED, decided_by=actor)
    )
    data = {"plan": plan_id, "reason": reason}
    SqlEventLog(conn).append(row.case_id, NewEvent("plan_rejected", actor, data), now)


def terms_of(row: Row[Any]) -> PlanTerms:
    return PlanTerms(
        kind=PlanKind(row.kind),
        first_due=row.first_due,
        count=row._mapping["count"],  # Row.count is the tuple method
        every_months=row.every_months,
        shift_months=row.shift_months,
        waive_interest=Money.from_cents(row.waive_interest_cents).amount,
        waive_fee=Money.from_cents(row.waive_fee_cents).amount,
        discount=Money.from_cents(row.discount_cents).amount,
        hardship=bool(row.hardship),
    )


def _stored_lines(conn: Connection, plan_id: str, currency: str) -> tuple[Instalment, ...]:
    rows = conn.execute(
        select(repayment_plan_lines)
        .where(repayment_plan_lines.c.plan_id == plan_id)
        .order_by(repayment_plan_lines.c.seq)
    )
    return instalments_of(rows, currency)


def _accept(
    conn: Connection, plan_id: str, on: date, actor: str, now: datetime, order: Order
) -> None:
    row = _plan_row(conn, plan_id)
    account = load_account(conn, row.account_id)
    lines = _stored_lines(conn, plan_id, row.currency)
    if on < row.proposed_on:
        raise RepaymentError(f"plan {plan_id} was proposed on {row.proposed_on}, after {on}")
    states = _states(conn, account, on, order)
    # what is owed on the day of acceptance must be what the plan was built on
    rebuilt = _build(account.id, terms_of(row), row.proposed_on, states)
    if rebuilt.lines != lines:
        raise RepaymentError(
            f"account {account.id} changed since plan {plan_id} was proposed on {row.proposed_on}",
            hint="a payment or another plan changed what is owed: propose the plan again",
        )
    replaced = _replace_schedule(conn, account, states, lines)
    _supersede(conn, account.id, plan_id)
    conn.execute(
        update(repayment_plans)
        .where(repayment_plans.c.id == plan_id)
        .values(status=ACCEPTED, accepted_on=on)
    )
    kind = AckKind.EXTENSION_REQUEST if row.kind == PlanKind.EXTENSION else AckKind.REPAYMENT_PLAN
    accepted = {"plan": plan_id, "account": account.id, "on": on.isoformat(), **replaced}
    events = [
        NewEvent("plan_accepted", actor, accepted),
        acknowledgment(kind, on, actor, account=account.id, plan=plan_id),
    ]
    SqlEventLog(conn).append_many([(row.case_id, e) for e in events], now)
    refresh_account(conn, load_account(conn, account.id), on, order)


def _replace_schedule(
    conn: Connection,
    account: Account,
    states: list[InstalmentState],
    lines: tuple[Instalment, ...],
) -> dict[str, Any]:
    """Delete the unpaid rows, trim the partly paid one to what was paid, add the plan's."""
    i = instalments.c
    replaced, trimmed = [], []
    for state in states:
        if state.is_settled:
            continue
        inst = state.instalment
        replaced.append(_row_words(inst))
        where = (i.account_id == account.id) & (i.seq == inst.seq)
        if any(v.is_positive() for v in state.paid.values()):
            paid = {c.value + "_cents": state.paid[c].cents for c in Component}
            conn.execute(update(instalments).where(where).values(**paid))
            trimmed.append(inst.seq)
        else:
            conn.execute(delete(instalments).where(where))
    start = max((inst.seq for inst in account.schedule), default=0)
    new_rows = [
        {**_line_row("", line), "account_id": account.id, "seq": start + line.seq} for line in lines
    ]
    for row in new_rows:
        del row["plan_id"]
    conn.execute(insert(instalments), new_rows)
    seqs = [r["seq"] for r in new_rows]
    return {"replaced": replaced, "trimmed_to_paid": trimmed, "new_seqs": seqs}


def _row_words(inst: Instalment) -> list[Any]:
    parts = (inst.principal.cents, inst.interest.cents, inst.fee.cents)
    return [inst.seq, inst.due_on.isoformat(), *parts]


def _supersede(conn: Connection, account_id: str, plan_id: str) -> None:
    p = repayment_plans.c
    conn.execute(
        update(repayment_plans)
        .where(p.account_id == account_id, p.status == ACCEPTED, p.id != plan_id)
        .values(status=SUPERSEDED)
    )


def list_plans(
    conn: Connection, account_id: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    """Plans, newest proposal first, as plain dicts (for the CLI and the console)."""
    query = select(repayment_plans).order_by(
        repayment_plans.c.proposed_on.desc(), repayment_plans.c.id
    )
    if account_id:
        query = query.where(repayment_plans.c.account_id == account_id)
    if status:
        query = query.where(repayment_plans.c.status == status)
    return [dict(r._mapping) for r in conn.execute(query)]
