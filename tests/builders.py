"""Builders with sensible defaults, so each test states only what matters to it."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from fairdebt.domain.loan import Account, Instalment, LenderType, Payment, Product
from fairdebt.domain.money import Money


def cny(amount: str | int) -> Money:
    return Money(Decimal(amount), "CNY")


def monthly_schedule(
    first_due: date, count: int, principal: str = "1000", interest: str = "100", fee: str = "0"
) -> tuple[Instalment, ...]:
    return tuple(
        Instalment(
            seq=i + 1,
            due_on=first_due + timedelta(days=30 * i),
            principal=cny(principal),
            interest=cny(interest),
            fee=cny(fee),
        )
        for i in range(count)
    )


def make_account(
    schedule: tuple[Instalment, ...] | None = None, account_id: str = "A1", **overrides: object
) -> Account:
    fields: dict[str, object] = {
        "id": account_id,
        "borrower_id": "B1",
        "product": Product.CONSUMER_LOAN,
        "lender": "示例消费金融",
        "lender_type": LenderType.CONSUMER_FINANCE,
        "principal": cny("12000"),
        "interest_rate": Decimal("0.18"),
        "disbursed_on": date(2026, 1, 1),
        "schedule": schedule if schedule is not None else monthly_schedule(date(2026, 2, 1), 12),
    }
    fields.update(overrides)
    return Account(**fields)  # type: ignore[arg-type]


def pay(on: date, amount: str, payment_id: str = "P1", account_id: str = "A1") -> Payment:
    return Payment(payment_id, account_id, on, cny(amount), channel="bank_transfer")
