"""Use cases: record a payment, reverse one; and the account reads the repayment services share.

A payment is recorded only through an official channel with the channel's reference
(domain/payment_channel.py); the event says how the configured allocation order spread it over
the instalments. A payment that leaves something owed is a partial payment: the debtor's
acknowledgment of the debt (《最高人民法院关于审理民事案件适用诉讼时效制度若干问题的规定》
第十四条, CN-LIM-SX14), recorded as a `debtor_ack` event.

A reversal is never an edit: it is a new `payments` row with the negative amount, dated the day
of the reversal, linked to the original by `payment_reversals` — so every sum over payments (the
SQL snapshot, the strategy run) nets it out, and the account's state before the reversal date
stays as it was then known. Every change refreshes the account's delinquency snapshot.

Functions take a unit of work and open it themselves; called inside a caller's `with uow:` they
join its transaction: all of a use case, or none of it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fairdebt.domain.delinquency import Allocation, allocate, bucket_of, delinquency_at
from fairdebt.domain.errors import DomainError
from fairdebt.domain.events import NewEvent
from fairdebt.domain.loan import Account, Component, Payment
from fairdebt.domain.money import Money
from fairdebt.domain.payment_channel import official_payment
from fairdebt.errors import FairdebtError
from fairdebt.legal.limitation import AckKind
from fairdebt.services.acknowledgment import acknowledgment
from fairdebt.services.ports import UnitOfWork
from fairdebt.services.ports.repayment import AccountStatus, CaseSummary, StoredPayment

Order = Sequence[Component]
OFFICIAL_HINT = (
    "record payments that came through an official channel (the lender's account, a payment "
    "link, the lender's app, an auto-debit) with the channel's transaction reference"
)


class RepaymentError(FairdebtError):
    """A payment, plan or promise that cannot be recorded as asked."""


@dataclass(frozen=True, slots=True)
class RecordedPayment:
    payment: Payment
    case_id: str
    allocation: dict[str, Any]  # what the event says: per instalment seq, cents per component
    outstanding_after: Money
    acknowledged: bool


def load_account(uow: UnitOfWork, account_id: str) -> Account:
    with uow:
        account = uow.accounts.get(account_id)
    if account is None:
        raise RepaymentError(f"no account {account_id!r}", hint="check the id (fairdebt import)")
    return account


def case_of(uow: UnitOfWork, borrower_id: str) -> str:
    with uow:
        case_id = uow.accounts.case_of_borrower(borrower_id)
    if case_id is None:
        raise RepaymentError(
            f"borrower {borrower_id!r} has no case", hint="importing a portfolio opens one"
        )
    return case_id


def payments_seen(uow: UnitOfWork, account_id: str, as_of: date) -> list[Payment]:
    """The payments on the account by `as_of`, less those reversed by then (and the reversals)."""
    return payments_seen_many(uow, [account_id], as_of).get(account_id, [])


def payments_seen_many(
    uow: UnitOfWork, account_ids: Sequence[str], as_of: date
) -> dict[str, list[Payment]]:
    """`payments_seen` for many accounts, a batch of accounts per query (the daily runs)."""
    with uow:
        return uow.payments.seen(account_ids, as_of)


def refresh_account(uow: UnitOfWork, account: Account, as_of: date, order: Order) -> int:
    """Recompute one account's snapshot row and its case's summary; return the account's DPD.

    The same definition as the SQL snapshot of the whole portfolio (tested equal), for one
    account."""
    with uow:
        seen = payments_seen(uow, account.id, as_of)
        state = delinquency_at(account, seen, as_of, order)
        status = AccountStatus(
            account_id=account.id,
            as_of=as_of,
            dpd=state.dpd,
            bucket=bucket_of(state.dpd),
            overdue_cents=state.overdue.cents,
            outstanding_cents=state.outstanding.cents,
            paid_cents=sum(p.amount.cents for p in seen),
        )
        uow.account_status.put(status)
        _refresh_case(uow, account.borrower_id, as_of)
        uow.commit()
    return state.dpd


def _refresh_case(uow: UnitOfWork, borrower_id: str, as_of: date) -> None:
    totals = uow.account_status.of_borrower(borrower_id)
    dpd = max((s.dpd for s in totals), default=0)
    summary = CaseSummary(
        dpd=dpd,
        bucket=bucket_of(dpd),
        overdue_cents=sum(s.overdue_cents for s in totals),
        outstanding_cents=sum(s.outstanding_cents for s in totals),
        as_of=as_of,
    )
    uow.account_status.summarise_case(borrower_id, summary)


def _allocation_change(before: Allocation, after: Allocation) -> dict[str, Any]:
    """Cents per component per instalment that the new payment moved (and what is left over)."""
    moved: dict[str, Any] = {}
    for old, new in zip(before.states, after.states, strict=True):
        parts = {c.value: (new.paid[c] - old.paid[c]).cents for c in new.paid}
        if any(parts.values()):
            moved[str(new.instalment.seq)] = parts
    return {"instalments": moved, "unapplied_cents": (after.unapplied - before.unapplied).cents}


def record_payment(
    uow: UnitOfWork, payment: Payment, actor: str, now: datetime, as_of: date, order: Order
) -> RecordedPayment:
    """Record an official payment (build it with domain.payment_channel.official_payment)."""
    with uow:
        account = load_account(uow, payment.account_id)
        _check_new(uow, payment, account, as_of)
        earlier = payments_seen(uow, account.id, as_of)
        before = allocate(account.schedule, earlier, order, account.currency)
        after = allocate(account.schedule, [*earlier, payment], order, account.currency)
        uow.payments.add(payment)
        until_then = payments_seen(uow, account.id, payment.paid_on)
        left = delinquency_at(account, until_then, payment.paid_on, order).outstanding
        allocation = _allocation_change(before, after)
        case_id = case_of(uow, account.borrower_id)
        events = [NewEvent("payment_recorded", actor, _payment_data(payment, allocation))]
        if left.is_positive():  # a partial payment acknowledges the rest of the debt (SX14)
            ack = acknowledgment(
                AckKind.PARTIAL_PAYMENT,
                payment.paid_on,
                actor,
                account=account.id,
                payment=payment.id,
            )
            events.append(ack)
        uow.events.append_many([(case_id, e) for e in events], now)
        refresh_account(uow, account, as_of, order)
        uow.commit()
    return RecordedPayment(payment, case_id, allocation, left, left.is_positive())


def _check_new(uow: UnitOfWork, payment: Payment, account: Account, as_of: date) -> None:
    try:  # the domain rule again: a Payment built by hand must not slip past it
        official_payment(
            payment.id,
            payment.account_id,
            payment.paid_on,
            payment.amount,
            payment.channel,
            payment.channel_ref,
        )
    except DomainError as exc:
        raise RepaymentError(str(exc), hint=OFFICIAL_HINT) from None
    if payment.amount.currency != account.currency:
        raise RepaymentError(
            f"payment {payment.id} is in {payment.amount.currency}, account {account.id} in "
            f"{account.currency}",
            hint="record it in the account's currency",
        )
    if payment.paid_on > as_of:
        raise RepaymentError(f"payment {payment.id} is dated {payment.paid_on}, after {as_of}")
    if uow.payments.get(payment.id) is not None:
        raise RepaymentError(
            f"payment {payment.id!r} is already recorded",
            hint="a correction is a reversal plus a new payment, never an edit",
        )


def _payment_data(payment: Payment, allocation: dict[str, Any]) -> dict[str, Any]:
    return {
        "payment": payment.id,
        "account": payment.account_id,
        "paid_on": payment.paid_on.isoformat(),
        "amount_cents": payment.amount.cents,
        "channel": payment.channel,
        "channel_ref": payment.channel_ref,
        "allocation": allocation,
    }


def reversal_id_for(payment_id: str) -> str:
    return "rev-" + hashlib.sha256(payment_id.encode("utf-8")).hexdigest()[:40]


def reverse_payment(
    uow: UnitOfWork,
    payment_id: str,
    reversed_on: date,
    reason: str,
    actor: str,
    now: datetime,
    as_of: date,
    order: Order,
) -> str:
    """Reverse a payment with a new, negative payment row; return the reversal's id."""
    with uow:
        original = uow.payments.get(payment_id)
        if original is None or original.amount_cents <= 0:
            raise RepaymentError(f"no payment {payment_id!r} to reverse", hint="check the id")
        if not reason.strip():
            raise RepaymentError("a reversal needs a reason", hint="e.g. 'bounced', 'paid twice'")
        _check_reversible(uow, original, reversed_on, as_of)
        reversal = _add_reversal(uow, original, reversed_on, reason.strip(), actor)
        account = load_account(uow, original.account_id)
        data = {
            "payment": payment_id,
            "reversal": reversal,
            "account": account.id,
            "on": reversed_on.isoformat(),
            "amount_cents": original.amount_cents,
            "reason": reason.strip(),
        }
        case_id = case_of(uow, account.borrower_id)
        uow.events.append(case_id, NewEvent("payment_reversed", actor, data), now)
        refresh_account(uow, account, as_of, order)
        uow.commit()
    return reversal


def _add_reversal(
    uow: UnitOfWork, original: StoredPayment, reversed_on: date, reason: str, actor: str
) -> str:
    reversal = StoredPayment(
        id=reversal_id_for(original.id),
        account_id=original.account_id,
        paid_on=reversed_on,
        amount_cents=-original.amount_cents,
        channel=original.channel,
        channel_ref=f"reversal of {original.channel_ref or original.id}",
    )
    uow.payments.add_reversal(reversal, original.id, reason, actor)
    return reversal.id


def _check_reversible(
    uow: UnitOfWork, original: StoredPayment, reversed_on: date, as_of: date
) -> None:
    if uow.payments.reversal_of(original.id) is not None:
        raise RepaymentError(f"payment {original.id!r} is already reversed")
    if reversed_on < original.paid_on:
        raise RepaymentError(
            f"reversal date {reversed_on} is before the payment's date {original.paid_on}"
        )
    if reversed_on > as_of:
        raise RepaymentError(f"reversal date {reversed_on} is after {as_of}")
