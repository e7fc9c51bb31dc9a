"""Roll since the previous run: did each account move to a worse bucket, stay, or get better?

Buckets are compared by their position in the strategy's bucket list. `cured` is a move back
to the first (current) bucket from any delinquent one; `new` means the account was not in the
previous run's plan.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from fairdebt.strategy.config import Bucket

ROLLS = ("new", "forward", "stay", "back", "cured")


def bucket_index(bucket: ir.StringValue, buckets: list[Bucket]) -> ir.IntegerValue:
    arms = [(bucket == b.name, i) for i, b in enumerate(buckets)]
    return ibis.cases(*arms, else_=ibis.null("int64")).cast("int64")


def roll_expr(
    bucket: ir.StringValue, prev_bucket: ir.StringValue, buckets: list[Bucket]
) -> ir.StringValue:
    now, before = bucket_index(bucket, buckets), bucket_index(prev_bucket, buckets)
    return ibis.cases(
        (before.isnull(), "new"),
        ((now == 0) & (before > 0), "cured"),
        (now > before, "forward"),
        (now == before, "stay"),
        else_="back",
    )


def roll_of(bucket: str, prev_bucket: str | None, buckets: list[Bucket]) -> str:
    """The same rule on plain values (explain, reports and the pandas reference use it)."""
    names = [b.name for b in buckets]
    if prev_bucket not in names:
        return "new"
    now, before = names.index(bucket), names.index(prev_bucket)
    if now == 0 and before > 0:
        return "cured"
    return "forward" if now > before else "stay" if now == before else "back"
