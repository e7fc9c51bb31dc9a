"""Turn one block's arrays into the four tables of the import format (docs/import.md).

The schemas here are the written types: text as UTF-8 strings, amounts as decimal128(18, 2),
rates as decimal128(7, 4), dates as date32, instalment numbers as int32.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from fairdebt.demo.behaviour import CHANNELS, Payments
from fairdebt.demo.columns import (
    MONEY,
    RATE,
    ascii_text,
    cents,
    constant,
    dates,
    ident,
    ident_matrix,
    pick,
    random_digits,
    rates,
    yyyymmdd,
)
from fairdebt.demo.loans import LENDER_TYPES, PRODUCT_NAMES, Accounts, Schedule
from fairdebt.demo.pools import LENDERS

ID_DIGITS = 10  # A0000000001: room for ten thousand million accounts

TEXT, FLOAT, DATE, INT = pa.string(), pa.float64(), pa.date32(), pa.int32()
SCHEMAS: dict[str, pa.Schema] = {
    "borrowers": pa.schema(
        [
            ("borrower_id", TEXT), ("name", TEXT), ("national_id", TEXT), ("phones", TEXT),
            ("email", TEXT), ("address", TEXT), ("city", TEXT), ("lat", FLOAT), ("lon", FLOAT),
            ("timezone", TEXT),
        ]
    ),
    "accounts": pa.schema(
        [
            ("account_id", TEXT), ("borrower_id", TEXT), ("product", TEXT), ("lender", TEXT),
            ("lender_type", TEXT), ("currency", TEXT), ("principal", MONEY),
            ("interest_rate", RATE), ("penalty_rate", RATE), ("fee_rate", RATE),
            ("contract_date", DATE), ("disbursed_on", DATE),
        ]
    ),
    "schedules": pa.schema(
        [
            ("account_id", TEXT), ("seq", INT), ("due_on", DATE), ("principal", MONEY),
            ("interest", MONEY), ("fee", MONEY),
        ]
    ),
    "payments": pa.schema(
        [
            ("payment_id", TEXT), ("account_id", TEXT), ("paid_on", DATE), ("amount", MONEY),
            ("channel", TEXT), ("channel_ref", TEXT),
        ]
    ),
}  # fmt: skip

_LENDER_POOL = pa.array([name for kind in LENDER_TYPES for name in LENDERS[kind]])
_LENDER_START = np.cumsum([0] + [len(LENDERS[kind]) for kind in LENDER_TYPES])[:-1]
_REF_PREFIX = np.frombuffer(b"BTPLAPADOT", dtype=np.uint8).reshape(len(CHANNELS), 2)


@dataclass(frozen=True, slots=True)
class Numbering:
    """Where this block's numbers start: ids stay unique and dense across blocks."""

    account: int
    borrower: int
    payment: int


def account_ids(n: int, first: Numbering) -> np.ndarray:
    """The block's account ids as an ASCII matrix: schedules and payments index into it."""
    return ident_matrix("A", np.arange(first.account, first.account + n), ID_DIGITS)


def accounts_table(acc: Accounts, owner: np.ndarray, ids: np.ndarray, first: Numbering) -> pa.Table:
    n = len(acc.product)
    columns = [
        ascii_text(ids),
        ident("B", owner + first.borrower, ID_DIGITS),
        pick(pa.array(PRODUCT_NAMES), acc.product),
        pick(_LENDER_POOL, _LENDER_START[acc.lender_type] + acc.lender),
        pick(pa.array(LENDER_TYPES), acc.lender_type),
        ascii_text(constant("CNY", n)),
        cents(acc.principal),
        rates(acc.rate),
        rates(acc.penalty_rate),
        rates(acc.fee_rate),
        dates(acc.contract),
        dates(acc.disbursed),
    ]
    return pa.Table.from_arrays(columns, schema=SCHEMAS["accounts"])


def schedules_table(sched: Schedule, ids: np.ndarray) -> pa.Table:
    columns = [
        ascii_text(ids[sched.account]),
        pa.array(sched.seq.astype(np.int32)),
        dates(sched.due),
        cents(sched.principal),
        cents(sched.interest),
        cents(sched.fee),
    ]
    return pa.Table.from_arrays(columns, schema=SCHEMAS["schedules"])


def payments_table(
    pays: Payments, ids: np.ndarray, first: Numbering, rng: np.random.Generator
) -> pa.Table:
    n = len(pays.amount)
    reference = ascii_text(
        _REF_PREFIX[pays.channel], yyyymmdd(pays.paid_on), random_digits(n, 10, rng)
    )
    columns = [
        ident("P", np.arange(first.payment, first.payment + n), ID_DIGITS + 2),
        ascii_text(ids[pays.account]),
        dates(pays.paid_on),
        cents(pays.amount),
        pick(pa.array(CHANNELS), pays.channel),
        reference,
    ]
    return pa.Table.from_arrays(columns, schema=SCHEMAS["payments"])
