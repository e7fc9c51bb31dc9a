"""China: how much of an agreed interest rate, overdue rate, penalty and fee a court enforces.

Sources: 最高人民法院关于审理民间借贷案件适用法律若干问题的规定 (2020 修正); how sure we are of
each is on docs/packs/cn-sources.md.
- CN-RATE-25 第二十五条: interest is enforced up to 4 × the one-year LPR at the contract date.
- CN-RATE-26 第二十六条: interest deducted from the principal up front (砍头息) is not principal;
  the principal is what was actually lent.
- CN-RATE-28 第二十八条: the overdue rate is as agreed, at most the cap; if none was agreed, the
  loan-term rate applies, and with no rate at all, the LPR from the overdue date.
- CN-RATE-29 第二十九条: overdue interest, penalty and other fees TOGETHER are capped at the cap.
- CN-RATE-31 第三十一条: contracts made before 2020-08-20: interest up to 2020-08-19 under the
  old rules (CN-RATE-HIST: 24 % enforced, above 36 % void; secondary sources only [S]), and from
  2020-08-20 under the cap at the time of filing.
- CN-RATE-SCOPE 第一条 and the 2020 批复: none of this binds licensed financial institutions
  or the seven kinds of local financial organisations; their ceiling is a rule-pack parameter.
- CN-CIV-680 民法典 第六百八十条: a loan contract silent on interest is interest-free.

Rates are fractions per year (0.154 = 15.4 %), exact Decimals: 4 × 0.0385 needs no rounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from fairdebt.domain.loan import LenderType
from fairdebt.legal.errors import LegalRequestError
from fairdebt.legal.lpr import LprQuote, lpr_at

TRANSITION = date(2020, 8, 20)
LPR_MULTIPLE = 4
LEGACY_CAP = Decimal("0.24")  # 法释〔2015〕18号 第二十六条 (CN-RATE-HIST), secondary sources [S]
LEGACY_VOID_ABOVE = Decimal("0.36")
ZERO = Decimal(0)


class Part(StrEnum):
    INTEREST = "interest"
    OVERDUE_INTEREST = "overdue_interest"
    PENALTY = "penalty"
    FEES = "fees"


# CN-RATE-29 caps these together; the allowance is filled in this order, so fees are cut first
OVERDUE_PARTS = (Part.OVERDUE_INTEREST, Part.PENALTY, Part.FEES)


@dataclass(frozen=True, slots=True)
class Rates:
    """The agreed yearly rates; None where the contract agreed nothing."""

    interest: Decimal | None = None
    overdue_interest: Decimal | None = None
    penalty: Decimal | None = None
    fees: Decimal | None = None

    def of(self, part: Part) -> Decimal | None:
        value: Decimal | None = getattr(self, part.value)
        return value


@dataclass(frozen=True, slots=True)
class ChargeTerms:
    """What the caps depend on. `ceiling`: a licensed lender's pack-parameter value, if known."""

    lender_type: LenderType
    contract_date: date
    principal_stated: Decimal
    rates: Rates
    principal_disbursed: Decimal | None = None
    filed_on: date | None = None
    overdue_on: date | None = None
    ceiling: Decimal | None = None


@dataclass(frozen=True, slots=True)
class RateCap:
    """One rate: agreed, enforceable (None: no cap known), and the excess a court refuses."""

    agreed: Decimal | None
    enforceable: Decimal | None
    excess: Decimal
    default_rule: str | None = None  # set when nothing was agreed and the law supplies the rate


@dataclass(frozen=True, slots=True)
class CappedRates:
    """The rates under one cap: each component, and the overdue ones together (CN-RATE-29)."""

    cap: Decimal | None
    components: tuple[tuple[Part, RateCap], ...]
    combined_overdue: RateCap

    def of(self, part: Part) -> RateCap:
        return dict(self.components)[part]


@dataclass(frozen=True, slots=True)
class LegacyPeriod:
    """Interest up to 2020-08-19 of a contract made before 2020-08-20 (CN-RATE-31)."""

    until: date
    void_above: Decimal
    capped: CappedRates


@dataclass(frozen=True, slots=True)
class ChargeCaps:
    """The answer: the cap, the LPR behind it, the principal that counts, each rate's fate."""

    applies: bool
    lpr: LprQuote | None
    principal: Decimal
    principal_stated: Decimal
    capped: CappedRates
    legacy: LegacyPeriod | None
    pack_parameter: str | None
    rules: tuple[str, ...]

    @property
    def cap(self) -> Decimal | None:
        return self.capped.cap


def pack_parameter(lender_type: LenderType) -> str:
    """The rule-pack parameter that holds a licensed lender's rate ceiling (CN-RATE-SCOPE)."""
    return f"cn.rate_ceiling.{lender_type.value}"


def _default_overdue(terms: ChargeTerms, quotes: tuple[LprQuote, ...] | None) -> Decimal | None:
    """CN-RATE-28 when no overdue rate was agreed: the loan-term rate, else the LPR from the
    overdue date. None when an overdue rate was agreed."""
    rates = terms.rates
    if rates.overdue_interest is not None:
        return None
    if rates.interest is not None:
        return rates.interest
    if terms.overdue_on is None:
        raise LegalRequestError(
            "no interest or overdue rate agreed: the overdue rate is the LPR at the overdue date",
            hint="give overdue_on (民间借贷规定 第二十八条)",
        )
    return lpr_at(terms.overdue_on, quotes).rate


def _rate_caps(
    rates: Rates,
    cap: Decimal | None,
    default_overdue: Decimal | None,
    default_rule: str = "CN-RATE-28",
) -> CappedRates:
    """Cap each rate; the overdue ones share one allowance of `cap` (CN-RATE-29)."""
    parts = [(Part.INTEREST, _interest_cap(rates.interest, cap))]
    remaining, charged_total = cap, ZERO
    for part in OVERDUE_PARTS:
        agreed = rates.of(part)
        use_default = (
            agreed is None and part is Part.OVERDUE_INTEREST and default_overdue is not None
        )
        charged = default_overdue if use_default else agreed
        rate_cap = _share(agreed, charged, remaining, default_rule if use_default else None)
        if remaining is not None and rate_cap.enforceable is not None:
            remaining -= rate_cap.enforceable
        charged_total += charged or ZERO
        parts.append((part, rate_cap))
    combined = _share(charged_total, charged_total, cap, None)
    return CappedRates(cap=cap, components=tuple(parts), combined_overdue=combined)


def _interest_cap(agreed: Decimal | None, cap: Decimal | None) -> RateCap:
    if agreed is None:  # CN-CIV-680: silent on interest means interest-free
        return RateCap(None, ZERO, ZERO, "CN-CIV-680")
    return _share(agreed, agreed, cap, None)


def _share(
    agreed: Decimal | None, charged: Decimal | None, allowance: Decimal | None, rule: str | None
) -> RateCap:
    """What of `charged` fits in `allowance`; None allowance means no cap is known."""
    if charged is None:  # nothing agreed, no rate supplied by law: nothing may be charged,
        return RateCap(None, None if allowance is None else ZERO, ZERO)  # unless cap unknown
    enforceable = None if allowance is None else min(charged, max(allowance, ZERO))
    excess = ZERO if enforceable is None else charged - enforceable
    return RateCap(agreed, enforceable, excess, rule)


def charge_caps(terms: ChargeTerms, quotes: tuple[LprQuote, ...] | None = None) -> ChargeCaps:
    """The enforceable part of every agreed rate, and the principal that counts."""
    if terms.lender_type is not LenderType.PRIVATE:
        return _licensed(terms)
    if terms.contract_date >= TRANSITION:
        quote = lpr_at(terms.contract_date, quotes)
        return _private(terms, quote, _current(terms, quote, quotes), legacy=None)
    return _transition(terms, quotes)


def principal_that_counts(terms: ChargeTerms) -> Decimal:
    """CN-RATE-26 (and 民法典 第六百七十条): what was actually lent, not the stated amount."""
    if terms.principal_disbursed is None:
        return terms.principal_stated
    return min(terms.principal_disbursed, terms.principal_stated)


def _current(
    terms: ChargeTerms, quote: LprQuote, quotes: tuple[LprQuote, ...] | None
) -> CappedRates:
    """CN-RATE-25/28/29 under the cap of 4 × `quote`."""
    return _rate_caps(terms.rates, quote.rate * LPR_MULTIPLE, _default_overdue(terms, quotes))


def _private(
    terms: ChargeTerms, quote: LprQuote | None, capped: CappedRates, legacy: LegacyPeriod | None
) -> ChargeCaps:
    return ChargeCaps(
        applies=True,
        lpr=quote,
        principal=principal_that_counts(terms),
        principal_stated=terms.principal_stated,
        capped=capped,
        legacy=legacy,
        pack_parameter=None,
        rules=_private_rules(terms, capped, legacy, quote is not None),
    )


def _transition(terms: ChargeTerms, quotes: tuple[LprQuote, ...] | None) -> ChargeCaps:
    """CN-RATE-31: old rules up to 2020-08-19; from 2020-08-20 the cap at filing."""
    if terms.filed_on is None:
        raise LegalRequestError(
            f"contract made {terms.contract_date}, before 2020-08-20: from 2020-08-20 its interest "
            "is capped at 4 × the LPR when suit is filed",
            hint="give filed_on: the date suit was (or would be) filed (民间借贷规定 第三十一条)",
        )
    # the 2015 rules' default overdue rate is not sourced: with no rate agreed, none is shown
    old = _rate_caps(terms.rates, LEGACY_CAP, terms.rates.interest, "CN-RATE-HIST")
    legacy = LegacyPeriod(until=date(2020, 8, 19), void_above=LEGACY_VOID_ABOVE, capped=old)
    if terms.filed_on < TRANSITION:  # sued before the 2020 rules: the old rules throughout
        return _private(terms, None, old, legacy=None)
    quote = lpr_at(terms.filed_on, quotes)
    return _private(terms, quote, _current(terms, quote, quotes), legacy)


def _licensed(terms: ChargeTerms) -> ChargeCaps:
    """CN-RATE-SCOPE: the private-lending cap does not apply; the pack's ceiling, if given."""
    capped = _rate_caps(terms.rates, terms.ceiling, None)  # the pack, not CN-RATE-28, decides
    deducted = principal_that_counts(terms) < terms.principal_stated
    return ChargeCaps(
        applies=False,
        lpr=None,
        principal=principal_that_counts(terms),
        principal_stated=terms.principal_stated,
        capped=capped,
        legacy=None,
        pack_parameter=pack_parameter(terms.lender_type),
        rules=("CN-RATE-SCOPE", "CN-CIV-670") if deducted else ("CN-RATE-SCOPE",),
    )


def _private_rules(
    terms: ChargeTerms, capped: CappedRates, legacy: LegacyPeriod | None, has_lpr: bool
) -> tuple[str, ...]:
    rules = ["CN-RATE-25"] if has_lpr else []
    if principal_that_counts(terms) < terms.principal_stated:
        rules.append("CN-RATE-26")
    if capped.of(Part.OVERDUE_INTEREST).default_rule:
        rules.append("CN-RATE-28")
    if capped.combined_overdue.agreed:
        rules.append("CN-RATE-29")
    if legacy is not None or not has_lpr:
        rules += ["CN-RATE-31", "CN-RATE-HIST"]
    if terms.rates.interest is None:
        rules.append("CN-CIV-680")
    return tuple(rules)
