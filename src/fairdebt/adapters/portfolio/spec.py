"""The portfolio format as data: one ColumnSpec per column of each file kind (docs/import.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["borrowers", "accounts", "schedules", "payments"]
KINDS: tuple[Kind, ...] = ("borrowers", "accounts", "schedules", "payments")

ColumnType = Literal[
    "id",
    "text",
    "money",
    "rate",
    "date",
    "int",
    "float",
    "enum",
    "phones",
    "national_id",
    "timezone",
    "currency",
]


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    name: str
    type: ColumnType
    required: bool = False
    choices: tuple[str, ...] = ()
    positive: bool = False  # money that must be > 0 rather than >= 0


@dataclass(frozen=True, slots=True)
class FileSpec:
    kind: Kind
    key: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]
    parent: tuple[str, Kind] | None = None  # (column, kind it must exist in)

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


PRODUCTS = ("credit_card", "consumer_loan", "micro_loan", "other")
LENDER_TYPES = (
    "private",
    "licensed_bank",
    "consumer_finance",
    "microloan",
    "other_local_financial",
)
CHANNELS = ("bank_transfer", "payment_link", "lender_app", "auto_debit", "other_official")

SPECS: dict[Kind, FileSpec] = {
    "borrowers": FileSpec(
        "borrowers",
        key=("borrower_id",),
        columns=(
            ColumnSpec("borrower_id", "id", required=True),
            ColumnSpec("name", "text", required=True),
            ColumnSpec("national_id", "national_id"),
            ColumnSpec("phones", "phones"),
            ColumnSpec("email", "text"),
            ColumnSpec("address", "text"),
            ColumnSpec("city", "text"),
            ColumnSpec("lat", "float"),
            ColumnSpec("lon", "float"),
            ColumnSpec("timezone", "timezone"),
        ),
    ),
    "accounts": FileSpec(
        "accounts",
        key=("account_id",),
        parent=("borrower_id", "borrowers"),
        columns=(
            ColumnSpec("account_id", "id", required=True),
            ColumnSpec("borrower_id", "id", required=True),
            ColumnSpec("product", "enum", required=True, choices=PRODUCTS),
            ColumnSpec("lender", "text", required=True),
            ColumnSpec("lender_type", "enum", required=True, choices=LENDER_TYPES),
            ColumnSpec("currency", "currency"),
            ColumnSpec("principal", "money", required=True),
            ColumnSpec("interest_rate", "rate", required=True),
            ColumnSpec("penalty_rate", "rate"),
            ColumnSpec("fee_rate", "rate"),
            ColumnSpec("contract_date", "date"),
            ColumnSpec("disbursed_on", "date", required=True),
        ),
    ),
    "schedules": FileSpec(
        "schedules",
        key=("account_id", "seq"),
        parent=("account_id", "accounts"),
        columns=(
            ColumnSpec("account_id", "id", required=True),
            ColumnSpec("seq", "int", required=True),
            ColumnSpec("due_on", "date", required=True),
            ColumnSpec("principal", "money", required=True),
            ColumnSpec("interest", "money", required=True),
            ColumnSpec("fee", "money"),
        ),
    ),
    "payments": FileSpec(
        "payments",
        key=("payment_id",),
        parent=("account_id", "accounts"),
        columns=(
            ColumnSpec("payment_id", "id", required=True),
            ColumnSpec("account_id", "id", required=True),
            ColumnSpec("paid_on", "date", required=True),
            ColumnSpec("amount", "money", required=True, positive=True),
            ColumnSpec("channel", "enum", required=True, choices=CHANNELS),
            ColumnSpec("channel_ref", "text"),
        ),
    ),
}
