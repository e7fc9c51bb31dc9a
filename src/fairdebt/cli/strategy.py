"""`fairdebt strategy run|check|report` and `fairdebt model train` (docs/strategy.md)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer

from fairdebt.cli._common import parse_date

strategy_app = typer.Typer(help="The daily strategy run: buckets, segments, treatments, plans.")
model_app = typer.Typer(help="Propensity-to-pay models.")


def register(app: typer.Typer) -> None:
    app.add_typer(strategy_app, name="strategy")
    app.add_typer(model_app, name="model")


@strategy_app.command("run")
def run(
    as_of: str = typer.Option(..., "--as-of", help="The day the plan is for (YYYY-MM-DD)."),
    portfolio: Path = typer.Option(None, help="Read a portfolio folder (docs/import.md)."),
    db: bool = typer.Option(False, "--db", help="Read the app database (the default)."),
    backend: str = typer.Option("duckdb", help="duckdb (embedded) or pyspark."),
    strategy: Path = typer.Option(None, help="Strategy YAML (default: the shipped ladder)."),
    replace: bool = typer.Option(False, "--replace", help="Supersede this as_of's plan."),
    explain: str = typer.Option(None, "--explain", help="Explain one account; writes nothing."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display."),
) -> None:
    """Compute and store the action plan of every account at --as-of."""
    from fairdebt.errors import InputFileError
    from fairdebt.strategy.backend import BACKENDS

    if portfolio is not None and db:
        raise InputFileError("--portfolio and --db exclude each other", hint="pick one source")
    if backend not in BACKENDS:
        raise InputFileError(f"unknown --backend {backend!r}", hint="duckdb or pyspark")
    day = parse_date(as_of)
    if explain:
        _explain(day, portfolio, backend, strategy, explain)
        return
    _run(day, portfolio, backend, strategy, replace, quiet)


def _run(
    day: date,
    portfolio: Path | None,
    backend: str,
    strategy: Path | None,
    replace: bool,
    quiet: bool,
) -> None:
    from fairdebt.cli._common import console, out, services
    from fairdebt.cli._strategy_views import plan_summary, stage_progress
    from fairdebt.strategy.run import STAGES, RunOptions, run_strategy

    options = RunOptions(day, backend, portfolio, strategy, replace)
    with stage_progress(console, STAGES, quiet) as on_stage:
        result = run_strategy(services().uow(), options, on_stage)
    out.print(plan_summary(result))
    if result.superseded:
        console.print(f"superseded run {result.superseded}")


def _explain(
    day: date, portfolio: Path | None, backend: str, strategy: Path | None, account: str
) -> None:
    from fairdebt.cli._common import out, services
    from fairdebt.cli._strategy_views import explanation
    from fairdebt.strategy import store
    from fairdebt.strategy.backend import connect
    from fairdebt.strategy.config import load_strategy
    from fairdebt.strategy.explain import explain
    from fairdebt.strategy.run import open_inputs

    loaded = load_strategy(strategy)
    uow = services().uow()
    previous = store.previous_plan(uow, day)
    runner = connect(backend)
    try:
        inputs = open_inputs(runner, uow, portfolio, previous[2] if previous else None)
        found = explain(runner, inputs, day, loaded, account)
    finally:
        runner.close()
    out.print(explanation(found))


@strategy_app.command("check")
def check(file: Path = typer.Argument(..., help="The strategy YAML to check.")) -> None:
    """Report every error (file:line: field: reason) and warning of a strategy file."""
    from rich.markup import escape

    from fairdebt.cli._common import console, out
    from fairdebt.errors import InputFileError
    from fairdebt.strategy.check import check_text

    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"cannot read {file}: {exc}", hint="check the path") from None
    report = check_text(text, str(file))
    for style, word, problems in (
        ("red", "error", report.errors),
        ("yellow", "warning", report.warnings),
    ):
        for problem in problems:
            line = f"[{style}]{word}[/{style}] {escape(str(problem))}"
            out.print(line, highlight=False, soft_wrap=True)
    errors, warnings = len(report.errors), len(report.warnings)
    console.print(f"{file}: {errors} error(s), {warnings} warning(s)")
    if errors:
        raise typer.Exit(2)


@strategy_app.command("report")
def report(
    run_id: str = typer.Option(None, "--run", help="A run id (default: the latest run)."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Bucket distribution, roll rates, cure rate and arm comparison of a run."""
    from fairdebt.cli._common import out, print_json, services
    from fairdebt.cli._strategy_views import report_json, report_views
    from fairdebt.strategy.report import build_report

    built = build_report(services().uow(), run_id)
    if json_out:
        print_json(report_json(built))
        return
    for view in report_views(built):
        out.print(view)


@model_app.command("train")
def train(
    portfolio: Path = typer.Option(..., help="Portfolio folder with the payment history."),
    as_of: str = typer.Option(..., "--as-of", help="The last day of history to use."),
    out_dir: Path = typer.Option(Path("model"), "--out", help="Where model and card go."),
    snapshots: int = typer.Option(6, help="Monthly snapshots to learn from."),
    horizon: int = typer.Option(30, help="Days after a snapshot in which a payment counts."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display."),
) -> None:
    """Train the optional LightGBM propensity model and write its model card."""
    from fairdebt.cli._common import console, out
    from fairdebt.cli._strategy_views import model_card_view
    from fairdebt.strategy.model import TrainOptions, train_model

    options = TrainOptions(parse_date(as_of), snapshots, horizon)
    with console.status("training", spinner="dots") if not quiet else _nothing():
        card: dict[str, Any] = train_model(portfolio, out_dir, options)
    out.print(model_card_view(card))
    console.print(f"model and card written to {out_dir}")


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *args: object) -> None:
        return None
