"""Use case: the charge breakdown of an account — principal, interest, penalty, fees, each
lawful or above the cap, and the amount that may be demanded (above-cap parts excluded).

The law's arithmetic is `fairdebt.legal` (caps.charge_caps, breakdown.breakdown); this module
only says what is owed at `as_of`, from the schedule and the payments, in the configured order:
- principal: all unpaid principal (what a claim would name);
- interest and fees: the unpaid part of instalments due by `as_of` (interest not yet due is
  listed apart and never demandable);
- penalty: the account's penalty rate per year on the principal still unpaid of each overdue
  instalment, for the days since it fell due (actual/365), rounded once, half up, to the cent.
  Principal paid late counts as unpaid only from the day it was still unpaid at `as_of`, so this
  errs low, never high;
- overdue interest: fairdebt accrues none besides the penalty.

A contract made before 2020-08-20 is capped as if it were filed on `as_of` (the later, lower
cap for the whole period; the older 24 % cap for interest up to 2020-08-19 is not applied), which
can only lower what is demanded. A licensed lender's ceiling is a rule-pack parameter: pass it as
`ceiling`, or its charges are shown "unchecked".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from fairdebt.domain.delinquency import InstalmentState, allocate
from fairdebt.domain.loan import Account, Component, Payment
from fairdebt.domain.money import CENT
from fairdebt.legal.breakdown import (
    ChargeAmounts,
    ChargeBreakdown,
    breakdown,
    terms_for_account,
)
from fairdebt.legal.caps import ChargeCaps, charge_caps
from fairdebt.services.payments import Order, load_account, payments_seen
from fairdebt.services.ports import UnitOfWork

DAYS_PER_YEAR = Decimal(365)
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class AccountCharges:
    account_id: str
    as_of: date
    currency: str
    amounts: ChargeAmounts
    not_yet_due: dict[str, Decimal]
    caps: ChargeCaps
    breakdown: ChargeBreakdown

    @property
    def demandable(self) -> Decimal:
        return self.breakdown.demandable

    def to_json(self) -> dict[str, Any]:
        return {
            "account": self.account_id,
            "as_of": self.as_of.isoformat(),
            "currency": self.currency,
            "applies": self.caps.applies,
            "cap": _num(self.caps.cap),
            "pack_parameter": self.caps.pack_parameter,
            "components": [
                {
                    "component": line.component,
                    "amount": _num(line.amount),
                    "lawful": _num(line.lawful),
                    "above_cap": _num(line.above_cap),
                    "standing": line.standing.value,
                }
                for line in self.breakdown.lines
            ],
            "demandable": _num(self.breakdown.demandable),
            "excluded": _num(self.breakdown.excluded),
            "not_yet_due": {k: _num(v) for k, v in self.not_yet_due.items()},
            "rules": list(self.breakdown.rules),
        }


def _num(value: Decimal | None) -> str | None:
    return None if value is None else format(value.quantize(CENT), "f")


def owed_amounts(
    account: Account, seen: Sequence[Payment], as_of: date, order: Order
) -> tuple[ChargeAmounts, dict[str, Decimal]]:
    """What is owed at `as_of` by component, and the interest and fees not yet due."""
    states = allocate(account.schedule, seen, order, account.currency).states
    due = [s for s in states if s.instalment.due_on <= as_of]
    later = [s for s in states if s.instalment.due_on > as_of]
    amounts = ChargeAmounts(
        principal=_sum(states, Component.PRINCIPAL),
        interest=_sum(due, Component.INTEREST),
        penalty=_penalty(account, states, as_of),
        fees=_sum(due, Component.FEE),
    )
    not_yet_due = {"interest": _sum(later, Component.INTEREST), "fees": _sum(later, Component.FEE)}
    return amounts, not_yet_due


def _sum(states: Sequence[InstalmentState], which: Component) -> Decimal:
    return sum((s.outstanding(which).amount for s in states), ZERO)


def _penalty(account: Account, states: Sequence[InstalmentState], as_of: date) -> Decimal:
    accrued = sum(
        (
            s.outstanding(Component.PRINCIPAL).amount * (as_of - s.instalment.due_on).days
            for s in states
            if s.instalment.due_on < as_of
        ),
        ZERO,
    )
    return (accrued * account.penalty_rate / DAYS_PER_YEAR).quantize(CENT, ROUND_HALF_UP)


def account_charges(
    uow: UnitOfWork,
    account_id: str,
    as_of: date,
    order: Order,
    ceiling: Decimal | None = None,
) -> AccountCharges:
    """The charge breakdown of one account at `as_of` (see the module docstring)."""
    with uow:
        account = load_account(uow, account_id)
        seen = payments_seen(uow, account.id, as_of)
    amounts, not_yet_due = owed_amounts(account, seen, as_of, order)
    terms = replace(terms_for_account(account), filed_on=as_of, ceiling=ceiling)
    caps = charge_caps(terms)
    return AccountCharges(
        account_id=account.id,
        as_of=as_of,
        currency=account.currency,
        amounts=amounts,
        not_yet_due=not_yet_due,
        caps=caps,
        breakdown=breakdown(amounts, caps),
    )
