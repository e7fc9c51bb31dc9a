"""The default strategy in plain pandas, as an analyst would write it: the benchmark's baseline.

Honest, not deliberately slow and not hyper-optimised: read only the needed columns with the
pyarrow dtype backend (the default object dtypes hold a Python Decimal and date per cell and do
not fit ten million accounts), turn money into integer cents, then groupby/merge/np.select over
whole columns. The rules are those of the shipped `default.yaml`, written out by hand. Arm slots
come from `fairdebt.strategy.arms.slots` (the FNV-1a hash every implementation shares).

`limit` keeps only the first `limit` accounts (ids are numbered in file order), read with a
row-group filter, for when the whole portfolio does not fit pandas' memory.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

NEVER = 99_999


def _read(path: Path, columns: list[str], last_id: str | None) -> pd.DataFrame:
    filters = [("account_id", "<=", last_id)] if last_id is not None else None
    if "account_id" not in columns:
        filters = None
    return pd.read_parquet(path, columns=columns, dtype_backend="pyarrow", filters=filters)


def _cents(yuan: pd.Series) -> pd.Series:
    # float64 holds every 2-decimal amount below 10^13 yuan closely enough to round exactly
    return (yuan.astype("float64").fillna(0.0) * 100).round().astype("int64")


def load(folder: Path, limit: int | None) -> dict[str, pd.DataFrame]:
    accounts = _read(folder / "accounts.parquet", ["account_id", "borrower_id", "product"], None)
    last_id = None
    if limit is not None and limit < len(accounts):
        accounts = accounts.iloc[:limit]
        last_id = str(accounts.account_id.iloc[-1])
    cols = ["account_id", "seq", "due_on", "principal", "interest", "fee"]
    s = _read(folder / "schedules.parquet", cols, last_id)
    schedules = pd.DataFrame(
        {
            "account_id": s.account_id,
            "seq": s.seq.astype("int64"),
            "due_on": s.due_on.astype("datetime64[s]"),
            "due_cents": _cents(s.principal) + _cents(s.interest) + _cents(s.fee),
        }
    )
    del s
    p = _read(folder / "payments.parquet", ["account_id", "paid_on", "amount"], last_id)
    payments = pd.DataFrame(
        {
            "account_id": p.account_id,
            "paid_on": p.paid_on.astype("datetime64[s]"),
            "amount_cents": _cents(p.amount),
        }
    )
    del p
    activity_path = folder / "activity.parquet"
    activity = (
        _read(activity_path, ["borrower_id", "holds", "broken_promises"], None)
        if activity_path.exists()
        else pd.DataFrame({"borrower_id": [], "holds": [], "broken_promises": []})
    )
    return {
        "accounts": accounts,
        "schedules": schedules,
        "payments": payments,
        "activity": activity,
    }


def dues(schedules: pd.DataFrame, payments: pd.DataFrame, today: pd.Timestamp) -> pd.DataFrame:
    schedules["past_cents"] = schedules.due_cents.where(schedules.due_on < today, 0)
    d = schedules.groupby("account_id").agg(
        total_cents=("due_cents", "sum"),
        final_due=("due_on", "max"),
        due_to_date=("past_cents", "sum"),
    )
    p = payments[payments.paid_on <= today]
    paid = p.groupby("account_id").agg(
        paid_cents=("amount_cents", "sum"),
        payments_count=("amount_cents", "size"),
        last_paid=("paid_on", "max"),
    )
    d = d.join(paid, how="left")
    d["paid_cents"] = d.paid_cents.fillna(0).astype("int64")
    d["payments_count"] = d.payments_count.fillna(0).astype("int64")
    return d


def late(schedules: pd.DataFrame, d: pd.DataFrame, today: pd.Timestamp) -> pd.DataFrame:
    """Running total of the past instalments of accounts behind on their schedule."""
    behind = d.loc[d.due_to_date > d.paid_cents, ["paid_cents"]]
    past = schedules[schedules.due_on < today]
    past = past.merge(behind, left_on="account_id", right_index=True)
    past = past.sort_values(["account_id", "due_on", "seq"])
    past["cum_cents"] = past.groupby("account_id").due_cents.cumsum()
    unpaid = past[(past.cum_cents > past.paid_cents) & (past.due_cents > 0)]
    return unpaid.groupby("account_id").agg(
        oldest=("due_on", "min"), instalments_overdue=("due_on", "size")
    )


def snapshot(data: dict[str, pd.DataFrame], as_of: date) -> pd.DataFrame:
    today = pd.Timestamp(as_of)
    d = dues(data["schedules"], data["payments"], today)
    lt = late(data["schedules"], d, today)
    t = data["accounts"].merge(d, left_on="account_id", right_index=True, how="left")
    t = t.merge(lt, left_on="account_id", right_index=True, how="left")
    t = t.merge(data["activity"], on="borrower_id", how="left")
    t["dpd"] = (today - t.oldest).dt.days.fillna(0).astype("int64")
    paid = t.paid_cents.fillna(0).astype("int64")
    t["overdue_cents"] = (t.due_to_date.fillna(0) - paid).clip(lower=0).astype("int64")
    t["outstanding_cents"] = (t.total_cents.fillna(0) - paid).clip(lower=0).astype("int64")
    t["paid_cents"] = paid
    t["payments_count"] = t.payments_count.fillna(0).astype("int64")
    since = (today - t.last_paid).dt.days
    t["days_since_last_payment"] = since.fillna(NEVER).astype("int64")
    t["limitation"] = _limitation(t.final_due, t.last_paid, as_of)
    t["holds"] = t.holds.fillna("")
    t["broken_promises"] = t.broken_promises.fillna(0).astype("int64")
    return t


def _limitation(final_due: pd.Series, last_paid: pd.Series, as_of: date) -> np.ndarray:
    try:
        cutoff = as_of.replace(year=as_of.year - 3)
    except ValueError:
        cutoff = as_of.replace(year=as_of.year - 3, day=28)
    start = np.maximum(final_due, last_paid.fillna(pd.Timestamp(0)))
    edge = pd.Timestamp(cutoff)
    return np.select(
        [
            final_due.isna() | (final_due >= pd.Timestamp(as_of)),
            start < edge,
            start < edge + timedelta(days=180),
        ],
        ["not_started", "expired", "expiring"],
        "in_time",
    )


def score(t: pd.DataFrame) -> pd.Series:
    dpd, pc, dslp = t.dpd, t.payments_count, t.days_since_last_payment
    bp, od = t.broken_promises, t.overdue_cents
    points = [
        np.select([dpd <= 7, dpd <= 30, dpd <= 90, dpd <= 180], [60, 30, 0, -40], -80),
        np.select([pc <= 0, pc <= 3], [-30, 0], 30),
        np.select([dslp <= 30, dslp <= 90], [40, 10], -20),
        np.select([bp <= 0, bp <= 2], [0, -20], -50),
        np.select([od <= 100_000, od <= 1_000_000], [20, 0], -20),
        np.select([t["product"] == "credit_card", t["product"] == "micro_loan"], [10, -10], 0),
    ]
    return 600 + sum(points)


BUCKETS = [(0, "M0"), (30, "M1"), (60, "M2"), (90, "M3"), (120, "M4"), (150, "M5"), (180, "M6")]
TREATMENTS = {  # name: (priority, channels, agency, field visit, lawyer's letter, litigation)
    "reminder_sms": (7, "sms,app_push", False, False, False, False),
    "calls": (4, "sms,call", False, False, False, False),
    "agency": (4, "agency_placement", True, False, False, False),
    "field_visit": (3, "call,field_visit", True, True, False, False),
    "lawyers_letter": (3, "lawyers_letter,call", True, False, True, False),
    "litigation_review": (2, "litigation_review", False, False, True, True),
    "time_barred_notice": (8, "letter", False, False, False, False),
}
SEGMENT_TREATMENT = {
    "on_hold": "hold",
    "current": "none",
    "time_barred": "time_barred_notice",
    "m1_early": "reminder_sms",
    "m1_promise_breakers": "calls",
    "m1_high_score": "reminder_sms",
    "m1": "calls",
    "m2": "agency",
    "m3_field_visit": "field_visit",
    "m3": "agency",
    "m4_m6": "lawyers_letter",
    "m7_litigation": "litigation_review",
    "m7": "lawyers_letter",
    "unsegmented": "none",
}


def segment(t: pd.DataFrame) -> np.ndarray:
    b, dpd, bp, out = t.bucket, t.dpd, t.broken_promises, t.outstanding_cents
    m1 = b == "M1"
    rules = {
        "on_hold": t.holds != "",
        "current": b == "M0",
        "time_barred": t.limitation == "expired",
        "m1_early": m1 & (dpd <= 7),
        "m1_promise_breakers": m1 & (dpd >= 8) & (bp >= 2),
        "m1_high_score": m1 & (dpd >= 8) & (bp <= 1) & (t.score_band == "high"),
        "m1": m1,
        "m2": b == "M2",
        "m3_field_visit": (b == "M3") & (dpd >= 30) & (out >= 500_000),
        "m3": b == "M3",
        "m4_m6": b.isin(["M4", "M5", "M6"]),
        "m7_litigation": (b == "M7+")
        & (out >= 2_000_000)
        & t.limitation.isin(["in_time", "expiring"]),
        "m7": b == "M7+",
    }
    return np.select(list(rules.values()), list(rules.keys()), "unsegmented")


def plan(folder: Path, as_of: date, slots: Any, limit: int | None = None) -> pd.DataFrame:
    """The plan of the first `limit` accounts (all when None); `slots` maps ids to arm slots."""
    t = snapshot(load(folder, limit), as_of)
    t["bucket"] = np.select([t.dpd <= m for m, _ in BUCKETS], [n for _, n in BUCKETS], "M7+")
    t["score"] = score(t)
    t["score_band"] = np.select([t.score <= 549, t.score <= 649], ["low", "medium"], "high")
    t["arm_slot"] = slots(t.account_id)
    t["arm"] = np.where(t.arm_slot < 9000, "champion", "early_call")
    t["segment"] = segment(t)
    t["treatment"] = t.segment.map(SEGMENT_TREATMENT)
    t.loc[(t.arm == "early_call") & (t.segment == "m1_early"), "treatment"] = "calls"
    cols = pd.DataFrame.from_dict(
        TREATMENTS,
        orient="index",
        columns=[
            "priority",
            "channels",
            "agency_placement",
            "field_visit",
            "lawyers_letter",
            "litigation_review",
        ],
    )
    t = t.merge(cols, left_on="treatment", right_index=True, how="left")
    t["priority"] = t.priority.fillna(9).astype("int64")
    t["channels"] = t.channels.fillna("")
    for flag in ("agency_placement", "field_visit", "lawyers_letter", "litigation_review"):
        t[flag] = t[flag].fillna(False).astype(bool)
    t["prev_bucket"] = None
    t["roll"] = "new"
    t["collected_cents"] = 0
    t["complaints"] = 0
    return t
