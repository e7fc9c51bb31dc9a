"""The validation notice's itemization (Reg F 12 CFR 1006.34(c)(2)) and dispute deadline
(1006.34(b)(5)), derived from a constructed US account's schedule and payments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from builders import make_account
from fakes import FakeUnitOfWork

from fairdebt.domain.loan import Instalment, LenderType, Payment, Product
from fairdebt.domain.money import Money
from fairdebt.letters import itemization


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


def us_account_uow(payments: tuple[tuple[date, str], ...] = ()) -> FakeUnitOfWork:
    """$3,000 lent on 2026-01-02, three instalments of $1,000 + $30 interest + $5 fee due on
    the 1st of February, March and April; `payments` made through an official channel."""
    schedule = tuple(
        Instalment(n + 1, date(2026, 2 + n, 1), usd("1000"), usd("30"), usd("5")) for n in range(3)
    )
    account = make_account(
        schedule,
        account_id="US-778812",
        product=Product.CREDIT_CARD,
        lender="Example Bank, N.A.",
        lender_type=LenderType.LICENSED_BANK,
        principal=usd("3000"),
        disbursed_on=date(2026, 1, 2),
    )
    uow = FakeUnitOfWork()
    uow.accounts.put(account)
    for n, (on, amount) in enumerate(payments):
        uow.payments.add(Payment(f"P{n}", account.id, on, usd(amount), "bank_transfer"))
    return uow


def test_the_itemization_date_is_the_transaction_date_and_the_lines_add_up() -> None:
    uow = us_account_uow(((date(2026, 2, 1), "1035"), (date(2026, 3, 10), "500")))

    fields = itemization(uow, "US-778812", date(2026, 4, 10))

    assert fields["itemization_date"] == "2026-01-02"  # the disbursement: 1006.34(b)(3)(iv)
    assert fields["itemized_amount"] == "3,000.00"
    # paid: all of instalment 1, then $5 fee, $30 interest and $465 principal of instalment 2
    assert fields["interest"] == "90.00"  # 60 paid + 30 due and unpaid (instalment 3)
    assert fields["fees"] == "15.00"  # 10 paid + 5 due and unpaid
    assert fields["paid"] == "1,535.00"
    assert fields["amount"] == "1,570.00"  # 535 of instalment 2 + 1,035 of instalment 3
    assert fields["account_no"] == "****8812" and "US-778812" not in fields.values()
    assert fields["original_creditor"] == fields["creditor"] == "Example Bank, N.A."


def test_interest_not_yet_due_is_not_itemized_and_payments_after_as_of_are_not_seen() -> None:
    uow = us_account_uow(((date(2026, 4, 20), "100"),))

    fields = itemization(uow, "US-778812", date(2026, 2, 15))

    assert (fields["interest"], fields["fees"], fields["paid"]) == ("30.00", "5.00", "0.00")
    assert fields["amount"] == "3,035.00"


@pytest.mark.parametrize(
    ("sent_on", "deadline"),
    [
        # Friday: receipt the next Friday (5 business days), the period ends 30 days later
        (date(2026, 4, 10), "2026-05-17"),
        # Thursday before 4 July 2026 (a Saturday, observed Friday 3 July): the holiday and the
        # weekend are skipped, receipt Friday 10 July
        (date(2026, 7, 2), "2026-08-09"),
        # the day before Thanksgiving (Thursday 26 November 2026): receipt Thursday 3 December
        (date(2026, 11, 25), "2027-01-02"),
    ],
)
def test_the_dispute_deadline_is_30_days_after_receipt_assumed_5_business_days_on(
    sent_on: date, deadline: str
) -> None:
    uow = us_account_uow()

    fields = itemization(uow, "US-778812", sent_on)

    assert fields["dispute_deadline"] == deadline


def test_the_deadline_counts_from_the_sending_day_when_it_is_not_as_of() -> None:
    fields = itemization(us_account_uow(), "US-778812", date(2026, 4, 1), sent_on=date(2021, 11, 1))

    assert fields["dispute_deadline"] == "2021-12-08"  # worked case US-35
