"""Propensity to pay: the points scorecard of the strategy YAML as Ibis, or a trained model.

Points (the default, transparent): score = base + Σ points of the bin each characteristic's
value falls in. Bins are tried in order (`max` inclusive, or `values` for a category); the last
bin takes the rest, so every account scores. Money bins are written in yuan, compared in cents.

Model (`scorecard: {model: model.txt}`, trained by `fairdebt model train`, see model.py): the
snapshot is computed once, its model features fetched as Arrow, scored by LightGBM in one batch,
and the scores (per mille) joined back by account id as a view on the same backend.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc

from fairdebt.strategy.config import MONEY_FEATURES, Characteristic, Scorecard

if TYPE_CHECKING:
    from fairdebt.strategy.inputs import Inputs
    from fairdebt.strategy.snapshot import Stage


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


def with_score(
    t: ir.Table,
    card: Scorecard,
    inputs: Inputs | None = None,
    as_of: date | None = None,
    stage: Stage | None = None,
) -> ir.Table:
    """`score` and `score_band` of every account; a model needs the run's inputs and as_of."""
    if card.model is not None:
        if inputs is None or as_of is None:
            raise ValueError("a model scorecard scores from the run's inputs and as_of")
        return with_model_score(t, card, inputs, as_of, stage)
    t = t.mutate(score=score_expr(t, card))
    return t.mutate(score_band=band_expr(t.score, card))


def with_model_score(
    t: ir.Table, card: Scorecard, inputs: Inputs, as_of: date, stage: Stage | None
) -> ir.Table:
    """Score the snapshot with the trained model: one batch predict, joined back by id."""
    from fairdebt.strategy.inputs import as_view, left_join
    from fairdebt.strategy.model import model_columns

    if stage is not None:
        t = stage("snapshot", t)  # computed once: read here for the model, later for the plan
    features = model_columns(t, inputs, as_of)
    if stage is not None:
        features = stage("model_features", features)
    con = ibis.get_backend(t)
    rows = con.to_pyarrow(features)
    scores = predict_per_mille(Path(str(card.model)), rows, as_of)
    t = left_join(t, as_view(con, "model_scores", ibis.memtable(scores)), "account_id")
    t = t.mutate(score=t.score.cast("int64"))
    return t.mutate(score_band=band_expr(t.score, card))


def predict_per_mille(path: Path, rows: pa.Table, day: date) -> pa.Table:
    """account_id and score: the model's probability of a payment, in per mille (0–1000)."""
    from fairdebt.strategy.model import frame_of, lightgbm, with_people

    booster = lightgbm().Booster(model_file=str(path))
    probability = booster.predict(frame_of(with_people(rows, day))) if rows.num_rows else []
    per_mille = pc.round(pc.multiply(pa.array(probability, pa.float64()), 1000))
    return pa.table({"account_id": rows["account_id"], "score": pc.cast(per_mille, pa.int64())})


def points_of(row: Mapping[str, Any], c: Characteristic) -> int:
    """Pure-Python points of one account (for --explain; tested against the expression)."""
    value = row[column_of(c.feature)]
    for b in c.bins[:-1]:
        if b.values is not None and value in b.values:
            return b.points
        if b.max is not None and value is not None and value <= threshold(c.feature, b.max):
            return b.points
    return c.bins[-1].points


def read_features(path: Path) -> list[str] | None:
    """The feature names written in a LightGBM text model, or None if it is not one."""
    try:
        with path.open(encoding="utf-8") as handle:
            head = [next(handle, "") for _ in range(40)]
    except (OSError, UnicodeDecodeError):
        return None
    if not head or head[0].strip() != "tree":
        return None
    names = next((line for line in head if line.startswith("feature_names=")), None)
    return names.strip().removeprefix("feature_names=").split(" ") if names else None


def model_problem(path: Path) -> str | None:
    """Why `path` cannot score a strategy run, or None when it can."""
    if not path.is_file():
        return f"model file not found: {path} (train one with `fairdebt model train`)"
    names = read_features(path)
    if names is None:
        return f"{path} is not a LightGBM text model (model.txt from `fairdebt model train`)"
    from fairdebt.strategy.model import FEATURES

    if names != list(FEATURES):
        return f"{path} was trained on other features ({', '.join(names)}); train it again"
    return None
