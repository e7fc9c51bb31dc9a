"""`fairdebt audit verify`: recompute every hash chain of the case event log."""

from __future__ import annotations

import typer

audit_app = typer.Typer(help="Check the tamper-evident case event log.")


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")


@audit_app.command()
def verify(quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar.")) -> None:
    """Recompute every case's chain; name the first broken link of each. Exit 1 if any."""
    from fairdebt.cli._common import console, out, progress, services
    from fairdebt.services.audit import verify_all

    with progress(quiet) as bar:
        task = bar.add_task("verifying chains", total=None)
        report = verify_all(services().uow(), on_case=lambda n: bar.update(task, completed=n))
    for link in report.broken:
        out.print(f"[red]BROKEN[/red] case {link.case} at event {link.seq}: {link.reason}")
    if not report.ok:
        console.print(f"{len(report.broken)} broken chain(s) in {report.cases} cases")
        raise typer.Exit(1)
    out.print(f"ok: {report.events} events in {report.cases} cases, every chain intact")
