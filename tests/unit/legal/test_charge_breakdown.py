"""The charge breakdown: each amount lawful or above cap, above-cap parts never demandable."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from builders import cny
from hypothesis import given
from hypothesis import strategies as st

from fairdebt.domain.loan import Account, LenderType, Product
from fairdebt.legal.breakdown import (
    ChargeAmounts,
    Standing,
    breakdown,
    terms_for_account,
)
from fairdebt.legal.caps import ChargeCaps, ChargeTerms, Part, Rates, charge_caps

D = Decimal


def example_caps(disbursed: str = "90000") -> ChargeCaps:
    return charge_caps(
        ChargeTerms(
            lender_type=LenderType.PRIVATE,
            contract_date=date(2021, 3, 1),
            principal_stated=D(100000),
            principal_disbursed=D(disbursed),
            rates=Rates(D("0.18"), D("0.12"), D("0.08"), D("0.05")),
        )
    )


def test_interest_deducted_up_front_is_excluded_from_the_principal() -> None:
    caps = charge_caps(
        ChargeTerms(LenderType.PRIVATE, date(2021, 3, 1), D(100000), Rates(D("0.10")), D(90000))
    )

    result = breakdown(ChargeAmounts(principal=D(100000)), caps)

    line = result.line("principal")
    assert (line.lawful, line.above_cap, line.standing) == (D(90000), D(10000), Standing.ABOVE_CAP)


def test_interest_at_18_percent_on_the_stated_principal_is_cut_to_the_cap_on_what_was_lent() -> (
    None
):
    caps = charge_caps(
        ChargeTerms(LenderType.PRIVATE, date(2021, 3, 1), D(100000), Rates(D("0.18")), D(90000))
    )

    # a year's interest computed by the lender: 18 % of the stated 100000
    result = breakdown(ChargeAmounts(principal=D(100000), interest=D(18000)), caps)

    line = result.line("interest")
    assert line.lawful == D("13860.00")  # 15.4 % of the 90000 actually lent
    assert line.above_cap == D("4140.00")
    assert result.demandable == D("103860.00")
    assert result.excluded == D("14140.00")  # with the 10000 deducted up front


def test_a_rate_within_the_cap_leaves_the_amount_lawful() -> None:
    caps = charge_caps(ChargeTerms(LenderType.PRIVATE, date(2021, 3, 1), D(1000), Rates(D("0.1"))))

    line = breakdown(ChargeAmounts(principal=D(1000), interest=D("8.333")), caps).line("interest")

    assert (line.lawful, line.standing) == (D("8.333"), Standing.LAWFUL)


def test_a_fee_with_no_agreed_rate_is_wholly_above_cap() -> None:
    caps = charge_caps(ChargeTerms(LenderType.PRIVATE, date(2021, 3, 1), D(1000), Rates(D("0.1"))))

    line = breakdown(ChargeAmounts(principal=D(1000), fees=D(50)), caps).line("fees")

    assert (line.lawful, line.above_cap, line.standing) == (D(0), D(50), Standing.ABOVE_CAP)


def test_a_licensed_lender_without_a_pack_ceiling_is_unchecked_not_lawful() -> None:
    caps = charge_caps(
        ChargeTerms(LenderType.CONSUMER_FINANCE, date(2021, 3, 1), D(1000), Rates(D("0.3")))
    )

    line = breakdown(ChargeAmounts(principal=D(1000), interest=D(300)), caps).line("interest")

    assert line.standing is Standing.UNCHECKED


def test_an_account_maps_to_charge_terms() -> None:
    account = Account(
        id="A1",
        borrower_id="B1",
        product=Product.CONSUMER_LOAN,
        lender="L",
        lender_type=LenderType.PRIVATE,
        principal=cny(5000),
        interest_rate=D("0.2"),
        disbursed_on=date(2022, 5, 1),
        penalty_rate=D("0.05"),
    )

    caps = charge_caps(terms_for_account(account))

    assert caps.cap == D("0.148")  # 4 × 3.70 % in force on 2022-05-01
    assert caps.capped.of(Part.OVERDUE_INTEREST).default_rule == "CN-RATE-28"
    assert caps.capped.combined_overdue.agreed == D("0.25")  # 0.20 loan-term rate + 0.05 penalty


amounts = st.decimals(min_value=0, max_value=10**7, places=2)


@given(
    st.builds(ChargeAmounts, amounts, amounts, amounts, amounts, amounts),
    st.sampled_from(["90000", "100000", "50000"]),
)
def test_lawful_plus_above_cap_is_the_amount_and_lawful_never_exceeds_it(
    charged: ChargeAmounts, disbursed: str
) -> None:
    result = breakdown(charged, example_caps(disbursed))

    for line in result.lines:
        assert D(0) <= line.lawful <= line.amount
        assert line.lawful + line.above_cap == line.amount
        assert (line.standing is Standing.ABOVE_CAP) == (line.above_cap > 0)
    total = charged.principal + charged.interest + charged.overdue_interest
    total += charged.penalty + charged.fees
    assert result.demandable + result.excluded == total
