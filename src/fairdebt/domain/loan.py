"""Accounts (loans and credit cards), their instalment schedules, and payments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from fairdebt.domain.errors import DomainError
from fairdebt.domain.money import Money


class Product(StrEnum):
    CREDIT_CARD = "credit_card"
    CONSUMER_LOAN = "consumer_loan"
    MICRO_LOAN = "micro_loan"  # online micro-loan (网络小贷)
    OTHER = "other"


class LenderType(StrEnum):
    """The words of the legal API (docs/legal.md): the interest cap depends on who lent."""

    PRIVATE = "private"
    LICENSED_BANK = "licensed_bank"
    CONSUMER_FINANCE = "consumer_finance"
    MICROLOAN = "microloan"
    OTHER_LOCAL_FINANCIAL = "other_local_financial"


class Component(StrEnum):
    FEE = "fee"
    INTEREST = "interest"
    PRINCIPAL = "principal"


DEFAULT_ALLOCATION_ORDER: tuple[Component, ...] = (
    Component.FEE,
    Component.INTEREST,
    Component.PRINCIPAL,
)


@dataclass(frozen=True, slots=True)
class Instalment:
    """One due date of a schedule and what falls due on it."""

    seq: int
    due_on: date
    principal: Money
    interest: Money
    fee: Money

    def __post_init__(self) -> None:
        currencies = {self.principal.currency, self.interest.currency, self.fee.currency}
        if len(currencies) != 1:
            raise DomainError(f"instalment {self.seq} mixes currencies {sorted(currencies)}")
        for part in (self.principal, self.interest, self.fee):
            if part.amount < 0:
                raise DomainError(f"instalment {self.seq} has a negative amount {part}")

    def component(self, which: Component) -> Money:
        return {
            Component.FEE: self.fee,
            Component.INTEREST: self.interest,
            Component.PRINCIPAL: self.principal,
        }[which]

    @property
    def total(self) -> Money:
        return self.principal + self.interest + self.fee


@dataclass(frozen=True, slots=True)
class Payment:
    """Money received on an account. Only official channels exist: a channel is required."""

    id: str
    account_id: str
    paid_on: date
    amount: Money
    channel: str
    channel_ref: str = ""

    def __post_init__(self) -> None:
        if not self.amount.is_positive():
            raise DomainError(f"payment {self.id} must be positive, got {self.amount}")
        if not self.channel:
            raise DomainError(f"payment {self.id} has no payment channel")


@dataclass(frozen=True, slots=True)
class Account:
    """One loan or card of a borrower, with the terms that the legal math reads."""

    id: str
    borrower_id: str
    product: Product
    lender: str
    lender_type: LenderType
    principal: Money
    interest_rate: Decimal  # per year, as a fraction: 0.154 = 15.4 %
    disbursed_on: date
    schedule: tuple[Instalment, ...] = ()
    penalty_rate: Decimal = Decimal(0)
    fee_rate: Decimal = Decimal(0)
    contract_date: date | None = None

    def __post_init__(self) -> None:
        if self.principal.amount < 0:
            raise DomainError(f"account {self.id}: negative principal {self.principal}")
        if self.interest_rate < 0 or self.penalty_rate < 0 or self.fee_rate < 0:
            raise DomainError(f"account {self.id}: rates cannot be negative")
        seqs = [i.seq for i in self.schedule]
        if len(set(seqs)) != len(seqs):
            raise DomainError(f"account {self.id}: instalment numbers repeat")
        for inst in self.schedule:
            if inst.principal.currency != self.currency:
                raise DomainError(f"account {self.id}: schedule currency differs")

    @property
    def currency(self) -> str:
        return self.principal.currency

    @property
    def ordered_schedule(self) -> tuple[Instalment, ...]:
        return tuple(sorted(self.schedule, key=lambda i: (i.due_on, i.seq)))

    @property
    def last_due_on(self) -> date | None:
        return max((i.due_on for i in self.schedule), default=None)
