"""Money: a Decimal amount with its currency. A float near money is a bug."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from fairdebt.domain.errors import CurrencyMismatchError, DomainError

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True, order=False)
class Money:
    """An amount of one currency. Arithmetic never mixes currencies."""

    amount: Decimal
    currency: str = "CNY"

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise DomainError(f"Money needs a Decimal, got {type(self.amount).__name__}")
        if not self.amount.is_finite():
            raise DomainError(f"Money amount must be finite, got {self.amount}")
        if len(self.currency) != 3 or not self.currency.isupper():
            raise DomainError(f"currency must be an ISO 4217 code, got {self.currency!r}")

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str = "CNY") -> Money:
        return cls(Decimal(amount), currency)

    @classmethod
    def zero(cls, currency: str = "CNY") -> Money:
        return cls(Decimal(0), currency)

    @classmethod
    def from_cents(cls, cents: int, currency: str = "CNY") -> Money:
        return cls(Decimal(cents).scaleb(-2), currency)

    @property
    def cents(self) -> int:
        """The amount in minor units, rounded half-up: the named rounding point for storage."""
        return int(self.amount.quantize(CENT, rounding=ROUND_HALF_UP).scaleb(2))

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatchError(f"cannot combine {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    def is_zero(self) -> bool:
        return self.amount == 0

    def is_positive(self) -> bool:
        return self.amount > 0

    def min(self, other: Money) -> Money:
        return self if self <= other else other

    def rounded(self) -> Money:
        return Money(self.amount.quantize(CENT, rounding=ROUND_HALF_UP), self.currency)

    def __str__(self) -> str:
        return f"{self.amount:,.2f} {self.currency}"
