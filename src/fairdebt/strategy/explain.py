"""`strategy run --explain ACCOUNT_ID`: why one account got its treatment.

The account's inputs are filtered to it and run through the very expressions of the plan;
every condition of every segment, and every scorecard characteristic, is evaluated as its own
column. So the explanation cannot drift from what the run does: it IS what the run does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pyarrow as pa

from fairdebt.errors import InputFileError
from fairdebt.strategy.arms import slot_of
from fairdebt.strategy.backend import Backend
from fairdebt.strategy.config import Action, LoadedStrategy
from fairdebt.strategy.inputs import Inputs
from fairdebt.strategy.plan import features
from fairdebt.strategy.score import column_of, points_expr
from fairdebt.strategy.segment import UNSEGMENTED, condition_exprs

SHOWN = (
    "dpd",
    "bucket",
    "prev_bucket",
    "roll",
    "overdue_cents",
    "outstanding_cents",
    "paid_cents",
    "limitation",
    "product",
    "region",
    "holds",
    "broken_promises",
    "days_since_last_contact",
    "failed_contacts",
)


@dataclass(frozen=True, slots=True)
class SegmentCheck:
    name: str
    treatment: str
    conditions: list[tuple[str, bool]]

    @property
    def matched(self) -> bool:
        return all(ok for _, ok in self.conditions)


@dataclass(frozen=True, slots=True)
class Explanation:
    account_id: str
    as_of: date
    facts: dict[str, Any]
    base: int
    points: list[tuple[str, Any, int]]  # (feature, value, points)
    score: int
    band: str
    slot: int
    arm: str
    segment: str
    treatment: str
    overridden_by_arm: bool
    actions: list[Action]
    checks: list[SegmentCheck]  # every segment up to and including the one that matched
    model: str | None = None  # the model file that gave the score (None: points)


def only(inputs: Inputs, account_id: str) -> Inputs:
    """The inputs of one account (borrower-level tables are joined, so they need no filter)."""
    prev = inputs.previous
    return replace(
        inputs,
        accounts=inputs.accounts.filter(inputs.accounts.account_id == account_id),
        schedules=inputs.schedules.filter(inputs.schedules.account_id == account_id),
        payments=inputs.payments.filter(inputs.payments.account_id == account_id),
        previous=prev.filter(prev.account_id == account_id) if prev is not None else None,
    )


def explain(
    backend: Backend, inputs: Inputs, as_of: date, loaded: LoadedStrategy, account_id: str
) -> Explanation:
    strategy = loaded.strategy
    slot = slot_of(strategy.experiment.name, account_id)
    slots = backend.register(
        "fd_explain_slot",
        pa.table({"account_id": [account_id], "arm_slot": pa.array([slot], pa.int32())}),
    )
    t = features(only(inputs, account_id), as_of, strategy, slots)
    columns: dict[str, Any] = {}
    labels: list[list[str]] = []
    for i, segment in enumerate(strategy.segments):
        conditions = condition_exprs(t, segment.when)
        labels.append([label for label, _ in conditions])
        columns.update({f"s{i}_{j}": expr for j, (_, expr) in enumerate(conditions)})
    for k, c in enumerate(strategy.scorecard.characteristics):
        columns[f"p{k}"] = points_expr(t, c)
    wanted = {*SHOWN, *(column_of(c.feature) for c in strategy.scorecard.characteristics)}
    rows = backend.fetch(
        t.select(*sorted(wanted), "score", "score_band", "arm", **columns)
    ).to_pylist()
    if not rows:
        raise InputFileError(
            f"account {account_id!r} is not in the portfolio", hint="check the account id"
        )
    return _assemble(loaded, account_id, as_of, slot, rows[0], labels)


def _assemble(
    loaded: LoadedStrategy,
    account_id: str,
    as_of: date,
    slot: int,
    row: dict[str, Any],
    labels: list[list[str]],
) -> Explanation:
    strategy = loaded.strategy
    checks, segment = [], UNSEGMENTED
    for i, s in enumerate(strategy.segments):
        tested = [(label, bool(row[f"s{i}_{j}"])) for j, label in enumerate(labels[i])]
        check = SegmentCheck(s.name, s.treatment, tested)
        checks.append(check)
        if check.matched:
            segment = s.name
            break
    base_treatment = next((s.treatment for s in strategy.segments if s.name == segment), "none")
    arm = next(a for a in strategy.experiment.arms if a.name == row["arm"])
    treatment = arm.treatments.get(segment, base_treatment)
    cards = strategy.scorecard.characteristics
    return Explanation(
        account_id=account_id,
        as_of=as_of,
        facts={k: row[k] for k in SHOWN},
        base=strategy.scorecard.base,
        points=[(c.feature, row[column_of(c.feature)], row[f"p{k}"]) for k, c in enumerate(cards)],
        score=row["score"],
        band=row["score_band"],
        slot=slot,
        arm=row["arm"],
        segment=segment,
        treatment=treatment,
        overridden_by_arm=treatment != base_treatment,
        actions=list(strategy.treatments[treatment].actions)
        if treatment in strategy.treatments
        else [],
        checks=checks,
        model=strategy.scorecard.model,
    )
