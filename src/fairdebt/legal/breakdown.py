"""The charge breakdown of an account: what of each amount owed is lawful, what is above the cap.

Principal, interest, penalty and fees are each marked lawful or above cap (docs/legal.md);
the above-cap part is excluded from what may be demanded (the gate denies content demanding it).

How an amount is split (sources as in `caps.py`):
- principal: the part of the claimed principal that is interest deducted up front (CN-RATE-26,
  the stated principal minus what was lent) is above cap; the rest is lawful.
- interest, overdue interest, penalty, fees: the amounts are taken to have been computed at the
  agreed rate on the stated principal, so the lawful part is
  amount × (enforceable rate / agreed rate) × (principal that counts / stated principal),
  rounded DOWN to the cent: never demand a cent more than the law allows.
- a charge with no agreed rate and none supplied by law is wholly above cap; a charge whose cap
  is unknown (a licensed lender whose pack gives no ceiling) is `unchecked`, not lawful.

For a contract made before 2020-08-20 (CN-RATE-31), split the amounts at 2020-08-20 and call
`breakdown` once per period, passing `caps.legacy.capped` for the earlier one.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum

from fairdebt.domain.loan import Account
from fairdebt.legal.caps import CappedRates, ChargeCaps, ChargeTerms, Part, RateCap, Rates

CENT = Decimal("0.01")
ZERO = Decimal(0)
PRINCIPAL = "principal"


class Standing(StrEnum):
    LAWFUL = "lawful"
    ABOVE_CAP = "above_cap"
    UNCHECKED = "unchecked"  # no cap known: not shown as lawful, not excluded either


@dataclass(frozen=True, slots=True)
class ChargeAmounts:
    """Amounts owed on an account, by component, in one currency."""

    principal: Decimal
    interest: Decimal = ZERO
    overdue_interest: Decimal = ZERO
    penalty: Decimal = ZERO
    fees: Decimal = ZERO

    def of(self, part: Part) -> Decimal:
        value: Decimal = getattr(self, part.value)
        return value


@dataclass(frozen=True, slots=True)
class BreakdownLine:
    component: str
    amount: Decimal
    lawful: Decimal
    above_cap: Decimal
    standing: Standing


@dataclass(frozen=True, slots=True)
class ChargeBreakdown:
    lines: tuple[BreakdownLine, ...]
    rules: tuple[str, ...]

    @property
    def demandable(self) -> Decimal:
        """What may be demanded: every lawful or unchecked part."""
        return sum((line.lawful for line in self.lines), ZERO)

    @property
    def excluded(self) -> Decimal:
        return sum((line.above_cap for line in self.lines), ZERO)

    def line(self, component: str) -> BreakdownLine:
        return next(line for line in self.lines if line.component == component)


def terms_for_account(account: Account) -> ChargeTerms:
    """The charge terms of an account; its overdue rate is the loan-term rate (CN-RATE-28)."""
    return ChargeTerms(
        lender_type=account.lender_type,
        contract_date=account.contract_date or account.disbursed_on,
        principal_stated=account.principal.amount,
        rates=Rates(
            interest=account.interest_rate,
            penalty=account.penalty_rate,
            fees=account.fee_rate,
        ),
    )


def breakdown(
    amounts: ChargeAmounts, caps: ChargeCaps, capped: CappedRates | None = None
) -> ChargeBreakdown:
    """Split each amount into its lawful and above-cap parts under `capped` (default: current)."""
    capped = caps.capped if capped is None else capped
    lines = [_principal_line(amounts.principal, caps)]
    share = caps.principal / caps.principal_stated if caps.principal_stated else Decimal(1)
    for part, rate_cap in capped.components:
        lines.append(_rate_line(part, amounts.of(part), rate_cap, share))
    return ChargeBreakdown(lines=tuple(lines), rules=caps.rules)


def _principal_line(amount: Decimal, caps: ChargeCaps) -> BreakdownLine:
    deducted = caps.principal_stated - caps.principal  # interest taken up front (CN-RATE-26)
    lawful = max(ZERO, amount - deducted)
    return _line(PRINCIPAL, amount, lawful, Standing.ABOVE_CAP if lawful < amount else None)


def _rate_line(part: Part, amount: Decimal, rate_cap: RateCap, share: Decimal) -> BreakdownLine:
    if amount == 0:
        return _line(part.value, amount, amount, None)
    if rate_cap.enforceable is None:
        return BreakdownLine(part.value, amount, amount, ZERO, Standing.UNCHECKED)
    if not rate_cap.agreed:  # no agreed rate (or zero): only a rate the law supplies is owed
        if rate_cap.agreed is None and rate_cap.enforceable > 0:
            return BreakdownLine(part.value, amount, amount, ZERO, Standing.UNCHECKED)
        return _line(part.value, amount, ZERO, Standing.ABOVE_CAP)
    factor = rate_cap.enforceable / rate_cap.agreed * share
    if factor >= 1:  # within the cap: the amount stands as charged, unrounded
        return _line(part.value, amount, amount, None)
    lawful = (amount * factor).quantize(CENT, rounding=ROUND_DOWN)
    return _line(part.value, amount, lawful, Standing.ABOVE_CAP if lawful < amount else None)


def _line(
    component: str, amount: Decimal, lawful: Decimal, short: Standing | None
) -> BreakdownLine:
    return BreakdownLine(component, amount, lawful, amount - lawful, short or Standing.LAWFUL)
