"""Use cases: record a payment, reverse one; and the account reads the repayment services share.

A payment is recorded only through an official channel with the channel's reference
(domain/payment_channel.py); the event says how the configured allocation order spread it over
the instalments. A payment that leaves something owed is a partial payment: the debtor's
acknowledgment of the debt (CN-LIM-SX14), recorded as a `debtor_ack` event.

A reversal is never an edit: it is a new `payments` row with the negative amount, dated the day
of the reversal, linked to the original by `payment_reversals` — so every sum over payments (the
SQL snapshot, the strategy run) nets it out, and the account's state before the reversal date
stays as it was then known. Every change refreshes the account's delinquency snapshot.

Functions take a Connection inside the caller's transaction: all of a use case, or none of it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.engine import Connection

from fairdebt.adapters.db.repayment_tables import payment_reversals
from fairdebt.adapters.db.repositories import SqlEventLog
from fairdebt.adapters.db.tables import account_status, accounts, cases, instalments, payments
from fairdebt.domain.delinquency import Allocation, allocate, bucket_of, delinquency_at
from fairdebt.domain.errors import DomainError
from fairdebt.domain.events import NewEvent
from fairdebt.domain.loan import Account, Component, Instalment, LenderType, Payment, Product
from fairdebt.domain.money import Money
from fairdebt.domain.payment_channel import official_payment
from fairdebt.errors import FairdebtError
from fairdebt.legal.limitation import AckKind
from fairdebt.services.acknowledgment import acknowledgment

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


def instalments_of(rows: Iterable[Any], currency: str) -> tuple[Instalment, ...]:
    """Schedule rows (of the lender's schedule or of a plan) as domain instalments."""
    return tuple(
        Instalment(
            r.seq,
            r.due_on,
            Money.from_cents(r.principal_cents, currency),
            Money.from_cents(r.interest_cents, currency),
            Money.from_cents(r.fee_cents, currency),
        )
        for r in rows
    )


def load_account(conn: Connection, account_id: str) -> Account:
    row = conn.execute(select(accounts).where(accounts.c.id == account_id)).first()
    if row is None:
        raise RepaymentError(f"no account {account_id!r}", hint="check the id (fairdebt import)")
    rows = conn.execute(select(instalments).where(instalments.c.account_id == account_id))
    c = row.currency
    schedule = instalments_of(rows, c)
    return Account(
        id=row.id,
        borrower_id=row.borrower_id,
        product=Product(row.product),
        lender=row.lender,
        lender_type=LenderType(row.lender_type),
        principal=Money.from_cents(row.principal_cents, c),
        interest_rate=Decimal(row.interest_rate),
        disbursed_on=row.disbursed_on,
        schedule=schedule,
        penalty_rate=Decimal(row.penalty_rate),
        fee_rate=Decimal(row.fee_rate),
        contract_date=row.contract_date,
    )


def case_of(conn: Connection, borrower_id: str) -> str:
    case_id = conn.execute(select(cases.c.id).where(cases.c.borrower_id == borrower_id)).scalar()
    if case_id is None:
        raise RepaymentError(
            f"borrower {borrower_id!r} has no case", hint="importing a portfolio opens one"
        )
    return str(case_id)


def payments_seen(conn: Connection, account_id: str, as_of: date) -> list[Payment]:
    """The payments on the account by `as_of`, less those reversed by then (and the reversals)."""
    return payments_seen_many(conn, [account_id], as_of).get(account_id, [])


CHUNK = 1000  # accounts per query: well under every driver's bound-parameter limit


def payments_seen_many(
    conn: Connection, account_ids: Sequence[str], as_of: date
) -> dict[str, list[Payment]]:
    """`payments_seen` for many accounts, a chunk of accounts per query (the daily runs)."""
    rev = payments.alias("rev")
    found: dict[str, list[Payment]] = {}
    for start in range(0, len(account_ids), CHUNK):
        chunk = list(account_ids[start : start + CHUNK])
        query = (
            select(payments, accounts.c.currency)
            .join(accounts, accounts.c.id == payments.c.account_id)
            .outerjoin(payment_reversals, payment_reversals.c.payment_id == payments.c.id)
            .outerjoin(rev, rev.c.id == payment_reversals.c.reversal_id)
            .where(
                payments.c.account_id.in_(chunk),
                payments.c.amount_cents > 0,
                payments.c.paid_on <= as_of,
                or_(rev.c.id.is_(None), rev.c.paid_on > as_of),
            )
        )
        for r in conn.execute(query):
            amount = Money.from_cents(r.amount_cents, r.currency)
            payment = Payment(r.id, r.account_id, r.paid_on, amount, r.channel)
            found.setdefault(r.account_id, []).append(payment)
    return found


def refresh_account(conn: Connection, account: Account, as_of: date, order: Order) -> int:
    """Recompute one account's snapshot row and its case's summary; return the account's DPD.

    The same definition as adapters/db/snapshot.py (tested equal there), for one account."""
    seen = payments_seen(conn, account.id, as_of)
    state = delinquency_at(account, seen, as_of, order)
    paid = sum(p.amount.cents for p in seen)
    conn.execute(delete(account_status).where(account_status.c.account_id == account.id))
    conn.execute(
        insert(account_status).values(
            account_id=account.id,
            as_of=as_of,
            dpd=state.dpd,
            bucket=bucket_of(state.dpd),
            overdue_cents=state.overdue.cents,
            outstanding_cents=state.outstanding.cents,
            paid_cents=paid,
        )
    )
    _refresh_case(conn, account.borrower_id, as_of)
    return state.dpd


def _refresh_case(conn: Connection, borrower_id: str, as_of: date) -> None:
    s, a = account_status, accounts
    totals = conn.execute(
        select(s.c.dpd, s.c.overdue_cents, s.c.outstanding_cents)
        .join(a, a.c.id == s.c.account_id)
        .where(a.c.borrower_id == borrower_id)
    ).all()
    dpd = max((r.dpd for r in totals), default=0)
    conn.execute(
        update(cases)
        .where(cases.c.borrower_id == borrower_id)
        .values(
            dpd=dpd,
            bucket=bucket_of(dpd),
            overdue_cents=sum(r.overdue_cents for r in totals),
            outstanding_cents=sum(r.outstanding_cents for r in totals),
            status_as_of=as_of,
        )
    )


def _allocation_change(before: Allocation, after: Allocation) -> dict[str, Any]:
    """Cents per component per instalment that the new payment moved (and what is left over)."""
    moved: dict[str, Any] = {}
    for old, new in zip(before.states, after.states, strict=True):
        parts = {c.value: (new.paid[c] - old.paid[c]).cents for c in new.paid}
        if any(parts.values()):
            moved[str(new.instalment.seq)] = parts
    return {"instalments": moved, "unapplied_cents": (after.unapplied - before.unapplied).cents}


def record_payment(
    conn: Connection, payment: Payment, actor: str, now: datetime, as_of: date, order: Order
) -> RecordedPayment:
    """Record an official payment (build it with domain.payment_channel.official_payment)."""
    account = load_account(conn, payment.account_id)
    _check_new(conn, payment, account, as_of)
    earlier = payments_seen(conn, account.id, as_of)
    before = allocate(account.schedule, earlier, order, account.currency)
    after = allocate(account.schedule, [*earlier, payment], order, account.currency)
    conn.execute(
        insert(payments).values(
            id=payment.id,
            account_id=account.id,
            paid_on=payment.paid_on,
            amount_cents=payment.amount.cents,
            channel=payment.channel,
            channel_ref=payment.channel_ref,
        )
    )
    until_then = [*payments_seen(conn, account.id, payment.paid_on)]
    left = delinquency_at(account, until_then, payment.paid_on, order).outstanding
    allocation = _allocation_change(before, after)
    case_id = case_of(conn, account.borrower_id)
    events = [NewEvent("payment_recorded", actor, _payment_data(payment, allocation))]
    if left.is_positive():  # a partial payment acknowledges the rest of the debt (SX14)
        ack = acknowledgment(
            AckKind.PARTIAL_PAYMENT, payment.paid_on, actor, account=account.id, payment=payment.id
        )
        events.append(ack)
    SqlEventLog(conn).append_many([(case_id, e) for e in events], now)
    refresh_account(conn, account, as_of, order)
    return RecordedPayment(payment, case_id, allocation, left, left.is_positive())


def _check_new(conn: Connection, payment: Payment, account: Account, as_of: date) -> None:
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
    exists = conn.execute(select(payments.c.id).where(payments.c.id == payment.id)).first()
    if exists:
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
    conn: Connection,
    payment_id: str,
    reversed_on: date,
    reason: str,
    actor: str,
    now: datetime,
    as_of: date,
    order: Order,
) -> str:
    """Reverse a payment with a new, negative payment row; return the reversal's id."""
    original = conn.execute(select(payments).where(payments.c.id == payment_id)).first()
    if original is None or original.amount_cents <= 0:
        raise RepaymentError(f"no payment {payment_id!r} to reverse", hint="check the id")
    if not reason.strip():
        raise RepaymentError("a reversal needs a reason", hint="e.g. 'bounced', 'paid twice'")
    _check_reversible(conn, original, reversed_on, as_of)
    reversal = _insert_reversal(conn, original, reversed_on, reason.strip(), actor)
    account = load_account(conn, original.account_id)
    data = {
        "payment": payment_id,
        "reversal": reversal,
        "account": account.id,
        "on": reversed_on.isoformat(),
        "amount_cents": original.amount_cents,
        "reason": reason.strip(),
    }
    case_id = case_of(conn, account.borrower_id)
    SqlEventLog(conn).append(case_id, NewEvent("payment_reversed", actor, data), now)
    refresh_account(conn, account, as_of, order)
    return reversal


def _insert_reversal(
    conn: Connection, original: Any, reversed_on: date, reason: str, actor: str
) -> str:
    reversal = reversal_id_for(original.id)
    conn.execute(
        insert(payments).values(
            id=reversal,
            account_id=original.account_id,
            paid_on=reversed_on,
            amount_cents=-original.amount_cents,
            channel=original.channel,
            channel_ref=f"reversal of {original.channel_ref or original.id}",
        )
    )
    conn.execute(
        insert(payment_reversals).values(
            reversal_id=reversal,
            payment_id=original.id,
            reversed_on=reversed_on,
            reason=reason,
            recorded_by=actor,
        )
    )
    return reversal


def _check_reversible(conn: Connection, original: Any, reversed_on: date, as_of: date) -> None:
    done = conn.execute(
        select(payment_reversals.c.reversal_id).where(payment_reversals.c.payment_id == original.id)
    ).first()
    if done:
        raise RepaymentError(f"payment {original.id!r} is already reversed")
    if reversed_on < original.paid_on:
        raise RepaymentError(
            f"reversal date {reversed_on} is before the payment's date {original.paid_on}"
        )
    if reversed_on > as_of:
        raise RepaymentError(f"reversal date {reversed_on} is after {as_of}")
