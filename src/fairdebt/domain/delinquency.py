"""Delinquency at a date: payment allocation, days past due (DPD) and the overdue amount.

Payments are applied in date order to the oldest unpaid instalment first; inside an instalment
the components are paid in the configured order (fees -> interest -> principal by default).
Money paid beyond the whole schedule is kept as `unapplied`, never lost: the sum of what was
allocated and what is unapplied always equals what was paid.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from fairdebt.domain.errors import DomainError
from fairdebt.domain.loan import (
    DEFAULT_ALLOCATION_ORDER,
    Account,
    Component,
    Instalment,
    Payment,
)
from fairdebt.domain.money import Money


@dataclass(frozen=True, slots=True)
class InstalmentState:
    """An instalment and how much of each component has been paid."""

    instalment: Instalment
    paid: dict[Component, Money]

    def outstanding(self, which: Component) -> Money:
        return self.instalment.component(which) - self.paid[which]

    @property
    def outstanding_total(self) -> Money:
        return self.instalment.total - sum(self.paid.values(), Money.zero(self.currency))

    @property
    def currency(self) -> str:
        return self.instalment.principal.currency

    @property
    def is_settled(self) -> bool:
        return self.outstanding_total.is_zero()


@dataclass(frozen=True, slots=True)
class Allocation:
    states: tuple[InstalmentState, ...]
    unapplied: Money

    @property
    def allocated(self) -> Money:
        currency = self.unapplied.currency
        return sum(
            (sum(s.paid.values(), Money.zero(currency)) for s in self.states),
            Money.zero(currency),
        )


@dataclass(frozen=True, slots=True)
class Delinquency:
    """The account seen at `as_of`."""

    as_of: date
    dpd: int
    overdue: Money
    outstanding: Money
    oldest_unpaid_due_on: date | None
    unapplied: Money

    @property
    def is_delinquent(self) -> bool:
        return self.dpd > 0


def validate_order(order: Sequence[Component]) -> tuple[Component, ...]:
    if sorted(order) != sorted(DEFAULT_ALLOCATION_ORDER):
        raise DomainError(f"allocation order must name each component once, got {list(order)}")
    return tuple(order)


def allocate(
    schedule: Iterable[Instalment],
    payments: Iterable[Payment],
    order: Sequence[Component] = DEFAULT_ALLOCATION_ORDER,
    currency: str = "CNY",
) -> Allocation:
    """Apply every payment, oldest first, to the oldest unpaid instalment."""
    order = validate_order(order)
    ordered = sorted(schedule, key=lambda i: (i.due_on, i.seq))
    paid = [{c: Money.zero(currency) for c in order} for _ in ordered]
    unapplied = Money.zero(currency)
    for payment in sorted(payments, key=lambda p: (p.paid_on, p.id)):
        left = payment.amount
        for inst, done in zip(ordered, paid, strict=True):
            for which in order:
                if left.is_zero():
                    break
                take = left.min(inst.component(which) - done[which])
                done[which] = done[which] + take
                left = left - take
        unapplied = unapplied + left
    states = tuple(InstalmentState(i, p) for i, p in zip(ordered, paid, strict=True))
    return Allocation(states, unapplied)


def delinquency_at(
    account: Account,
    payments: Iterable[Payment],
    as_of: date,
    order: Sequence[Component] = DEFAULT_ALLOCATION_ORDER,
) -> Delinquency:
    """DPD and overdue amount of `account` at the end of `as_of`.

    An instalment due on `as_of` is not yet overdue; the day after, it is 1 day past due.
    Payments made after `as_of` are not seen.
    """
    seen = [p for p in payments if p.paid_on <= as_of and p.account_id == account.id]
    allocation = allocate(account.schedule, seen, order, account.currency)
    zero = Money.zero(account.currency)
    late = [s for s in allocation.states if s.instalment.due_on < as_of and not s.is_settled]
    oldest = min((s.instalment.due_on for s in late), default=None)
    return Delinquency(
        as_of=as_of,
        dpd=(as_of - oldest).days if oldest else 0,
        overdue=sum((s.outstanding_total for s in late), zero),
        outstanding=sum((s.outstanding_total for s in allocation.states), zero),
        oldest_unpaid_due_on=oldest,
        unapplied=allocation.unapplied,
    )


BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("M0", 0, 0),
    ("M1", 1, 30),
    ("M2", 31, 60),
    ("M3", 61, 90),
    ("M4", 91, 120),
    ("M5", 121, 150),
    ("M6", 151, 180),
    ("M7+", 181, None),
)
"""Delinquency buckets by DPD (M1 = 1–30 days past due, … M7+ over 180)."""


def bucket_of(dpd: int, buckets: tuple[tuple[str, int, int | None], ...] = BUCKETS) -> str:
    for name, low, high in buckets:
        if dpd >= low and (high is None or dpd <= high):
            return name
    raise DomainError(f"no bucket holds {dpd} days past due")
