"""A synthetic portfolio in the import format (docs/import.md), fast enough for 100,000 accounts.

Every account gets a monthly schedule and a payment behaviour (pays on time, stops after some
instalments, pays partly, pays ahead, pays late) so that every bucket and roll appears.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

EPOCH = date(1970, 1, 1)
CITIES = ["北京", "上海", "广州", "深圳", "成都", "杭州"]
PRODUCTS = ["credit_card", "consumer_loan", "micro_loan", "other"]
LENDER_TYPES = ["licensed_bank", "consumer_finance", "microloan", "private"]


def _days(d: date) -> int:
    return (d - EPOCH).days


def _money(cents: np.ndarray) -> pa.Array:
    return pa.array([Decimal(int(c)).scaleb(-2) for c in cents], pa.decimal128(18, 2))


def _national_id(rng: np.random.Generator, n: int) -> list[str | None]:
    years = rng.integers(1950, 2004, n)
    sex = rng.integers(0, 10, n)
    return [
        None if i % 7 == 0 else f"110105{y}0101{i % 100:02d}{s}X"
        for i, (y, s) in enumerate(zip(years, sex, strict=True))
    ]


def tables(n: int, as_of: date = date(2026, 11, 24), seed: int = 7) -> dict[str, pa.Table]:
    """Borrowers, accounts, schedules, payments (and activity) as Arrow tables."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"A{i:07d}" for i in range(n)], dtype=object)
    bids = np.array([f"B{i:07d}" for i in range(n)], dtype=object)
    count = rng.integers(3, 13, n)
    disbursed = _days(as_of) - rng.integers(30, 1500, n)
    instalment = rng.integers(100, 400_000, n) * 10  # cents, a multiple of 10
    borrowers = pa.table(
        {
            "borrower_id": bids,
            "name": [f"借款人{i}" for i in range(n)],
            "national_id": _national_id(rng, n),
            "city": rng.choice(CITIES, n),
        }
    )
    accounts = pa.table(
        {
            "account_id": ids,
            "borrower_id": bids,
            "product": rng.choice(PRODUCTS, n),
            "lender": np.full(n, "示例"),
            "lender_type": rng.choice(LENDER_TYPES, n),
            "principal": _money(instalment * count),
            "interest_rate": np.full(n, "0.18"),
            "disbursed_on": pa.array(disbursed, pa.int32()).cast(pa.date32()),
        }
    )
    schedules, payments = _schedules_and_payments(rng, ids, count, disbursed, instalment, as_of)
    activity = pa.table(
        {
            "borrower_id": bids[::50],
            "holds": np.where(np.arange(len(bids[::50])) % 3 == 0, "complaint", ""),
            "broken_promises": rng.integers(0, 4, len(bids[::50])),
        }
    )
    return {
        "borrowers": borrowers,
        "accounts": accounts,
        "schedules": schedules,
        "payments": payments,
        "activity": activity,
    }


def _schedules_and_payments(rng, ids, count, disbursed, instalment, as_of):
    account = np.repeat(np.arange(len(ids)), count)
    seq = np.concatenate([np.arange(1, c + 1) for c in count])
    due = disbursed[account] + 30 * seq
    interest = instalment[account] // 10
    schedules = pa.table(
        {
            "account_id": ids[account],
            "seq": seq,
            "due_on": pa.array(due, pa.int32()).cast(pa.date32()),
            "principal": _money(instalment[account]),
            "interest": _money(interest),
            "fee": _money(np.where(seq % 4 == 0, 500, 0)),
        }
    )
    behaviour = rng.integers(0, 5, len(ids))[account]
    stop = rng.integers(0, 13, len(ids))[account]
    pays = (behaviour == 0) | (seq <= stop)
    lateness = np.where(
        behaviour == 3, rng.integers(0, 40, len(seq)), rng.integers(-5, 2, len(seq))
    )
    amount = instalment[account] + interest + np.where(seq % 4 == 0, 500, 0)
    amount = np.where(behaviour == 2, amount * 7 // 10, amount)  # pays 70 %
    amount = np.where(behaviour == 4, amount * 2, amount)  # pays ahead
    keep = pays & (due + lateness <= _days(as_of) + 20)
    payments = pa.table(
        {
            "payment_id": [f"P{i:09d}" for i in range(int(keep.sum()))],
            "account_id": ids[account][keep],
            "paid_on": pa.array((due + lateness)[keep], pa.int32()).cast(pa.date32()),
            "amount": _money(amount[keep]),
            "channel": np.full(int(keep.sum()), "bank_transfer"),
        }
    )
    return schedules, payments


def write(folder: Path, n: int, as_of: date = date(2026, 11, 24), seed: int = 7) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for kind, table in tables(n, as_of, seed).items():
        pq.write_table(table, folder / f"{kind}.parquet")
    return folder


def shift(d: date, days: int) -> date:
    return d + timedelta(days=days)
