"""`fairdebt import FILE...`: load a portfolio (docs/import.md)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from fairdebt.services.importing import ImportReport

SHOWN_ERRORS = 200


def register(app: typer.Typer) -> None:
    app.command("import")(import_files)


def import_files(
    files: list[Path] = typer.Argument(..., help="CSV/Parquet files or folders holding them."),
    kind: str = typer.Option(
        None, help="borrowers|accounts|schedules|payments, if names don't say."
    ),
    skip_invalid: bool = typer.Option(
        False, "--skip-invalid", help="Write the valid rows; put rejected ones in FILE.rejects.csv."
    ),
    as_of: str = typer.Option(None, help="Date of the delinquency snapshot (default today)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Import borrowers, accounts, schedules and payments; all or nothing unless --skip-invalid."""
    from fairdebt.cli._common import console, out, parse_date, progress, services
    from fairdebt.errors import InputFileError
    from fairdebt.services.importing import ImportOptions, import_portfolio

    if kind is not None and kind not in ("borrowers", "accounts", "schedules", "payments"):
        raise InputFileError(
            f"unknown --kind {kind!r}", hint="borrowers, accounts, schedules or payments"
        )
    wired = services()
    config, now = wired.settings, wired.clock.now()
    options = ImportOptions(
        as_of=parse_date(as_of) if as_of else now.astimezone().date(),
        now=now,
        skip_invalid=skip_invalid,
        kind=kind,  # type: ignore[arg-type]  # checked against the four kinds above
        timezone=config.timezone,
    )
    with progress(quiet) as bar:
        task = bar.add_task("importing", total=7)
        report = import_portfolio(
            wired.uow(),
            files,
            options,
            lambda stage: bar.update(task, description=stage, advance=1),
        )
        bar.update(task, completed=7, description="done")
    for error in report.errors[:SHOWN_ERRORS]:
        console.print(f"[red]✗[/red] {error}", highlight=False, soft_wrap=True)
    if len(report.errors) > SHOWN_ERRORS:
        console.print(f"… and {len(report.errors) - SHOWN_ERRORS} more")
    _summary(out, report)
    if not report.written:
        files_with = len({e.file for e in report.errors})
        console.print(
            f"[bold red]nothing written[/bold red]: {len(report.errors)} problem(s) in "
            f"{files_with} file(s). Fix them, or pass --skip-invalid to import the valid rows."
        )
        raise typer.Exit(2)
    if report.kept_by_plan:
        console.print(
            f"{report.kept_by_plan:,} schedule rows not imported: their accounts follow an "
            "accepted repayment plan (see fairdebt plans list)"
        )
    for path in report.rejects:
        console.print(f"rejected rows written to {path}")


def _summary(out: Console, report: ImportReport) -> None:
    from rich.table import Table

    table = Table(title="import")
    for name in ("file kind", "rows", "new", "changed", "rejected"):
        table.add_column(name, justify="left" if name == "file kind" else "right")
    for kind, s in report.summaries.items():
        if s.rows:
            table.add_row(kind, f"{s.rows:,}", f"{s.new:,}", f"{s.changed:,}", f"{s.rejected:,}")
    out.print(table)
    if report.written:
        out.print(
            f"{report.new} new, {report.changed} changed; {report.cases_opened} cases opened, "
            f"{report.events} events logged in {report.seconds:.1f} s"
        )
