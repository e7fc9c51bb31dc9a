"""Allocation and days past due, by example and by property."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from builders import cny, make_account, monthly_schedule, pay
from hypothesis import given, settings
from hypothesis import strategies as st

from fairdebt.domain.delinquency import allocate, bucket_of, delinquency_at
from fairdebt.domain.errors import DomainError
from fairdebt.domain.loan import Component, Instalment, Payment
from fairdebt.domain.money import Money

FIRST_DUE = date(2026, 2, 1)


def test_an_instalment_due_today_is_not_yet_overdue() -> None:
    account = make_account(monthly_schedule(FIRST_DUE, 3))

    assert delinquency_at(account, [], FIRST_DUE).dpd == 0
    assert delinquency_at(account, [], FIRST_DUE + timedelta(days=1)).dpd == 1


def test_dpd_counts_from_the_oldest_unpaid_instalment() -> None:
    account = make_account(monthly_schedule(FIRST_DUE, 3))  # 1100 due every 30 days

    seen = delinquency_at(account, [pay(FIRST_DUE, "1100")], date(2026, 4, 1))

    assert seen.oldest_unpaid_due_on == date(2026, 3, 3)
    assert seen.dpd == 29
    assert seen.overdue == cny("1100")  # the third instalment falls due on 2026-04-02


def test_a_partial_payment_leaves_the_instalment_overdue_with_the_rest() -> None:
    account = make_account(monthly_schedule(FIRST_DUE, 2))

    seen = delinquency_at(account, [pay(FIRST_DUE, "600")], date(2026, 2, 11))

    assert seen.dpd == 10 and seen.overdue == cny("500")


def test_payments_after_as_of_are_not_seen() -> None:
    account = make_account(monthly_schedule(FIRST_DUE, 2))

    seen = delinquency_at(account, [pay(date(2026, 3, 1), "1100")], date(2026, 2, 20))

    assert seen.dpd == 19


def test_default_order_pays_fees_then_interest_then_principal() -> None:
    schedule = monthly_schedule(FIRST_DUE, 1, principal="1000", interest="100", fee="50")

    state = allocate(schedule, [pay(FIRST_DUE, "120")]).states[0]

    assert state.paid[Component.FEE] == cny("50")
    assert state.paid[Component.INTEREST] == cny("70")
    assert state.paid[Component.PRINCIPAL] == cny("0")


def test_a_configured_order_can_pay_principal_first() -> None:
    schedule = monthly_schedule(FIRST_DUE, 1, principal="1000", interest="100", fee="50")
    order = (Component.PRINCIPAL, Component.INTEREST, Component.FEE)

    state = allocate(schedule, [pay(FIRST_DUE, "1020")], order).states[0]

    assert state.paid[Component.PRINCIPAL] == cny("1000")
    assert state.paid[Component.INTEREST] == cny("20")


def test_an_order_that_forgets_a_component_is_refused() -> None:
    with pytest.raises(DomainError):
        allocate((), [], (Component.FEE, Component.INTEREST))


def test_overpayment_is_kept_as_unapplied_credit() -> None:
    schedule = monthly_schedule(FIRST_DUE, 1)

    allocation = allocate(schedule, [pay(FIRST_DUE, "2000")])

    assert allocation.unapplied == cny("900")


def test_buckets_follow_the_product_brief() -> None:
    assert [bucket_of(d) for d in (0, 1, 30, 31, 60, 180, 181, 900)] == [
        "M0",
        "M1",
        "M1",
        "M2",
        "M2",
        "M6",
        "M7+",
        "M7+",
    ]


cents = st.integers(min_value=0, max_value=500_000).map(lambda c: Money.from_cents(c))
positive_cents = st.integers(min_value=1, max_value=800_000).map(lambda c: Money.from_cents(c))


@st.composite
def schedules(draw: st.DrawFn) -> tuple[Instalment, ...]:
    n = draw(st.integers(min_value=1, max_value=8))
    gaps = draw(st.lists(st.integers(1, 40), min_size=n, max_size=n))
    due, out = FIRST_DUE, []
    for i, gap in enumerate(gaps):
        due += timedelta(days=gap)
        out.append(Instalment(i + 1, due, draw(cents), draw(cents), draw(cents)))
    return tuple(out)


@st.composite
def payments(draw: st.DrawFn) -> list[Payment]:
    n = draw(st.integers(min_value=0, max_value=6))
    days = draw(st.lists(st.integers(0, 400), min_size=n, max_size=n))
    return [
        Payment(f"P{i}", "A1", FIRST_DUE + timedelta(days=d), draw(positive_cents), "bank_transfer")
        for i, d in enumerate(days)
    ]


orders = st.permutations(list(Component))


@settings(max_examples=200)
@given(schedules(), payments(), orders)
def test_allocation_never_creates_or_loses_a_cent(schedule, paid, order) -> None:
    allocation = allocate(schedule, paid, order)

    total_paid = sum((p.amount for p in paid), Money.zero())
    assert allocation.allocated + allocation.unapplied == total_paid
    for state in allocation.states:
        for which in Component:
            assert (
                Decimal(0) <= state.paid[which].amount <= state.instalment.component(which).amount
            )


@settings(max_examples=200)
@given(schedules(), payments(), st.integers(0, 500), st.integers(0, 120))
def test_dpd_is_monotone_between_payments(schedule, paid, start, step) -> None:
    account = make_account(schedule)
    earlier = FIRST_DUE + timedelta(days=start)
    later = earlier + timedelta(days=step)
    if any(earlier < p.paid_on <= later for p in paid):
        return  # a payment in between may cure: the property is about quiet stretches

    before = delinquency_at(account, paid, earlier)
    after = delinquency_at(account, paid, later)

    assert after.dpd >= before.dpd
    if before.dpd > 0:
        assert after.dpd == before.dpd + step  # the clock keeps running on the same instalment
