"""The US validation notice's itemization (Reg F, 12 CFR 1006.34(c)(2)(vi)–(viii)) and its
validation period (12 CFR 1006.34(b)(5)), derived from an account's schedule and payments.

The itemization date (1006.34(b)(3)) may be any one of five reference dates: the last statement
date, the charge-off date, the last payment date, the transaction date or the judgment date.
fairdebt's accounts record no statements, no charge-off and no judgment, so the choice is between
the last payment date and the transaction date. We take the **transaction date**: the day the
loan was disbursed (`accounts.disbursed_on`), the transaction that gave rise to the debt
(1006.34(b)(3)(iv)). It exists for every account and never moves, so every notice and every
later verification about the debt itemizes from the same day; the last payment date would move
with each payment and does not exist for an account never paid.

From that date the amounts follow (docs/channels.md, "Letters"):
- owed on the itemization date: the principal lent (its lawful part: interest deducted up front
  is not principal, CN-RATE-26, where that law applies);
- interest since then: what was paid of interest plus the interest due by `as_of` still unpaid;
- fees since then: what was paid of fees plus the unpaid fees and penalty due by `as_of`;
- payments and credits since then: every payment on the account by `as_of`, less reversals;
- the debt now: the first plus the second and third, less the fourth.
The unpaid parts are what may be demanded (services.charges: above-cap parts excluded), so the
debt now is exactly what the other letters demand, less any money paid beyond the schedule.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from fairdebt.domain.delinquency import allocate
from fairdebt.domain.loan import Component
from fairdebt.domain.money import CENT
from fairdebt.legal.us import validation_period
from fairdebt.services.charges import account_charges
from fairdebt.services.payments import load_account, payments_seen
from fairdebt.services.ports import UnitOfWork

ZERO = Decimal(0)
DEFAULT_ORDER: Sequence[Component] = (Component.FEE, Component.INTEREST, Component.PRINCIPAL)
REFERENCE_DATE = "transaction_date"  # 1006.34(b)(3)(iv): the disbursement of the loan


def money(value: Decimal) -> str:
    """Grouped, two decimals, exact (whole cents already; never a float): 1,234.50."""
    return f"{value.quantize(CENT):,.2f}"


def masked_account(account_id: str) -> str:
    """The account number as a notice prints it: only its last four characters."""
    return "****" + account_id[-4:]


def itemization(
    uow: UnitOfWork,
    account_id: str,
    as_of: date,
    *,
    sent_on: date | None = None,
    order: Sequence[Component] = DEFAULT_ORDER,
) -> dict[str, str]:
    """The validation notice's fields for the account on `as_of` (module docstring), as the
    template `us.validation_notice` names them. The dispute deadline is the end of the
    validation period of a notice sent on `sent_on` (default: `as_of`)."""
    charges = account_charges(uow, account_id, as_of, order)
    with uow:
        account = load_account(uow, account_id)
        seen = payments_seen(uow, account_id, as_of)
    states = allocate(account.schedule, seen, order, account.currency).states
    paid_of = {c: sum((s.paid[c].amount for s in states), ZERO) for c in Component}
    lawful = {line.component: line.lawful for line in charges.breakdown.lines}
    itemized = lawful.get("principal", ZERO) + paid_of[Component.PRINCIPAL]
    interest = (
        lawful.get("interest", ZERO)
        + lawful.get("overdue_interest", ZERO)
        + paid_of[Component.INTEREST]
    )
    fees = lawful.get("fees", ZERO) + lawful.get("penalty", ZERO) + paid_of[Component.FEE]
    paid = sum((p.amount.amount for p in seen), ZERO)
    period = validation_period(sent_on or as_of)
    return {
        "itemization_date": account.disbursed_on.isoformat(),
        "itemized_amount": money(itemized),
        "interest": money(interest),
        "fees": money(fees),
        "paid": money(paid),
        "amount": money(itemized + interest + fees - paid),
        "original_creditor": account.lender,  # the creditor on the itemization date
        "creditor": account.lender,  # the current creditor: fairdebt records no assignment
        "account_no": masked_account(account.id),
        "dispute_deadline": period.ends_on.isoformat(),
    }
