from decimal import Decimal

import pytest

from fairdebt.domain.errors import CurrencyMismatchError, DomainError
from fairdebt.domain.money import Money


def test_money_adds_within_one_currency() -> None:
    assert Money.of("1.10") + Money.of("2.20") == Money.of("3.30")


def test_money_refuses_to_mix_currencies() -> None:
    with pytest.raises(CurrencyMismatchError):
        Money.of("1", "CNY") + Money.of("1", "USD")


def test_money_refuses_floats() -> None:
    with pytest.raises(DomainError):
        Money(1.1, "CNY")  # type: ignore[arg-type]


def test_cents_round_half_up_at_the_storage_point() -> None:
    assert Money(Decimal("0.005")).cents == 1
    assert Money.from_cents(12345).amount == Decimal("123.45")


def test_currency_must_be_an_iso_code() -> None:
    with pytest.raises(DomainError):
        Money.of("1", "yuan")
