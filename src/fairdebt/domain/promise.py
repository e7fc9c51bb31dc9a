"""Promises to pay (承诺还款): an amount by a date through a channel, and whether it was kept.

A promise is judged at an `as_of` from the payments received on its account:
- kept: payments from the day it was made to its due date plus the grace days add up to the
  amount (a promise is kept as soon as that is true, even before the due date);
- partly kept: the grace has run out and some, but not all, of the amount came in;
- broken: the grace has run out and nothing came in;
- open: still inside the due date plus grace, and not yet paid in full.

Any official channel counts, not only the one promised: the debt is paid either way. A payment
counts towards one promise only; promises are served in due-date order, so one payment cannot
keep two promises.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from fairdebt.domain.errors import DomainError
from fairdebt.domain.loan import Payment
from fairdebt.domain.money import Money


class PromiseStatus(StrEnum):
    OPEN = "open"
    KEPT = "kept"
    PARTLY_KEPT = "partly_kept"
    BROKEN = "broken"


@dataclass(frozen=True, slots=True)
class Promise:
    id: str
    account_id: str
    made_on: date
    due_on: date
    amount: Money
    channel: str

    def __post_init__(self) -> None:
        if not self.amount.is_positive():
            raise DomainError(f"promise {self.id}: the amount must be positive, got {self.amount}")
        if self.due_on < self.made_on:
            raise DomainError(f"promise {self.id}: due {self.due_on} before it was made")
        if not self.channel:
            raise DomainError(f"promise {self.id}: say through which official channel")

    def deadline(self, grace_days: int) -> date:
        """The last day a payment still counts."""
        return self.due_on + timedelta(days=grace_days)


@dataclass(frozen=True, slots=True)
class PromiseOutcome:
    promise: Promise
    status: PromiseStatus
    paid: Money  # what counted towards this promise, at most its amount

    @property
    def is_decided(self) -> bool:
        return self.status is not PromiseStatus.OPEN


def evaluate_promises(
    promises: Iterable[Promise], payments: Iterable[Payment], as_of: date, grace_days: int
) -> tuple[PromiseOutcome, ...]:
    """The state of every promise (of one account or many) at the end of `as_of`."""
    if grace_days < 0:
        raise DomainError(f"grace days cannot be negative, got {grace_days}")
    pool = _Pool([p for p in payments if p.paid_on <= as_of])
    ordered = sorted(promises, key=lambda p: (p.due_on, p.made_on, p.id))
    return tuple(_judge(p, pool.take(p, grace_days), as_of, grace_days) for p in ordered)


def _judge(promise: Promise, paid: Money, as_of: date, grace_days: int) -> PromiseOutcome:
    if paid >= promise.amount:
        status = PromiseStatus.KEPT
    elif as_of <= promise.deadline(grace_days):
        status = PromiseStatus.OPEN
    elif paid.is_positive():
        status = PromiseStatus.PARTLY_KEPT
    else:
        status = PromiseStatus.BROKEN
    return PromiseOutcome(promise, status, paid)


class _Pool:
    """What is left of each payment after earlier promises took their share."""

    def __init__(self, payments: Sequence[Payment]) -> None:
        self.payments = sorted(payments, key=lambda p: (p.paid_on, p.id))
        self.left: dict[str, Decimal] = {p.id: p.amount.amount for p in self.payments}

    def take(self, promise: Promise, grace_days: int) -> Money:
        wanted, got = promise.amount.amount, Decimal(0)
        deadline = promise.deadline(grace_days)
        for payment in self.payments:
            if payment.account_id != promise.account_id:
                continue
            if not promise.made_on <= payment.paid_on <= deadline or got >= wanted:
                continue
            share = min(self.left[payment.id], wanted - got)
            self.left[payment.id] -= share
            got += share
        return Money(got, promise.amount.currency)
