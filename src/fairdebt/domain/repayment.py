"""Repayment plans (协商还款): the new schedule a debtor and the lender agree on.

Four kinds, each built from what is still owed — the unpaid remainder of every instalment, by
component (principal, interest, fee):
- instalment plan (分期): the owed amount, less any waiver, in `count` equal instalments;
- extension (展期): the unpaid instalments keep their amounts and move `shift_months` later;
- settlement (一次性结清): the owed amount less a lump-sum discount, in one (or a few) payments;
- waiver (减免): the unpaid instalments keep their dates, with interest and/or fees reduced.
Waivers may go with any kind; a discount only with a settlement.

Rounding (the one named rounding point): each component is split into equal whole cents,
rounded down, and the last instalment takes what is left, so the schedule sums to the agreed
total exactly and no instalment is negative. Waivers and discounts only ever take money away: a
plan never asks for more than was owed, component by component.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum

from fairdebt.domain.errors import DomainError
from fairdebt.domain.loan import Component, Instalment
from fairdebt.domain.money import CENT, Money

ZERO = Decimal(0)
# a discount is taken from fees first, then interest, principal last: forgive charges before debt
DISCOUNT_ORDER = (Component.FEE, Component.INTEREST, Component.PRINCIPAL)


class PlanKind(StrEnum):
    INSTALMENT = "instalment"  # 分期
    EXTENSION = "extension"  # 展期
    SETTLEMENT = "settlement"  # 一次性结清 (with a discount)
    WAIVER = "waiver"  # 减免


class PlanError(DomainError):
    """A proposed plan cannot be built as asked (the message lists every problem)."""


@dataclass(frozen=True, slots=True)
class Owed:
    """Amounts owed by component, in one currency."""

    principal: Money
    interest: Money
    fee: Money

    @classmethod
    def of_lines(cls, lines: Sequence[Instalment], currency: str) -> Owed:
        zero = Money.zero(currency)
        return cls(
            sum((i.principal for i in lines), zero),
            sum((i.interest for i in lines), zero),
            sum((i.fee for i in lines), zero),
        )

    def component(self, which: Component) -> Money:
        return {
            Component.PRINCIPAL: self.principal,
            Component.INTEREST: self.interest,
            Component.FEE: self.fee,
        }[which]

    @property
    def total(self) -> Money:
        return self.principal + self.interest + self.fee

    @property
    def currency(self) -> str:
        return self.principal.currency


@dataclass(frozen=True, slots=True)
class PlanTerms:
    """What is proposed. Amounts are in the account's currency, to the cent."""

    kind: PlanKind
    first_due: date
    count: int = 1
    every_months: int = 1
    shift_months: int = 0  # extension only
    waive_interest: Decimal = ZERO
    waive_fee: Decimal = ZERO
    discount: Decimal = ZERO  # settlement only
    hardship: bool = False  # the debtor cannot pay as agreed (CC-70: up to 5 years)


@dataclass(frozen=True, slots=True)
class Plan:
    """A built plan: its terms, the basis it was built on, and the new schedule."""

    terms: PlanTerms
    start_on: date
    owed: Owed
    lines: tuple[Instalment, ...]

    @property
    def agreed(self) -> Owed:
        return Owed.of_lines(self.lines, self.owed.currency)

    @property
    def total(self) -> Money:
        return self.agreed.total

    @property
    def forgiven(self) -> Money:
        """Waivers and discount together: what the lender gives up."""
        return self.owed.total - self.total

    @property
    def term_months(self) -> int:
        """Whole months from the start to the last due date, a started month counting as one."""
        return months_between(self.start_on, max(i.due_on for i in self.lines))


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def months_between(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return max(0, months + (1 if end.day > start.day else 0))


def split_evenly(amount: Decimal, parts: int) -> tuple[Decimal, ...]:
    """`amount` (whole cents) in `parts` equal cents rounded down; the last takes the rest."""
    base = (amount / parts).quantize(CENT, rounding=ROUND_DOWN)
    return (base,) * (parts - 1) + (amount - base * (parts - 1),)


def validate(terms: PlanTerms, start_on: date, owed: Owed) -> tuple[str, ...]:
    """Every reason the plan cannot be built; empty when it can."""
    problems = list(_amount_problems(terms, owed))
    spread = terms.kind in (PlanKind.INSTALMENT, PlanKind.SETTLEMENT)
    if terms.count < 1 or terms.every_months < 1:
        problems.append("count and every_months must be at least 1")
    if spread and terms.first_due < start_on:
        problems.append(f"first due date {terms.first_due} is before the start {start_on}")
    if (terms.kind is PlanKind.EXTENSION) != (terms.shift_months != 0):
        problems.append("an extension moves the due dates by shift_months >= 1; no other kind does")
    if terms.shift_months < 0:
        problems.append("shift_months cannot be negative")
    if terms.discount and terms.kind is not PlanKind.SETTLEMENT:
        problems.append("only a settlement has a lump-sum discount")
    if terms.kind is PlanKind.WAIVER and not (terms.waive_interest or terms.waive_fee):
        problems.append("a waiver plan must waive some interest or fees")
    left = owed.total.amount - terms.waive_interest - terms.waive_fee - terms.discount
    if not owed.total.is_positive():
        problems.append("nothing is owed on this account")
    elif left <= 0:
        problems.append("the plan leaves nothing to pay: that is a write-off, not a plan")
    return tuple(problems)


def _amount_problems(terms: PlanTerms, owed: Owed) -> list[str]:
    problems = []
    asked = (
        ("waive_interest", terms.waive_interest, owed.interest.amount),
        ("waive_fee", terms.waive_fee, owed.fee.amount),
        ("discount", terms.discount, owed.total.amount - terms.waive_interest - terms.waive_fee),
    )
    for name, value, most in asked:
        if value != value.quantize(CENT) or value < 0:
            problems.append(f"{name} must be a non-negative amount in whole cents, got {value}")
        elif value > most:
            problems.append(f"{name} {value} exceeds the {max(most, ZERO)} it can reduce")
    return problems


def build_plan(terms: PlanTerms, start_on: date, unpaid: Sequence[Instalment]) -> Plan:
    """The new schedule for `unpaid` (each instalment's unpaid remainder, in due order)."""
    currency = unpaid[0].principal.currency if unpaid else "CNY"
    owed = Owed.of_lines(unpaid, currency)
    problems = validate(terms, start_on, owed)
    if problems:
        raise PlanError("; ".join(problems))
    agreed = _reduce_owed(owed, terms)
    if terms.kind in (PlanKind.INSTALMENT, PlanKind.SETTLEMENT):
        lines = _spread(agreed, due_dates(terms))
    else:
        moved = tuple(replace(i, due_on=add_months(i.due_on, terms.shift_months)) for i in unpaid)
        lines = _trim_to(moved, agreed)
    numbered = tuple(replace(line, seq=n) for n, line in enumerate(lines, start=1))
    return Plan(terms=terms, start_on=start_on, owed=owed, lines=numbered)


def due_dates(terms: PlanTerms) -> tuple[date, ...]:
    return tuple(add_months(terms.first_due, n * terms.every_months) for n in range(terms.count))


def _reduce_owed(owed: Owed, terms: PlanTerms) -> Owed:
    """Owed less the waivers, then less the discount taken in DISCOUNT_ORDER."""
    amounts = {
        Component.PRINCIPAL: owed.principal.amount,
        Component.INTEREST: owed.interest.amount - terms.waive_interest,
        Component.FEE: owed.fee.amount - terms.waive_fee,
    }
    left = terms.discount
    for which in DISCOUNT_ORDER:
        take = min(left, amounts[which])
        amounts[which] -= take
        left -= take
    c = owed.currency
    return Owed(
        Money(amounts[Component.PRINCIPAL], c),
        Money(amounts[Component.INTEREST], c),
        Money(amounts[Component.FEE], c),
    )


def _spread(agreed: Owed, dates: tuple[date, ...]) -> tuple[Instalment, ...]:
    c = agreed.currency
    parts = {which: split_evenly(agreed.component(which).amount, len(dates)) for which in Component}
    return tuple(
        Instalment(
            seq=n + 1,
            due_on=due,
            principal=Money(parts[Component.PRINCIPAL][n], c),
            interest=Money(parts[Component.INTEREST][n], c),
            fee=Money(parts[Component.FEE][n], c),
        )
        for n, due in enumerate(dates)
    )


def _trim_to(lines: tuple[Instalment, ...], agreed: Owed) -> tuple[Instalment, ...]:
    """Take each component down to `agreed`, oldest instalment first (so the reduction brings
    the debtor up to date soonest), and drop instalments left with nothing to pay."""
    current = Owed.of_lines(lines, agreed.currency)
    cut = {w: current.component(w).amount - agreed.component(w).amount for w in Component}
    trimmed = []
    for line in lines:
        amounts = {}
        for which in Component:
            take = min(cut[which], line.component(which).amount)
            cut[which] -= take
            amounts[which] = line.component(which) - Money(take, agreed.currency)
        new = replace(
            line,
            principal=amounts[Component.PRINCIPAL],
            interest=amounts[Component.INTEREST],
            fee=amounts[Component.FEE],
        )
        if new.total.is_positive():
            trimmed.append(new)
    return tuple(trimmed)
