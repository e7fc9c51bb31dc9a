"""Rich renderings of strategy runs, explanations, reports and model cards (no logic here)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

BAR = 24
NEVER = 99_999  # fairdebt.strategy.snapshot.NEVER, not imported: views stay light


@contextmanager
def stage_progress(console: Console, stages: tuple[str, ...], quiet: bool) -> Iterator[Any]:
    """A line per stage: spinner while it runs, then its seconds."""
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        disable=quiet,
    )
    tasks: dict[str, Any] = {}

    def on_stage(name: str, seconds: float | None) -> None:
        if seconds is None:
            if name not in tasks:
                tasks[name] = progress.add_task(name, total=1)
            return
        progress.update(tasks[name], completed=1, description=f"{name}  {seconds:6.2f} s")

    with progress:
        yield on_stage
    del stages


def _yuan(cents: int | None) -> str:
    return f"{(cents or 0) / 100:,.2f}"


def plan_summary(result: Any) -> RenderableType:
    record = result.record
    head = Table(title=f"strategy run {record.run_id}", show_header=False)
    head.add_row("as of", str(record.as_of))
    head.add_row("strategy", f"{record.strategy_name} ({record.strategy_sha256[:12]})")
    head.add_row("backend", record.backend)
    head.add_row("accounts", f"{record.accounts:,}")
    head.add_row("rolled against", result.previous_run or "— (first run)")
    total = sum(record.timings.values())
    for stage, seconds in record.timings.items():
        head.add_row(f"  {stage}", f"{seconds:.2f} s")
    head.add_row(
        "total", f"{total:.2f} s ({record.accounts / total:,.0f} accounts/s)" if total else "—"
    )
    counts: dict[str, int] = {}
    for name in result.plan.column("treatment").to_pylist():
        counts[name] = counts.get(name, 0) + 1
    rows = sorted(counts.items(), key=lambda kv: -kv[1])
    return Group(head, _bars("treatments", rows, record.accounts))


def _bars(
    title: str, rows: list[tuple[str, int]], total: int, extra: tuple[str, list[str]] | None = None
) -> Table:
    """A table that is also a bar chart: one bar per row, scaled to the largest."""
    table = Table(title=title)
    for col in ("", "accounts", "share", *([extra[0]] if extra else []), ""):
        table.add_column(col, justify="right" if col else "left")
    top = max((n for _, n in rows), default=1) or 1
    for i, (name, n) in enumerate(rows):
        share = f"{n / total:.1%}" if total else "—"
        bar = Text("█" * max(1, round(BAR * n / top)), style="cyan")
        table.add_row(name, f"{n:,}", share, *([extra[1][i]] if extra else []), bar)
    return table


def explanation(e: Any) -> RenderableType:
    facts = Table(title=f"account {e.account_id} at {e.as_of}", show_header=False)
    for key, value in e.facts.items():
        if key.endswith("_cents"):
            key, value = key.removesuffix("_cents") + " (yuan)", _yuan(value)
        elif key.startswith("days_since") and value == NEVER:
            value = "never"
        facts.add_row(key, str(value))
    score = _score_view(e)
    segments = Table(title="segments, in order (the first that matches decides)")
    segments.add_column("segment")
    segments.add_column("conditions")
    segments.add_column("")
    for check in e.checks:
        tests = "; ".join(f"{'✓' if ok else '✗'} {label}" for label, ok in check.conditions)
        segments.add_row(
            check.name,
            tests or "(none: matches everyone)",
            "[green]match[/green]" if check.matched else "no",
        )
    arm = f"arm {e.arm} (slot {e.slot} of 10,000)"
    if e.overridden_by_arm:
        arm += f": this arm swaps the segment's treatment for {e.treatment!r}"
    actions = Table(title=f"treatment {e.treatment!r} → segment {e.segment!r}; {arm}")
    for col in ("channel", "template", "day", "window", "priority"):
        actions.add_column(col)
    for a in e.actions:
        actions.add_row(a.channel, a.template or "", str(a.day), a.window or "", str(a.priority))
    note = Text(
        "Each planned contact still asks the contact gate when it is executed.", style="dim"
    )
    return Group(facts, score, segments, actions, note)


def _score_view(e: Any) -> RenderableType:
    if getattr(e, "model", None):
        return Text(
            f"score {e.score} ({e.band}) from the model {e.model}: a "
            f"{(e.score or 0) / 10:.1f} % predicted chance of a payment within its horizon "
            "(its model_card.md says how it was trained and how well it ranks)"
        )
    score = Table(title=f"score {e.score} ({e.band}) = base {e.base} + points")
    for col in ("feature", "value", "points"):
        score.add_column(col, justify="right" if col != "feature" else "left")
    for feature, value, points in e.points:
        score.add_row(feature, str(value), f"{points:+d}")
    return score


def _ci(interval: Any, fmt: str) -> str:
    if math.isnan(interval.value):
        return "—"
    return f"{interval.value:{fmt}} [{interval.low:{fmt}}, {interval.high:{fmt}}]"


def report_views(r: Any) -> list[RenderableType]:
    run = r.run
    total = sum(b["accounts"] for b in r.buckets)
    views: list[RenderableType] = [
        Text(
            f"run {run['id']} · as of {run['as_of']} · {run['strategy_name']} · "
            f"{run['accounts']:,} accounts · rolled against {r.previous_run or '—'}"
        ),
    ]
    buckets = [(b["bucket"], b["accounts"]) for b in r.buckets]
    overdue = [_yuan(b["overdue_cents"]) for b in r.buckets]
    views += [
        _bars("bucket distribution", buckets, total, ("overdue (yuan)", overdue)),
        _bars("treatments", [(t["treatment"], t["accounts"]) for t in r.treatments], total),
    ]
    if r.rolls:
        views.append(_roll_matrix(r))
    if r.cure is not None:
        views.append(
            Text(f"cure rate (delinquent at the previous run, current now): {_ci(r.cure, '.1%')}")
        )
    if r.arms:
        views.append(_arm_table(r.arms))
    return views


def _roll_matrix(r: Any) -> Table:
    names = [b["bucket"] for b in r.buckets]
    names += sorted({n for row in r.rolls.values() for n in row} - set(names))
    table = Table(title="roll rates: previous bucket (rows) → bucket now (columns), % of row")
    table.add_column("was")
    for name in names:
        table.add_column(name, justify="right")
    for was in [n for n in names if n in r.rolls]:
        row = r.rolls[was]
        total = sum(row.values()) or 1
        table.add_row(was, *[f"{row.get(n, 0) / total:.0%}" if row.get(n) else "·" for n in names])
    return table


def _arm_table(arms: list[Any]) -> Table:
    table = Table(title="champion/challenger (accounts delinquent at the previous run, 95 % CI)")
    for col in ("arm", "accounts", "cure rate", "collected per account (yuan)", "complaint rate"):
        table.add_column(col, justify="left" if col == "arm" else "right")
    for a in arms:
        table.add_row(
            a.arm,
            f"{a.accounts:,}",
            _ci(a.cure, ".1%"),
            _ci(a.collected_yuan, ",.2f"),
            _ci(a.complaint, ".2%"),
        )
    return table


def report_json(r: Any) -> dict[str, Any]:
    def ci(i: Any) -> dict[str, float] | None:
        return (
            None
            if i is None or math.isnan(i.value)
            else {"value": i.value, "low": i.low, "high": i.high}
        )

    return {
        "run": {k: str(v) for k, v in r.run.items() if k != "strategy_yaml"},
        "previous_run": r.previous_run,
        "buckets": r.buckets,
        "treatments": r.treatments,
        "rolls": r.rolls,
        "cure_rate": ci(r.cure),
        "arms": [
            {
                "arm": a.arm,
                "accounts": a.accounts,
                "cured": a.cured,
                "cure_rate": ci(a.cure),
                "collected_per_account_yuan": ci(a.collected_yuan),
                "complaint_rate": ci(a.complaint),
            }
            for a in r.arms
        ],
    }


def model_card_view(card: dict[str, Any]) -> RenderableType:
    """The card's facts, the holdout AUCs, feature gains, the outcome table and the caveats."""
    head = _card_head(card)
    imp = Table(title="feature importance (total gain)")
    imp.add_column("feature")
    imp.add_column("gain", justify="right")
    for name, gain in card["feature_importance"].items():
        imp.add_row(name, f"{gain:,.1f}")
    fair = Table(title="outcome rates on the holdout by group (descriptive, not a fairness proof)")
    for col in ("group", "value", "rows", "paid", "mean predicted", "AUC"):
        fair.add_column(col, justify="left" if col in ("group", "value") else "right")
    for group in card["outcome_rates"]:
        fair.add_row(
            group["group"],
            str(group["value"]),
            f"{group['rows']:,}",
            f"{group['actual']:.1%}",
            f"{group['predicted']:.1%}",
            _auc(group["auc"]),
        )
    caveats = Text("\n".join(f"• {c}" for c in card["caveats"]), style="dim")
    return Group(head, imp, fair, caveats)


def _card_head(card: dict[str, Any]) -> Table:
    head = Table(title=f"model card: {card['model']}", show_header=False)
    for key in ("label", "population", "trained_on", "holdout", "rows_train", "rows_holdout"):
        head.add_row(
            key.replace("_", " "), f"{card[key]:,}" if isinstance(card[key], int) else card[key]
        )
    head.add_row(
        "payment rate",
        f"{card['positive_rate']:.1%} train, {card['positive_rate_holdout']:.1%} holdout",
    )
    head.add_row("AUC on the holdout", _auc(card["auc_holdout"]))
    head.add_row("  points scorecard, same rows", _auc(card["auc_holdout_points_scorecard"]))
    head.add_row(
        f"  delinquent rows only ({card['rows_holdout_delinquent']:,})",
        _auc(card["auc_holdout_delinquent"]),
    )
    return head


def _auc(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"
