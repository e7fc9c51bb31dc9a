"""The account of repayment_seed.py, in a FakeUnitOfWork: the repayment services' unit tests.

Borrower B1 with case C-B1 and account A1: 6 000 lent, six monthly instalments of 1 000 principal
+ 50 interest + 10 fee, due on the 15th from January to June 2026. `world(paid=[...])` adds
payments through an official channel.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from fakes import FakeUnitOfWork
from fakes.repayment import open_account

from fairdebt.domain.loan import Account, Component, Instalment, LenderType, Payment, Product
from fairdebt.domain.money import Money
from fairdebt.domain.payment_channel import official_payment

NOW = datetime(2026, 4, 20, 9, 0, tzinfo=UTC)
AS_OF = date(2026, 4, 20)
ORDER = (Component.FEE, Component.INTEREST, Component.PRINCIPAL)
DUE = [date(2026, m, 15) for m in range(1, 7)]


def cny_cents(cents: int) -> Money:
    return Money.from_cents(cents, "CNY")


def account(
    lender_type: str = "consumer_finance",
    interest_rate: str = "0.18",
    penalty_rate: str = "0",
    contract_date: date = date(2025, 12, 15),
) -> Account:
    schedule = tuple(
        Instalment(n + 1, due, cny_cents(100_000), cny_cents(5_000), cny_cents(1_000))
        for n, due in enumerate(DUE)
    )
    return Account(
        id="A1",
        borrower_id="B1",
        product=Product.CONSUMER_LOAN,
        lender="示例消费金融",
        lender_type=LenderType(lender_type),
        principal=cny_cents(600_000),
        interest_rate=Decimal(interest_rate),
        disbursed_on=contract_date,
        schedule=schedule,
        penalty_rate=Decimal(penalty_rate),
        contract_date=contract_date,
    )


def pay(pid: str, on: date, amount: str, channel: str = "bank_transfer") -> Payment:
    return official_payment(pid, "A1", on, Money(Decimal(amount)), channel, f"TX-{pid}")


def world(paid: tuple[tuple[str, date, int], ...] = (), **terms: object) -> FakeUnitOfWork:
    """A fresh unit with A1 (terms: account()'s keywords) and the payments `paid`, committed."""
    uow = FakeUnitOfWork()
    open_account(uow, account(**terms), "C-B1", date(2026, 2, 16))  # type: ignore[arg-type]
    with uow:
        for pid, on, cents in paid:
            uow.payments.add(Payment(pid, "A1", on, cny_cents(cents), "bank_transfer", "TX"))
        uow.commit()
    return uow


FIRST_PAID = (
    ("P1", date(2026, 1, 15), 106_000),
)  # instalment 1 in full: 64 days past due on AS_OF
