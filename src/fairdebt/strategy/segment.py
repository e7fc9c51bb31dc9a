"""Segmentation and treatment as Ibis case expressions.

Segments are tried in the order written; the first whose conditions all hold names the
segment. The account's arm may swap the segment's treatment for another (challenger); the
treatment then fixes the plan's priority, channels and eligibility flags. An account that no
segment takes is `unsegmented` with no actions — `strategy check` warns when that can happen.
"""

from __future__ import annotations

from functools import reduce
from typing import Any

import ibis
import ibis.expr.types as ir

from fairdebt.strategy.config import Conditions, MoneyRange, Range, Strategy

UNSEGMENTED = "unsegmented"
NO_TREATMENT = "none"
FLAGS = ("agency_placement", "field_visit", "lawyers_letter", "litigation_review")


def _range(col: ir.IntegerValue, r: Range | MoneyRange, scale: int = 1) -> list[ir.BooleanValue]:
    tests = []
    if r.min is not None:
        tests.append(col >= int(r.min * scale))
    if r.max is not None:
        tests.append(col <= int(r.max * scale))
    return tests


def _holds(col: ir.StringValue, holds: str | list[str]) -> ir.BooleanValue:
    if holds == "none":
        return col == ""
    if holds == "any":
        return col != ""
    padded = "," + col + ","
    return reduce(lambda a, b: a | b, [padded.contains(f",{w},") for w in holds])


def condition_exprs(t: ir.Table, when: Conditions) -> list[tuple[str, ir.BooleanValue]]:
    """Each written condition as (label, boolean expression), in a fixed order."""
    out: list[tuple[str, ir.BooleanValue]] = []
    for name in ("bucket", "product", "lender_type", "score_band", "region", "limitation"):
        values = getattr(when, name)
        if values is not None:
            out.append((f"{name} in {values}", t[name].isin(values)))
    if when.roll is not None:
        out.append((f"roll in {when.roll}", t.roll.isin(when.roll)))
    for name in ("dpd", "score", "days_since_last_contact", "failed_contacts", "broken_promises"):
        r = getattr(when, name)
        if r is not None:
            out.append((f"{name} {_describe(r)}", _all(_range(t[name], r))))
    for name in ("overdue", "outstanding"):
        r = getattr(when, name)
        if r is not None:
            out.append((f"{name} {_describe(r)} yuan", _all(_range(t[f"{name}_cents"], r, 100))))
    if when.holds is not None:
        out.append((f"holds {when.holds}", _holds(t.holds, when.holds)))
    return out


def _all(tests: list[ir.BooleanValue]) -> ir.BooleanValue:
    return reduce(lambda a, b: a & b, tests) if tests else ibis.literal(True)


def _describe(r: Range | MoneyRange) -> str:
    if r.min is not None and r.max is not None:
        return f"{r.min}–{r.max}"
    return f">= {r.min}" if r.min is not None else f"<= {r.max}"


def matches(t: ir.Table, when: Conditions) -> ir.BooleanValue:
    return _all([e for _, e in condition_exprs(t, when)])


def segment_expr(t: ir.Table, strategy: Strategy) -> ir.StringValue:
    arms = [(matches(t, s.when), s.name) for s in strategy.segments]
    return ibis.cases(*arms, else_=UNSEGMENTED)


def treatment_expr(t: ir.Table, strategy: Strategy) -> ir.StringValue:
    """The segment's treatment, unless the account's arm overrides it for that segment."""
    base = [(t.segment == s.name, s.treatment) for s in strategy.segments]
    overrides = [
        ((t.arm == arm.name) & (t.segment == segment), treatment)
        for arm in strategy.experiment.arms
        for segment, treatment in arm.treatments.items()
    ]
    return ibis.cases(*overrides, *base, else_=NO_TREATMENT)


def _lookup(col: ir.StringValue, mapping: dict[str, Any], default: Any, kind: str) -> ir.Value:
    arms = [(col == k, v) for k, v in mapping.items() if v != default]
    if not arms:
        return ibis.literal(default, kind)
    return ibis.cases(*arms, else_=ibis.literal(default, kind)).cast(kind)


def treatment_columns(t: ir.Table, strategy: Strategy) -> dict[str, ir.Value]:
    """Priority (1 most urgent; 9 when nothing is planned), channels, eligibility flags."""
    ts = strategy.treatments
    cols: dict[str, ir.Value] = {
        "priority": _lookup(
            t.treatment,
            {k: min((a.priority for a in v.actions), default=9) for k, v in ts.items()},
            9,
            "int64",
        ),
        "channels": _lookup(
            t.treatment,
            {k: ",".join(a.channel for a in v.actions) for k, v in ts.items()},
            "",
            "string",
        ),
    }
    for flag in FLAGS:
        values = {k: getattr(v.eligible, flag) for k, v in ts.items()}
        cols[flag] = _lookup(t.treatment, values, False, "boolean")
    return cols


def with_segments(t: ir.Table, strategy: Strategy) -> ir.Table:
    """Add segment, treatment and the treatment's columns (needs score_band, roll, arm)."""
    t = t.mutate(segment=segment_expr(t, strategy))
    t = t.mutate(treatment=treatment_expr(t, strategy))
    return t.mutate(**treatment_columns(t, strategy))
