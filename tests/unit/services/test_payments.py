"""Recording and reversing payments on a FakeUnitOfWork: allocation, acknowledgment, snapshot."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from repayment_world import AS_OF, FIRST_PAID, NOW, ORDER, pay, world

from fairdebt.domain.loan import Payment
from fairdebt.domain.money import Money
from fairdebt.services.payments import (
    RepaymentError,
    load_account,
    payments_seen,
    payments_seen_many,
    record_payment,
    refresh_account,
    reversal_id_for,
    reverse_payment,
)


def test_a_partial_payment_is_allocated_in_order_and_acknowledges_the_rest() -> None:
    uow = world(paid=FIRST_PAID)

    result = record_payment(uow, pay("P2", AS_OF, "30.00"), "agent", NOW, AS_OF, ORDER)

    assert result.allocation == {
        "instalments": {"2": {"fee": 1_000, "interest": 2_000, "principal": 0}},
        "unapplied_cents": 0,
    }
    assert result.outstanding_after == Money(Decimal("5270.00"))
    assert result.acknowledged and result.case_id == "C-B1"
    log = uow.events.events("C-B1")
    assert [e.type for e in log] == ["payment_recorded", "debtor_ack"]
    assert log[0].data["amount_cents"] == 3_000 and log[0].data["channel_ref"] == "TX-P2"
    assert (log[1].data["kind"], log[1].data["on"], log[1].data["payment"]) == (
        "partial_payment",
        "2026-04-20",
        "P2",
    )
    assert uow.payments.get("P2").amount_cents == 3_000
    assert uow.commits == 3  # the world's two, and this use case's one


def test_recording_refreshes_the_account_snapshot_and_the_case_summary() -> None:
    uow = world(paid=FIRST_PAID)

    record_payment(uow, pay("P2", AS_OF, "1060"), "agent", NOW, AS_OF, ORDER)

    status = uow.account_status.rows["A1"]
    # instalment 2 paid; 3 (due 03-15) is the oldest unpaid: 36 days
    assert (status.dpd, status.bucket) == (36, "M2")
    assert (status.overdue_cents, status.outstanding_cents, status.paid_cents) == (
        212_000,
        424_000,
        212_000,
    )
    summary = uow.account_status.summaries["B1"]
    assert (summary.dpd, summary.outstanding_cents, summary.as_of) == (36, 424_000, AS_OF)


def test_paying_everything_is_not_a_partial_payment() -> None:
    uow = world(paid=FIRST_PAID)

    result = record_payment(uow, pay("P2", AS_OF, "5300"), "agent", NOW, AS_OF, ORDER)

    assert not result.acknowledged
    assert result.outstanding_after.is_zero()
    assert [e.type for e in uow.events.events("C-B1")] == ["payment_recorded"]
    assert uow.account_status.rows["A1"].dpd == 0


def test_a_payment_without_a_channel_reference_is_refused_and_nothing_is_kept() -> None:
    uow = world()
    no_ref = Payment("P5", "A1", AS_OF, Money(Decimal(100)), "bank_transfer", "")

    with pytest.raises(RepaymentError, match="no bank_transfer reference") as caught:
        record_payment(uow, no_ref, "agent", NOW, AS_OF, ORDER)

    assert "official channel" in caught.value.hint
    assert uow.payments.rows == {} and uow.events.events("C-B1") == []


def test_a_payment_is_refused_twice_in_another_currency_or_dated_after_the_business_day() -> None:
    uow = world(paid=FIRST_PAID)

    with pytest.raises(RepaymentError, match="already recorded"):
        record_payment(uow, pay("P1", AS_OF, "10"), "agent", NOW, AS_OF, ORDER)
    usd = Payment("P3", "A1", AS_OF, Money(Decimal(10), "USD"), "bank_transfer", "TX")
    with pytest.raises(RepaymentError, match="in USD, account A1 in CNY"):
        record_payment(uow, usd, "agent", NOW, AS_OF, ORDER)
    with pytest.raises(RepaymentError, match="after 2026-04-20"):
        record_payment(uow, pay("P4", date(2026, 4, 21), "10"), "agent", NOW, AS_OF, ORDER)
    with pytest.raises(RepaymentError, match="no account 'A9'"):
        load_account(uow, "A9")


def test_a_use_case_that_fails_half_way_leaves_nothing_behind() -> None:
    uow = world()
    uow.cases.rows.clear()  # the borrower has no case: found only after the payment is stored
    with uow:
        uow.commit()

    with pytest.raises(RepaymentError, match="has no case"):
        record_payment(uow, pay("P2", AS_OF, "10"), "agent", NOW, AS_OF, ORDER)

    assert uow.payments.rows == {}
    assert uow.account_status.rows == {}


def test_a_reversal_is_a_negative_row_and_restores_the_previous_dpd() -> None:
    uow = world(paid=FIRST_PAID)
    refresh_account(uow, load_account(uow, "A1"), AS_OF, ORDER)
    assert uow.account_status.rows["A1"].dpd == 64
    record_payment(uow, pay("P2", AS_OF, "3180"), "agent", NOW, AS_OF, ORDER)
    assert uow.account_status.rows["A1"].dpd == 0

    reversal = reverse_payment(uow, "P2", AS_OF, " bounced ", "agent", NOW, AS_OF, ORDER)

    assert reversal == reversal_id_for("P2")
    row = uow.payments.get(reversal)
    assert (row.amount_cents, row.paid_on, row.channel_ref) == (
        -318_000,
        AS_OF,
        "reversal of TX-P2",
    )
    assert uow.payments.reversal_of("P2") == reversal
    assert uow.account_status.rows["A1"].dpd == 64
    assert uow.account_status.rows["A1"].paid_cents == 106_000
    event = uow.events.events("C-B1")[-1]
    assert (event.type, event.data["amount_cents"], event.data["reason"]) == (
        "payment_reversed",
        318_000,
        "bounced",
    )
    with pytest.raises(RepaymentError, match="already reversed"):
        reverse_payment(uow, "P2", AS_OF, "again", "agent", NOW, AS_OF, ORDER)


def test_a_reversed_payment_counts_until_the_day_it_was_reversed() -> None:
    uow = world(paid=(("P1", date(2026, 1, 15), 106_000), ("P2", date(2026, 2, 15), 50_000)))

    reverse_payment(uow, "P2", date(2026, 3, 1), "bounced", "agent", NOW, AS_OF, ORDER)

    assert [p.id for p in payments_seen(uow, "A1", date(2026, 2, 28))] == ["P1", "P2"]
    assert [p.id for p in payments_seen(uow, "A1", date(2026, 3, 1))] == ["P1"]
    assert payments_seen_many(uow, ["A1", "A9"], date(2026, 1, 1)) == {}


def test_a_reversal_needs_a_payment_a_reason_and_a_date_in_range() -> None:
    uow = world(paid=FIRST_PAID)

    with pytest.raises(RepaymentError, match="no payment 'P9' to reverse"):
        reverse_payment(uow, "P9", AS_OF, "bounced", "agent", NOW, AS_OF, ORDER)
    with pytest.raises(RepaymentError, match="needs a reason"):
        reverse_payment(uow, "P1", AS_OF, "  ", "agent", NOW, AS_OF, ORDER)
    with pytest.raises(RepaymentError, match="before the payment's date"):
        reverse_payment(uow, "P1", date(2026, 1, 14), "bounced", "agent", NOW, AS_OF, ORDER)
    with pytest.raises(RepaymentError, match="after 2026-04-20"):
        reverse_payment(uow, "P1", date(2026, 4, 21), "bounced", "agent", NOW, AS_OF, ORDER)
    assert uow.payments.reversals == {}
