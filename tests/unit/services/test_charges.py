"""What may be demanded of an account, on a FakeUnitOfWork: the charge breakdown and its caps."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from repayment_world import FIRST_PAID, NOW, ORDER, pay, world

from fairdebt.services.acknowledgment import limitation_request
from fairdebt.services.charges import account_charges
from fairdebt.services.debt_state import account_facts
from fairdebt.services.payments import record_payment

D = Decimal
PARTS = ("principal", "interest", "overdue_interest", "penalty", "fees")


def test_charges_above_the_cap_are_excluded_from_what_may_be_demanded() -> None:
    # private lending in 2025-06 at 24 %: the cap is 4 x 3.0 % LPR = 12 %
    uow = world(lender_type="private", interest_rate="0.24", contract_date=date(2025, 6, 1))

    charges = account_charges(uow, "A1", date(2026, 3, 20), ORDER)

    lines = {line["component"]: line for line in charges.to_json()["components"]}
    assert lines["principal"]["amount"] == lines["principal"]["lawful"] == "6000.00"
    assert (lines["interest"]["amount"], lines["interest"]["lawful"]) == ("150.00", "75.00")
    assert lines["interest"]["standing"] == "above_cap"
    assert charges.to_json()["not_yet_due"] == {"interest": "150.00", "fees": "30.00"}
    assert charges.demandable == sum(charges.breakdown.line(c).lawful for c in PARTS)
    assert charges.breakdown.excluded >= D("75.00")


def test_payments_lower_what_is_owed_and_interest_not_yet_due_is_never_demanded() -> None:
    uow = world(paid=FIRST_PAID)

    charges = account_charges(uow, "A1", date(2026, 3, 20), ORDER)

    # instalment 1 paid; 2 and 3 due: 100 interest and 20 fees; 5000 principal unpaid
    assert (charges.amounts.principal, charges.amounts.interest, charges.amounts.fees) == (
        D("5000.00"),
        D("100.00"),
        D("20.00"),
    )
    assert charges.not_yet_due == {"interest": D("150.00"), "fees": D("30.00")}


def test_a_penalty_accrues_on_overdue_principal_by_the_day() -> None:
    uow = world(penalty_rate="0.0365")

    # 1000 overdue for 10 days at 3.65 % a year = 1.00
    assert account_charges(uow, "A1", date(2026, 1, 25), ORDER).amounts.penalty == D("1.00")
    # the same principal paid late stops accruing once paid
    record_payment(uow, pay("P1", date(2026, 1, 25), "1060"), "agent", NOW, date(2026, 2, 1), ORDER)
    assert account_charges(uow, "A1", date(2026, 2, 1), ORDER).amounts.penalty == D("0.00")


def test_a_licensed_lenders_charges_are_unchecked_without_the_packs_ceiling() -> None:
    uow = world()

    unchecked = account_charges(uow, "A1", date(2026, 3, 20), ORDER)
    capped = account_charges(uow, "A1", date(2026, 3, 20), ORDER, ceiling=D("0.09"))

    assert unchecked.breakdown.line("interest").standing.value == "unchecked"
    assert unchecked.to_json()["pack_parameter"] == "cn.rate_ceiling.consumer_finance"
    assert capped.breakdown.line("interest").lawful == D("75.00")
    assert capped.demandable < unchecked.demandable


def test_the_limitation_reads_the_accounts_due_dates_and_the_logs_acknowledgments() -> None:
    uow = world()
    record_payment(uow, pay("P2", date(2026, 8, 3), "10"), "agent", NOW, date(2026, 9, 1), ORDER)

    (facts,) = account_facts(uow, "B1")
    request = limitation_request(uow, "C-B1", "A1", date(2026, 9, 1))

    assert (facts.id, facts.currency, facts.product) == ("A1", "CNY", "consumer_loan")
    assert sorted(facts.due_dates) == [date(2026, m, 15) for m in range(1, 7)]
    assert request["debt"]["due_dates"][-1] == "2026-06-15"
    assert request["events"] == [
        {"type": "debtor_ack", "on": "2026-08-03", "kind": "partial_payment"}
    ]
    assert limitation_request(uow, "C-B1", "A1", date(2026, 8, 2))["events"] == []
    assert account_facts(uow, "B9") == []
