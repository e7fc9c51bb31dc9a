"""Propensity to pay: the transparent points scorecard of the strategy YAML, as Ibis.

score = base + Σ points of the bin each characteristic's value falls in. Bins are tried in
order (`max` inclusive, or `values` for a category); the last bin takes the rest, so every
account scores. Money bins are written in yuan and compared in cents. The optional LightGBM
model (`fairdebt model train`, see `model.py`) is trained and documented separately.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import ibis
import ibis.expr.types as ir

from fairdebt.strategy.config import MONEY_FEATURES, Characteristic, Scorecard


def column_of(feature: str) -> str:
    """The snapshot column holding a feature (money is kept in cents)."""
    return f"{feature}_cents" if feature in MONEY_FEATURES else feature


def threshold(feature: str, value: Decimal) -> int:
    """An integer bound: features are integers, so `x <= 7.5` is `x <= 7`."""
    return int(value * 100) if feature in MONEY_FEATURES else math.floor(value)


def points_expr(t: ir.Table, c: Characteristic) -> ir.IntegerValue:
    col = t[column_of(c.feature)]
    arms = []
    for b in c.bins[:-1]:
        if b.values is not None:
            arms.append((col.isin(b.values), b.points))
        else:
            arms.append((col <= threshold(c.feature, b.max), b.points))  # type: ignore[arg-type]
    last = ibis.literal(c.bins[-1].points, "int64")
    if not arms:
        return last
    return ibis.cases(*arms, else_=last).cast("int64")


def score_expr(t: ir.Table, card: Scorecard) -> ir.IntegerValue:
    total: Any = ibis.literal(card.base, "int64")
    for c in card.characteristics:
        total = total + points_expr(t, c)
    return total.cast("int64")


def band_expr(score: ir.IntegerValue, card: Scorecard) -> ir.StringValue:
    arms = [(score <= b.max, b.name) for b in card.bands if b.max is not None]
    if not arms:
        return ibis.literal(card.bands[-1].name)
    return ibis.cases(*arms, else_=card.bands[-1].name)


def with_score(t: ir.Table, card: Scorecard) -> ir.Table:
    t = t.mutate(score=score_expr(t, card))
    return t.mutate(score_band=band_expr(t.score, card))


def points_of(row: Mapping[str, Any], c: Characteristic) -> int:
    """Pure-Python points of one account (for --explain; tested against the expression)."""
    value = row[column_of(c.feature)]
    for b in c.bins[:-1]:
        if b.values is not None and value in b.values:
            return b.points
        if b.max is not None and value is not None and value <= threshold(c.feature, b.max):
            return b.points
    return c.bins[-1].points
