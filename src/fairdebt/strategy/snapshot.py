"""The account snapshot at `as_of` as Ibis expressions: DPD, overdue, outstanding, features.

Same definition as the pure `fairdebt.domain.delinquency.delinquency_at` (a test compares them):
payments made on or before `as_of` are applied oldest instalment first, so instalment i is
settled exactly when the total paid covers the schedule's running total through i (ordered by
due date, then number). An instalment due ON `as_of` is not overdue; DPD is `as_of` minus the
due date of the oldest unsettled instalment due before `as_of`.

Limitation status is a screening approximation of 民法典 188/195 and the 2020 interpretation on
instalment debts: the 3-year period runs from the last instalment's due date, restarted by a
payment after it. `fairdebt.legal` holds the authoritative computation for a single case.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import ibis
import ibis.expr.types as ir

from fairdebt.strategy.config import Bucket
from fairdebt.strategy.inputs import Inputs, left_join

Stage = Callable[[str, ir.Table], ir.Table]
EPOCH = date(1970, 1, 1)
NEVER = 99_999  # "days since" when it never happened: above any threshold a strategy sets
LIMITATION_YEARS = 3
EXPIRING_DAYS = 180


def epoch_day(d: date) -> int:
    return (d - EPOCH).days


def years_before(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February -> 28 February
        return d.replace(year=d.year - years, day=28)


def whole(total: ir.IntegerValue) -> ir.IntegerValue:
    """A SUM as int64 on every engine. DuckDB sums int64 into int128 while Ibis types it int64,
    so a plain cast to int64 is dropped as a no-op; going through decimal forces it."""
    return total.cast("decimal(38, 0)").cast("int64")


def inline(_name: str, table: ir.Table) -> ir.Table:
    """The default `stage`: keep everything one expression (tests, --explain)."""
    return table


def dues(inputs: Inputs, as_of: date) -> ir.Table:
    """Per account with a schedule: total, due before today, final due day, and payments."""
    today = epoch_day(as_of)
    s = inputs.schedules
    due = s.group_by("account_id").aggregate(
        total_cents=whole(s.due_cents.sum()),
        final_due_day=s.due_day.max(),
        due_to_date_cents=whole(s.due_cents.sum(where=s.due_day < today).fill_null(0)),
    )
    due = left_join(due, payments_at(inputs, as_of), "account_id")
    return due.mutate(paid_cents=due.paid_cents.fill_null(0))


def payments_at(inputs: Inputs, as_of: date) -> ir.Table:
    p = inputs.payments.filter(inputs.payments.paid_day <= epoch_day(as_of))
    return p.group_by("account_id").aggregate(
        paid_cents=whole(p.amount_cents.sum()),
        payments_count=p.count(),
        last_payment_day=p.paid_day.max(),
    )


def late(schedules: ir.Table, due: ir.Table, as_of: date) -> ir.Table:
    """Oldest unpaid instalment and unpaid count of the accounts behind on their schedule.

    Only an account whose instalments due so far exceed what it paid can be late, so only
    its instalments go through the running-total window (the one expensive sort).
    """
    today = epoch_day(as_of)
    behind = due.filter(due.due_to_date_cents > due.paid_cents).select("account_id", "paid_cents")
    past = schedules.filter(schedules.due_day < today).inner_join(behind, "account_id")
    running = ibis.window(group_by="account_id", order_by=["due_day", "seq"], rows=(None, 0))
    past = past.mutate(cum_cents=past.due_cents.sum().over(running))
    unpaid = (past.cum_cents > past.paid_cents) & (past.due_cents > 0)
    past = past.mutate(unpaid=unpaid)
    return past.group_by("account_id").aggregate(
        oldest_unpaid_day=past.due_day.min(where=past.unpaid),
        instalments_overdue=whole(past.unpaid.cast("int64").sum()),
    )


def snapshot(
    inputs: Inputs,
    as_of: date,
    buckets: list[Bucket],
    stage: Stage = inline,
    *,
    borrowers: bool = True,
) -> ir.Table:
    """One row per account: the delinquency figures plus every scorecard/segment feature.

    `stage(name, table)` may materialise the per-account intermediate results (run.py does,
    so the backend computes each once); by default everything stays one expression.
    `borrowers=False` leaves region and national_id empty instead of joining the borrowers,
    for a strategy that reads neither: one join of millions of borrower rows less.
    """
    today = epoch_day(as_of)
    due = stage("dues", dues(inputs, as_of))
    due = left_join(due, stage("late", late(inputs.schedules, due, as_of)), "account_id")
    t = left_join(inputs.accounts, due, "account_id")
    if borrowers:
        t = left_join(t, inputs.borrowers, "borrower_id")
    else:
        t = t.mutate(city=ibis.null("string"), national_id=ibis.null("string"))
    t = _with_activity(t, inputs.activity)
    paid_cents = t.paid_cents.fill_null(0)
    last_payment = t.last_payment_day
    out = t.select(
        "account_id",
        "borrower_id",
        "product",
        "lender_type",
        "principal_cents",
        region=t.city.fill_null(""),
        national_id=t.national_id,
        dpd=(today - t.oldest_unpaid_day).fill_null(0).cast("int64"),
        overdue_cents=ibis.greatest(t.due_to_date_cents.fill_null(0) - paid_cents, 0),
        outstanding_cents=ibis.greatest(t.total_cents.fill_null(0) - paid_cents, 0),
        paid_cents=paid_cents.cast("int64"),
        instalments_overdue=t.instalments_overdue.fill_null(0).cast("int64"),
        payments_count=t.payments_count.fill_null(0).cast("int64"),
        days_since_last_payment=(today - last_payment).fill_null(NEVER).cast("int64"),
        months_on_book=(ibis.greatest(today - t.disbursed_day, 0) // 30).cast("int64"),
        limitation=limitation(t.final_due_day, last_payment, as_of),
        holds=t.holds,
        days_since_last_contact=(today - t.last_contact_day).fill_null(NEVER).cast("int64"),
        failed_contacts=t.failed_contacts,
        broken_promises=t.broken_promises,
        kept_promises=t.kept_promises,
        complaints=t.complaints,
    )
    return out.mutate(bucket=bucket_of(out.dpd, buckets))


def _with_activity(t: ir.Table, activity: ir.Table | None) -> ir.Table:
    if activity is None:
        return t.mutate(
            holds=ibis.literal(""),
            last_contact_day=ibis.null("int64"),
            failed_contacts=ibis.literal(0, "int64"),
            broken_promises=ibis.literal(0, "int64"),
            kept_promises=ibis.literal(0, "int64"),
            complaints=ibis.literal(0, "int64"),
        )
    t = left_join(t, activity, "borrower_id")
    zero = ("failed_contacts", "broken_promises", "kept_promises", "complaints")
    return t.mutate(holds=t.holds.fill_null(""), **{c: t[c].fill_null(0) for c in zero})


def limitation(final_due: ir.IntegerValue, last_payment: ir.IntegerValue, as_of: date) -> ir.Value:
    """not_started / in_time / expiring / expired (see the module docstring)."""
    cutoff = epoch_day(years_before(as_of, LIMITATION_YEARS))
    start = ibis.greatest(final_due, last_payment.fill_null(0))
    return ibis.cases(
        (final_due.isnull() | (final_due >= epoch_day(as_of)), "not_started"),
        (start < cutoff, "expired"),
        (start < cutoff + EXPIRING_DAYS, "expiring"),
        else_="in_time",
    )


def bucket_of(dpd: ir.IntegerValue, buckets: list[Bucket]) -> ir.StringValue:
    """The bucket name of a DPD: the first bucket whose inclusive max holds it."""
    arms = [(dpd <= b.max_dpd, b.name) for b in buckets if b.max_dpd is not None]
    return ibis.cases(*arms, else_=buckets[-1].name)


def as_of_of(day: int) -> date:
    return EPOCH + timedelta(days=day)
