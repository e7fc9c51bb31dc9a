"""Promises to pay: kept, partly kept or broken, judged at a date from the payments received."""

from __future__ import annotations

from datetime import date

import pytest
from builders import cny, pay
from hypothesis import given, settings
from hypothesis import strategies as st

from fairdebt.domain.errors import DomainError
from fairdebt.domain.promise import Promise, PromiseStatus, evaluate_promises

MADE = date(2026, 3, 1)
DUE = date(2026, 3, 10)


def promise(amount: str = "500", due: date = DUE, pid: str = "PR1") -> Promise:
    return Promise(pid, "A1", MADE, due, cny(amount), "bank_transfer")


def status_at(as_of: date, *payments, grace: int = 3, promises=None) -> list[PromiseStatus]:
    outcomes = evaluate_promises(promises or [promise()], payments, as_of, grace)
    return [o.status for o in outcomes]


def test_a_promise_paid_in_full_by_its_due_date_is_kept() -> None:
    assert status_at(date(2026, 3, 20), pay(date(2026, 3, 9), "500")) == [PromiseStatus.KEPT]


def test_a_promise_is_kept_the_day_it_is_paid_even_before_it_falls_due() -> None:
    assert status_at(date(2026, 3, 2), pay(date(2026, 3, 2), "500")) == [PromiseStatus.KEPT]


def test_a_payment_inside_the_grace_days_still_keeps_the_promise() -> None:
    on_last_grace_day = pay(date(2026, 3, 13), "500")

    assert status_at(date(2026, 3, 20), on_last_grace_day, grace=3) == [PromiseStatus.KEPT]


def test_a_payment_after_the_grace_days_does_not_keep_it() -> None:
    late = pay(date(2026, 3, 14), "500")

    assert status_at(date(2026, 3, 20), late, grace=3) == [PromiseStatus.BROKEN]


def test_a_promise_is_open_until_the_grace_days_run_out() -> None:
    assert status_at(date(2026, 3, 13), grace=3) == [PromiseStatus.OPEN]
    assert status_at(date(2026, 3, 14), grace=3) == [PromiseStatus.BROKEN]


def test_part_of_the_amount_paid_is_partly_kept() -> None:
    outcome = evaluate_promises([promise()], [pay(date(2026, 3, 5), "200")], date(2026, 4, 1), 0)

    assert outcome[0].status is PromiseStatus.PARTLY_KEPT
    assert outcome[0].paid == cny("200")


def test_a_payment_made_before_the_promise_does_not_count() -> None:
    assert status_at(date(2026, 4, 1), pay(date(2026, 2, 28), "500")) == [PromiseStatus.BROKEN]


def test_payments_after_as_of_are_not_seen() -> None:
    assert status_at(date(2026, 3, 20), pay(date(2026, 3, 21), "500")) == [PromiseStatus.BROKEN]


def test_one_payment_cannot_keep_two_promises() -> None:
    both = [promise("500", DUE, "PR1"), promise("500", date(2026, 3, 12), "PR2")]

    result = status_at(date(2026, 4, 1), pay(date(2026, 3, 5), "700"), promises=both)

    assert result == [PromiseStatus.KEPT, PromiseStatus.PARTLY_KEPT]


def test_payments_on_another_account_do_not_count() -> None:
    other = pay(date(2026, 3, 5), "500", account_id="A2")

    assert status_at(date(2026, 4, 1), other) == [PromiseStatus.BROKEN]


def test_a_promise_needs_a_positive_amount_a_channel_and_a_due_date_after_it_was_made() -> None:
    with pytest.raises(DomainError, match="positive"):
        promise("0")
    with pytest.raises(DomainError, match="before it was made"):
        promise(due=date(2026, 2, 1))
    with pytest.raises(DomainError, match="channel"):
        Promise("PR1", "A1", MADE, DUE, cny("1"), "")


@settings(deadline=None)  # arithmetic only; a loaded CI machine must not fail it
@given(
    amount=st.integers(min_value=1, max_value=10**6),
    paid=st.lists(st.integers(min_value=1, max_value=10**6), max_size=5),
    grace=st.integers(min_value=0, max_value=10),
)
def test_what_counts_towards_a_promise_never_exceeds_its_amount_or_what_was_paid(
    amount: int, paid: list[int], grace: int
) -> None:
    payments = [pay(date(2026, 3, 2), str(p), f"P{i}") for i, p in enumerate(paid)]

    (outcome,) = evaluate_promises([promise(str(amount))], payments, date(2026, 6, 1), grace)

    assert outcome.paid.amount == min(amount, sum(paid))
    assert (outcome.status is PromiseStatus.KEPT) == (sum(paid) >= amount)
