"""`fairdebt generate`: write a synthetic portfolio in the import format (docs/generate.md)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from fairdebt.demo.generate import GenerateResult


def register(app: typer.Typer) -> None:
    app.command("generate")(generate)


def generate(
    accounts: int = typer.Option(..., "--accounts", "-n", help="How many accounts to generate."),
    folder: Path = typer.Option(..., "--out", "-o", help="Directory for the four files."),
    seed: int = typer.Option(0, help="Same seed, same files."),
    fmt: str = typer.Option("parquet", "--format", help="parquet or csv."),
    as_of: str = typer.Option(
        None,
        help="The day the portfolio is seen (YYYY-MM-DD; default today): no payment after it. "
        "The same seed and as-of give the same files.",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Generate borrowers, accounts, schedules and payments: zh_CN, deterministic per seed and
    as-of date."""
    from datetime import date

    from fairdebt.cli._common import parse_date, progress
    from fairdebt.demo.generate import check_arguments, generate_portfolio
    from fairdebt.demo.sinks import prepare_out_dir

    day = parse_date(as_of) if as_of else date.today()  # the local date
    check_arguments(accounts, fmt)
    prepare_out_dir(folder)
    with progress(quiet) as bar:
        task = bar.add_task("generating", total=accounts)
        result = generate_portfolio(
            accounts,
            folder,
            seed=seed,
            fmt=fmt,  # type: ignore[arg-type]  # generate_portfolio refuses other values
            as_of=day,
            on_progress=lambda done: bar.update(task, completed=done),
        )
    _report(result)


def _report(result: GenerateResult) -> None:
    """Rows and sizes on stdout (for scripts); the summary line on stderr."""
    from fairdebt.cli._common import console, out

    for kind, rows in result.counts.items():
        size = result.paths[kind].stat().st_size / 1e6
        out.print(f"{kind:<10} {rows:>13,} rows  {size:>9.1f} MB  {result.paths[kind]}")
    rate = result.counts["accounts"] / result.seconds if result.seconds else 0.0
    console.print(
        f"generated {result.counts['accounts']:,} accounts in {result.seconds:.1f} s "
        f"({rate:,.0f} accounts/s), seed {result.seed}, as of {result.as_of}"
    )
