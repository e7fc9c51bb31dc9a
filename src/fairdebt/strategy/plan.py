"""The whole per-account pipeline as one Ibis expression: the action plan of a run.

snapshot → score → arm → roll → segment → treatment. Nothing runs until the backend executes
the expression; DuckDB and Spark get the same expression and must give the same rows.
"""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.types as ir

from fairdebt.strategy.arms import arm_expr
from fairdebt.strategy.config import Strategy
from fairdebt.strategy.inputs import Inputs, left_join
from fairdebt.strategy.roll import roll_expr
from fairdebt.strategy.score import with_score
from fairdebt.strategy.segment import FLAGS, with_segments
from fairdebt.strategy.snapshot import Stage, inline, snapshot

PLAN_COLUMNS = (
    "account_id",
    "borrower_id",
    "dpd",
    "bucket",
    "prev_bucket",
    "roll",
    "overdue_cents",
    "outstanding_cents",
    "paid_cents",
    "collected_cents",
    "complaints",
    "limitation",
    "score",
    "score_band",
    "segment",
    "arm_slot",
    "arm",
    "treatment",
    "priority",
    "channels",
    *FLAGS,
)


def reads_borrowers(strategy: Strategy) -> bool:
    """Whether anything in the strategy reads a borrower column (region; a model may read any)."""
    card = strategy.scorecard
    if getattr(card, "model", None) is not None:
        return True
    if any(c.feature == "region" for c in card.characteristics):
        return True
    return any(s.when.region is not None for s in strategy.segments)


def features(
    inputs: Inputs,
    as_of: date,
    strategy: Strategy,
    arm_slots: ir.Table,
    stage: Stage = inline,
    *,
    borrowers: bool = True,
) -> ir.Table:
    """Every column segments may test: snapshot, score, arm, roll (region if `borrowers`)."""
    t = snapshot(inputs, as_of, strategy.buckets, stage, borrowers=borrowers)
    t = with_score(t, strategy.scorecard, inputs, as_of, stage)
    t = left_join(t, arm_slots, "account_id")
    t = t.mutate(arm_slot=t.arm_slot.fill_null(0).cast("int64"))
    t = t.mutate(arm=arm_expr(t.arm_slot, strategy.experiment))
    if inputs.previous is not None:
        t = left_join(t, inputs.previous, "account_id")
    else:
        t = t.mutate(prev_bucket=ibis.null("string"), prev_paid_cents=ibis.null("int64"))
    collected = (t.paid_cents - t.prev_paid_cents).fill_null(0)
    return t.mutate(
        roll=roll_expr(t.bucket, t.prev_bucket, strategy.buckets),
        collected_cents=collected.cast("int64"),
    )


def build_plan(
    inputs: Inputs, as_of: date, strategy: Strategy, arm_slots: ir.Table, stage: Stage = inline
) -> ir.Table:
    """The plan: one row per account, columns PLAN_COLUMNS."""
    needed = reads_borrowers(strategy)
    t = with_segments(
        features(inputs, as_of, strategy, arm_slots, stage, borrowers=needed), strategy
    )
    return t.select(*PLAN_COLUMNS)
