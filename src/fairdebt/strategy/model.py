"""The optional LightGBM propensity-to-pay model: `fairdebt model train` and batch scoring.

Training rows are the portfolio seen at monthly snapshot dates before `as_of`: each account
disbursed by the date and still owing is one row, its features computed by the same Ibis
snapshot code as the strategy run (payments after the date are invisible), its label whether
any payment arrived within `horizon` days after the date. The last snapshot is the holdout:
the model never sees it, so its AUC is a time-based estimate, not a cross-validated one.

The activity file is NOT used: it holds today's counts, not counts as of each snapshot date,
so it would leak the future into the past. Sex is read from the resident ID for the fairness
table only, never as a feature. The score is the predicted probability in per mille (0–1000),
an integer, so bands, segments and reports treat it like the points score. See docs/model.md.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc

from fairdebt.errors import FairdebtError
from fairdebt.strategy.config import DEFAULT_BUCKETS, Scorecard, load_strategy
from fairdebt.strategy.inputs import Inputs, left_join
from fairdebt.strategy.score import with_score
from fairdebt.strategy.snapshot import epoch_day, snapshot

if TYPE_CHECKING:
    import pandas as pd

MODEL_FILE = "model.txt"
CARD_JSON = "model_card.json"
CARD_MD = "model_card.md"
NUMERIC = (
    "dpd",
    "instalments_overdue",
    "overdue_cents",
    "outstanding_cents",
    "principal_cents",
    "paid_cents",
    "payments_count",
    "payments_90d",
    "days_since_last_payment",
    "months_on_book",
    "age",
)
CATEGORICAL = ("product", "lender_type", "region")
FEATURES = NUMERIC + CATEGORICAL
ROUNDS = 200
PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 50,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    # Many-valued categories (33 cities) overfit easily; these cut region's spurious gain by
    # two thirds on the synthetic portfolio, where region carries no signal, at no AUC cost.
    "min_data_per_group": 200,
    "cat_l2": 50.0,
    "cat_smooth": 50.0,
    # Same data, same model, byte for byte: fixed seed, fixed threads, deterministic histograms.
    "seed": 7,
    "num_threads": 2,
    "deterministic": True,
    "force_row_wise": True,
    "verbosity": -1,
}
AGE_BANDS = ((25, "under 25"), (35, "25–34"), (45, "35–44"), (55, "45–54"), (200, "55 and over"))


class ModelError(FairdebtError):
    """The model cannot be trained or used as asked."""


@dataclass(frozen=True, slots=True)
class TrainOptions:
    as_of: date
    snapshots: int = 6
    horizon: int = 30


def snapshot_days(options: TrainOptions) -> list[date]:
    """Monthly snapshot dates, oldest first; the last one is `horizon` days before `as_of`,
    so every label is fully observed by `as_of`. The last date is the holdout."""
    if options.snapshots < 2:
        raise ModelError(
            f"--snapshots {options.snapshots}: need at least 2", hint="one to learn, one to test"
        )
    if not 1 <= options.horizon <= 366:
        raise ModelError(f"--horizon {options.horizon} days", hint="give 1 to 366 days")
    last = options.as_of - timedelta(days=options.horizon)
    return [months_before(last, k) for k in range(options.snapshots - 1, -1, -1)]


def months_before(d: date, months: int) -> date:
    """`d` moved back whole months; the day is capped at 28, which every month has."""
    index = d.year * 12 + d.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(d.day, 28))


def auc(labels: list[int], scores: list[float]) -> float | None:
    """Area under the ROC curve by the rank (Mann–Whitney) formula; ties get average ranks.

    AUC = (sum of the positives' ranks − n₁(n₁+1)/2) / (n₁·n₀): the chance that a random payer
    scores above a random non-payer, a tie counting one half. None when a class is missing.
    """
    positives = sum(1 for y in labels if y)
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return None
    order = sorted(range(len(scores)), key=scores.__getitem__)
    rank_sum, i = 0.0, 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        average = (i + j) / 2 + 1  # ranks are 1-based; a run of ties shares their mean rank
        rank_sum += average * sum(1 for k in order[i : j + 1] if labels[k])
        i = j + 1
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def model_columns(t: ir.Table, inputs: Inputs, day: date, keep: tuple[str, ...] = ()) -> ir.Table:
    """The model's raw inputs from a snapshot table at `day` (+ payments in the last 90 days)."""
    today = epoch_day(day)
    p = inputs.payments
    p = p.filter((p.paid_day > today - 90) & (p.paid_day <= today))
    recent = p.group_by("account_id").aggregate(payments_90d=p.count())
    wanted = [c for c in FEATURES if c not in ("payments_90d", "age")]
    t = left_join(t.select("account_id", "national_id", *wanted, *keep), recent, "account_id")
    return t.mutate(payments_90d=t.payments_90d.fill_null(0).cast("int64"))


def training_rows(con: Any, inputs: Inputs, day: date, horizon: int, points: Scorecard) -> pa.Table:
    """Accounts owing at `day`, their features then, `label` (paid within the horizon) and
    `score`, the points scorecard's score then (the baseline the model must beat)."""
    today = epoch_day(day)
    acc = inputs.accounts
    seen = replace(
        inputs, accounts=acc.filter(acc.disbursed_day <= today), activity=None, previous=None
    )
    t = snapshot(seen, day, list(DEFAULT_BUCKETS))
    t = with_score(t.filter(t.outstanding_cents > 0), points)
    p = inputs.payments
    p = p.filter((p.paid_day > today) & (p.paid_day <= today + horizon))
    paid = p.group_by("account_id").aggregate(label=ibis.literal(1, "int64"))
    rows = left_join(model_columns(t, inputs, day, ("score",)), paid, "account_id")
    rows = rows.mutate(label=rows.label.fill_null(0), snapshot=ibis.literal(day))
    return con.to_pyarrow(rows.order_by("account_id"))


def with_people(rows: pa.Table, day: date) -> pa.Table:
    """Age at `day` and sex from an 18-character resident ID (null when it is not one)."""
    ids = pc.if_else(pc.equal(pc.utf8_length(rows["national_id"]), 18), rows["national_id"], None)
    born = pc.strptime(pc.utf8_slice_codeunits(ids, 6, 14), "%Y%m%d", "s", error_is_null=True)
    later_in_year = pc.greater(
        pc.add(pc.multiply(pc.month(born), 100), pc.day(born)), day.month * 100 + day.day
    )
    age = pc.subtract(pc.subtract(day.year, pc.year(born)), pc.cast(later_in_year, pa.int64()))
    digit = pc.utf8_slice_codeunits(ids, 16, 17)
    odd = pc.is_in(digit, pa.array(list("13579")))
    valid = pc.is_in(digit, pa.array(list("0123456789")))
    sex = pc.if_else(valid, pc.if_else(odd, "male", "female"), None)
    return rows.append_column("age", pc.cast(age, pa.int64())).append_column("sex", sex)


def frame_of(rows: pa.Table) -> pd.DataFrame:
    """The features as LightGBM wants them: numbers as float, categories as pandas categories."""
    frame = rows.select(list(FEATURES)).to_pandas()
    for name in NUMERIC:
        frame[name] = frame[name].astype("float64")
    for name in CATEGORICAL:
        frame[name] = frame[name].astype("category")
    return frame


def lightgbm() -> Any:
    try:
        import lightgbm as lgb
    except ImportError:
        raise ModelError(
            "LightGBM is not installed: the propensity model is optional",
            hint="install the dev dependencies (uv sync --group dev) or `pip install lightgbm`",
        ) from None
    return lgb


def train_model(portfolio: Path, out_dir: Path, options: TrainOptions) -> dict[str, Any]:
    """Train on the snapshots before the holdout, test on it, write model + card; the card."""
    lgb = lightgbm()
    days = snapshot_days(options)
    train, holdout = training_data(Path(portfolio), days, options.horizon)
    labels = train["label"].to_numpy()
    dataset = lgb.Dataset(frame_of(train), label=labels, categorical_feature=list(CATEGORICAL))
    booster = lgb.train(PARAMS, dataset, num_boost_round=ROUNDS)
    predicted = booster.predict(frame_of(holdout))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    booster.save_model(str(out / MODEL_FILE))
    card = build_card(Path(portfolio), options, days, (train, holdout), list(predicted), booster)
    card["model_sha256"] = hashlib.sha256((out / MODEL_FILE).read_bytes()).hexdigest()
    (out / CARD_JSON).write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", "utf-8")
    (out / CARD_MD).write_text(card_markdown(card), encoding="utf-8")
    return card


def training_data(portfolio: Path, days: list[date], horizon: int) -> tuple[pa.Table, pa.Table]:
    """(train, holdout): the rows of every snapshot date but the last, and of the last."""
    from fairdebt.strategy.backend import connect
    from fairdebt.strategy.inputs import read_portfolio

    points = load_strategy().strategy.scorecard
    backend = connect("duckdb")
    try:
        backend.con.con.execute("SET enable_progress_bar = false")  # the CLI shows its own
        inputs = read_portfolio(backend, portfolio)
        parts = [
            with_people(training_rows(backend.con, inputs, d, horizon, points), d) for d in days
        ]
    finally:
        backend.close()
    train, holdout = pa.concat_tables(parts[:-1]), parts[-1]
    if train.num_rows == 0 or holdout.num_rows == 0:
        raise ModelError(
            f"no accounts owing at the snapshot dates {days[0]} … {days[-1]}",
            hint="is --as-of within the portfolio's history?",
        )
    return train, holdout


def build_card(
    portfolio: Path,
    options: TrainOptions,
    days: list[date],
    data: tuple[pa.Table, pa.Table],
    predicted: list[float],
    booster: Any,
) -> dict[str, Any]:
    """The model card: what was learnt from what, how well it ranks unseen months, for whom."""
    train, holdout = data
    gains = zip(booster.feature_name(), booster.feature_importance("gain"), strict=True)
    importance = {name: round(float(g), 1) for name, g in sorted(gains, key=lambda g: -g[1])}
    return {
        "model": "LightGBM propensity to pay",
        "lightgbm": lightgbm().__version__,
        "portfolio": str(portfolio),
        "as_of": options.as_of.isoformat(),
        "label": f"any payment within {options.horizon} days after the snapshot date",
        "population": "accounts disbursed by the snapshot date with something still owing",
        "score": "the predicted probability × 1000, rounded: an integer from 0 to 1000",
        "trained_on": f"{days[0]} … {days[-2]} ({len(days) - 1} monthly snapshots)",
        "holdout": f"{days[-1]} (labels seen to {days[-1] + timedelta(days=options.horizon)})",
        **performance(train, holdout, predicted),
        "features": list(FEATURES),
        "feature_importance": importance,
        "outcome_rates": outcome_rates(holdout, predicted),
        "parameters": {**PARAMS, "rounds": ROUNDS},
        "caveats": list(CAVEATS),
    }


def performance(train: pa.Table, holdout: pa.Table, predicted: list[float]) -> dict[str, Any]:
    """Rows, payment rates and holdout AUCs: the model's, the points scorecard's, the late's."""
    y = holdout["label"].to_pylist()
    late = [i for i, d in enumerate(holdout["dpd"].to_pylist()) if d > 0]
    return {
        "rows_train": train.num_rows,
        "rows_holdout": holdout.num_rows,
        "positive_rate": _rate(train["label"].to_pylist()),
        "positive_rate_holdout": _rate(y),
        "auc_holdout": _round(auc(y, predicted)),
        "auc_holdout_points_scorecard": _round(auc(y, holdout["score"].to_pylist())),
        "rows_holdout_delinquent": len(late),
        "auc_holdout_delinquent": _round(auc([y[i] for i in late], [predicted[i] for i in late])),
    }


CAVEATS = (
    "A ranking aid for who to contact first and how, not a credit decision and not a reason "
    "to contact anyone: every contact still passes the contact gate.",
    "The outcome table is descriptive: it shows how payment rates and scores differ between "
    "groups on the holdout; it does not show why, nor that the model is fair.",
    "Sex is never a feature. Age is a feature; both come from the resident ID and are "
    "missing where it is.",
    "The activity file (promises, contacts) is not used: its counts are as of today, not as "
    "of each snapshot date, so they would leak the future into training.",
    "The holdout is one month: its AUC moves with that month's mix; retrain and compare cards "
    "before trusting a change.",
    "Trained on this portfolio's history only; scores for products, lenders or regions it has "
    "not seen fall back to the model's average behaviour.",
)


def outcome_rates(holdout: pa.Table, predicted: list[float]) -> list[dict[str, Any]]:
    """Rows, actual payment rate and mean predicted probability per age band and per sex."""
    y = holdout["label"].to_pylist()
    bands = [_age_band(a) for a in holdout["age"].to_pylist()]
    sexes = [s or "unknown" for s in holdout["sex"].to_pylist()]
    table = []
    for group, values, order in (
        ("age band", bands, [name for _, name in AGE_BANDS] + ["unknown"]),
        ("sex", sexes, ["female", "male", "unknown"]),
    ):
        if all(v == "unknown" for v in values):
            continue  # not present in this portfolio: no table rather than one empty row
        for value in order:
            picked = [i for i, v in enumerate(values) if v == value]
            if picked:
                table.append(
                    {
                        "group": group,
                        "value": value,
                        "rows": len(picked),
                        "actual": _rate([y[i] for i in picked]),
                        "predicted": round(sum(predicted[i] for i in picked) / len(picked), 4),
                        "auc": _round(auc([y[i] for i in picked], [predicted[i] for i in picked])),
                    }
                )
    return table


def _age_band(age: int | None) -> str:
    if age is None:
        return "unknown"
    return next(name for top, name in AGE_BANDS if age < top)


def _rate(labels: list[int]) -> float:
    return round(sum(labels) / len(labels), 4) if labels else 0.0


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def card_markdown(card: dict[str, Any]) -> str:
    """The card for people: the same facts as model_card.json, as Markdown tables."""
    lines = [f"# Model card: {card['model']}", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in _facts(card)]
    lines += ["", "## Feature importance (total gain)", "", "| feature | gain |", "|---|---:|"]
    lines += [f"| {k} | {v:,.1f} |" for k, v in card["feature_importance"].items()]
    lines += ["", "## Outcome rates on the holdout, by group (descriptive)", ""]
    lines += [
        "| group | value | rows | paid | mean predicted | AUC |",
        "|---|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r['group']} | {r['value']} | {r['rows']:,} | {r['actual']:.1%} | "
        f"{r['predicted']:.1%} | {r['auc'] if r['auc'] is not None else '—'} |"
        for r in card["outcome_rates"]
    ]
    lines += ["", "## Caveats", "", *[f"- {c}" for c in card["caveats"]], ""]
    return "\n".join(lines)


def _facts(card: dict[str, Any]) -> list[tuple[str, Any]]:
    return [
        ("label", card["label"]),
        ("population", card["population"]),
        ("score", card["score"]),
        ("trained on", card["trained_on"]),
        ("holdout", card["holdout"]),
        ("rows (train / holdout)", f"{card['rows_train']:,} / {card['rows_holdout']:,}"),
        (
            "payment rate (train / holdout)",
            f"{card['positive_rate']:.1%} / {card['positive_rate_holdout']:.1%}",
        ),
        ("AUC on the holdout", card["auc_holdout"]),
        ("AUC of the points scorecard, same rows", card["auc_holdout_points_scorecard"]),
        (
            f"AUC among the {card['rows_holdout_delinquent']:,} delinquent holdout rows",
            card["auc_holdout_delinquent"],
        ),
        ("portfolio / as of", f"{card['portfolio']} / {card['as_of']}"),
        ("LightGBM / model sha256", f"{card['lightgbm']} / {card.get('model_sha256', '')}"),
    ]
