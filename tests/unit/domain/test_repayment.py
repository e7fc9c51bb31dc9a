"""Repayment plans: schedules exact to the cent, and plans never ask for more than was owed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from builders import cny, monthly_schedule
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from fairdebt.domain.loan import Instalment
from fairdebt.domain.repayment import (
    Owed,
    PlanError,
    PlanKind,
    PlanTerms,
    add_months,
    build_plan,
    months_between,
    split_evenly,
)

D = Decimal
START = date(2026, 3, 1)


def owed_lines(principal: str, interest: str = "0", fee: str = "0") -> tuple[Instalment, ...]:
    return (Instalment(1, date(2026, 1, 15), cny(principal), cny(interest), cny(fee)),)


def test_an_instalment_plan_puts_the_rounding_on_the_last_instalment() -> None:
    terms = PlanTerms(PlanKind.INSTALMENT, first_due=date(2026, 4, 1), count=3)

    plan = build_plan(terms, START, owed_lines("1000.00"))

    assert [line.principal.amount for line in plan.lines] == [D("333.33"), D("333.33"), D("333.34")]
    assert [line.due_on for line in plan.lines] == [
        date(2026, 4, 1),
        date(2026, 5, 1),
        date(2026, 6, 1),
    ]
    assert plan.total == cny("1000.00")


def test_monthly_due_dates_stay_at_the_month_end_without_drifting() -> None:
    terms = PlanTerms(PlanKind.INSTALMENT, first_due=date(2026, 1, 31), count=3)

    plan = build_plan(terms, date(2026, 1, 1), owed_lines("90"))

    assert [line.due_on for line in plan.lines] == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
    ]


def test_a_fee_waiver_lowers_only_the_fees() -> None:
    terms = PlanTerms(PlanKind.INSTALMENT, first_due=date(2026, 4, 1), count=2, waive_fee=D(30))

    plan = build_plan(terms, START, owed_lines("1000", "100", "100"))

    assert plan.agreed == Owed(cny("1000"), cny("100"), cny("70"))
    assert plan.forgiven == cny("30")


def test_a_settlement_discount_takes_fees_then_interest_before_principal() -> None:
    terms = PlanTerms(PlanKind.SETTLEMENT, first_due=date(2026, 3, 10), discount=D(150))

    plan = build_plan(terms, START, owed_lines("1000", "100", "100"))

    assert len(plan.lines) == 1
    assert plan.agreed == Owed(cny("1000"), cny("50"), cny("0"))


def test_an_extension_moves_every_unpaid_instalment_and_keeps_the_amounts() -> None:
    unpaid = monthly_schedule(date(2026, 1, 1), 3, principal="500", interest="50")
    terms = PlanTerms(PlanKind.EXTENSION, first_due=START, shift_months=3)

    plan = build_plan(terms, START, unpaid)

    assert [line.due_on for line in plan.lines] == [add_months(i.due_on, 3) for i in unpaid]
    assert plan.total == cny("1650")


def test_a_waiver_plan_reduces_the_oldest_instalments_first_and_drops_emptied_ones() -> None:
    unpaid = (
        Instalment(1, date(2026, 1, 1), cny("0"), cny("40"), cny("0")),
        Instalment(2, date(2026, 2, 1), cny("500"), cny("40"), cny("0")),
    )
    terms = PlanTerms(PlanKind.WAIVER, first_due=START, waive_interest=D(60))

    plan = build_plan(terms, START, unpaid)

    assert len(plan.lines) == 1
    assert plan.lines[0].due_on == date(2026, 2, 1)
    assert plan.lines[0].interest == cny("20")


@pytest.mark.parametrize(
    ("terms", "words"),
    [
        (PlanTerms(PlanKind.INSTALMENT, START, count=0), "at least 1"),
        (PlanTerms(PlanKind.INSTALMENT, date(2026, 2, 1), count=2), "before the start"),
        (PlanTerms(PlanKind.INSTALMENT, START, waive_fee=D(101)), "waive_fee 101 exceeds"),
        (PlanTerms(PlanKind.INSTALMENT, START, discount=D(1)), "only a settlement"),
        (PlanTerms(PlanKind.EXTENSION, START), "shift_months"),
        (PlanTerms(PlanKind.WAIVER, START), "must waive"),
        (PlanTerms(PlanKind.SETTLEMENT, START, discount=D(1200)), "write-off"),
        (PlanTerms(PlanKind.INSTALMENT, START, waive_interest=D("0.001")), "whole cents"),
    ],
)
def test_a_plan_that_cannot_be_built_says_why(terms: PlanTerms, words: str) -> None:
    with pytest.raises(PlanError, match=words):
        build_plan(terms, START, owed_lines("1000", "100", "100"))


def test_nothing_owed_means_no_plan() -> None:
    with pytest.raises(PlanError, match="nothing is owed"):
        build_plan(PlanTerms(PlanKind.INSTALMENT, START), START, ())


def test_the_term_counts_a_started_month_as_a_whole_one() -> None:
    assert months_between(date(2026, 3, 5), date(2027, 3, 5)) == 12
    assert months_between(date(2026, 3, 5), date(2027, 3, 6)) == 13
    assert months_between(date(2026, 3, 5), date(2026, 3, 1)) == 0


cents = st.integers(min_value=0, max_value=10**10).map(lambda c: D(c).scaleb(-2))
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


@settings(deadline=None)  # arithmetic only; a loaded CI machine must not fail it
@given(amount=cents, parts=st.integers(min_value=1, max_value=480))
def test_an_even_split_sums_exactly_and_no_part_is_negative(amount: Decimal, parts: int) -> None:
    split = split_evenly(amount, parts)

    assert sum(split) == amount
    assert len(split) == parts
    assert all(p >= 0 and p == p.quantize(D("0.01")) for p in split)
    assert all(p <= split[-1] for p in split)


@settings(deadline=None)  # arithmetic only; a loaded CI machine must not fail it
@given(
    principal=cents,
    interest=cents,
    fee=cents,
    count=st.integers(min_value=1, max_value=120),
    every=st.integers(min_value=1, max_value=3),
    first_due=days,
)
def test_an_instalment_schedule_sums_to_the_agreed_total_for_any_amount_term_and_dates(
    principal: Decimal, interest: Decimal, fee: Decimal, count: int, every: int, first_due: date
) -> None:
    lines = (Instalment(1, date(1999, 1, 1), cny(principal), cny(interest), cny(fee)),)
    terms = PlanTerms(PlanKind.INSTALMENT, first_due, count=count, every_months=every)
    assume(principal + interest + fee > 0)  # nothing owed: no plan (tested above)

    plan = build_plan(terms, first_due, lines)

    assert plan.agreed == Owed(cny(principal), cny(interest), cny(fee))
    assert len(plan.lines) == count
    assert [line.due_on for line in plan.lines] == sorted(line.due_on for line in plan.lines)
    assert plan.lines[-1].due_on == add_months(first_due, (count - 1) * every)


@st.composite
def reductions(draw: st.DrawFn) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal, Decimal]:
    principal, interest, fee = draw(cents), draw(cents), draw(cents)
    waive_i = draw(st.integers(0, int(interest * 100))) * D("0.01")
    waive_f = draw(st.integers(0, int(fee * 100))) * D("0.01")
    rest = principal + interest + fee - waive_i - waive_f
    discount = draw(st.integers(0, max(0, int(rest * 100) - 1))) * D("0.01")
    return principal, interest, fee, waive_i, waive_f, discount


@settings(deadline=None)  # arithmetic only; a loaded CI machine must not fail it
@given(r=reductions(), count=st.integers(min_value=1, max_value=24))
def test_settlements_and_waivers_never_create_money(
    r: tuple[Decimal, Decimal, Decimal, Decimal, Decimal, Decimal], count: int
) -> None:
    principal, interest, fee, waive_i, waive_f, discount = r
    assume(principal + interest + fee - waive_i - waive_f - discount > 0)  # else a write-off
    lines = (Instalment(1, date(2026, 1, 1), cny(principal), cny(interest), cny(fee)),)
    terms = PlanTerms(
        PlanKind.SETTLEMENT,
        START,
        count=count,
        waive_interest=waive_i,
        waive_fee=waive_f,
        discount=discount,
    )

    plan = build_plan(terms, START, lines)

    assert plan.total.amount == principal + interest + fee - waive_i - waive_f - discount
    for line in plan.lines:
        assert min(line.principal.amount, line.interest.amount, line.fee.amount) >= 0
    assert plan.agreed.principal <= plan.owed.principal
    assert plan.agreed.interest <= plan.owed.interest - cny(waive_i)
    assert plan.agreed.fee <= plan.owed.fee - cny(waive_f)


@settings(deadline=None)  # arithmetic only; a loaded CI machine must not fail it
@given(
    count=st.integers(min_value=1, max_value=24),
    shift=st.integers(min_value=1, max_value=24),
    waive=st.integers(min_value=0, max_value=2400),
)
def test_extensions_and_waiver_plans_keep_the_total_less_exactly_the_waiver(
    count: int, shift: int, waive: int
) -> None:
    unpaid = monthly_schedule(date(2026, 1, 31), count, principal="100", interest="100")
    w = min(D(waive), D(100 * count))
    kind = PlanKind.EXTENSION
    terms = PlanTerms(kind, START, shift_months=shift, waive_interest=w)

    plan = build_plan(terms, START, unpaid)

    assert plan.total.amount == D(200 * count) - w
    assert plan.agreed.principal == cny(100 * count)
    assert all(line.total.is_positive() for line in plan.lines)
