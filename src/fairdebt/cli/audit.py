"""`fairdebt audit verify`: recompute every hash chain of the case event log, and check every
evidence object the events name against the evidence store."""

from __future__ import annotations

import typer

audit_app = typer.Typer(help="Check the tamper-evident case event log and its evidence.")


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")


@audit_app.command()
def verify(quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar.")) -> None:
    """Recompute every case's chain; name the first broken link of each. Then re-hash every
    evidence object an event names (FAIRDEBT_EVIDENCE_URL); name each missing or altered one
    by case and event. Exit 1 if anything fails."""
    from rich.markup import escape

    from fairdebt.cli._common import console, out, progress, services
    from fairdebt.services.audit import EvidenceRef, check_evidence, verify_all

    refs: list[EvidenceRef] = []
    with progress(quiet) as bar:
        task = bar.add_task("verifying chains", total=None)
        report = verify_all(
            services().uow(), on_case=lambda n: bar.update(task, completed=n), refs=refs
        )
        evidence = None
        if refs:  # no store is opened (nor boto3 loaded) for a log that names no evidence
            checking = bar.add_task("checking evidence", total=len(refs))
            evidence = check_evidence(
                services().evidence, refs, on_ref=lambda n: bar.update(checking, completed=n)
            )
    for link in report.broken:
        out.print(f"[red]BROKEN[/red] case {link.case} at event {link.seq}: {link.reason}")
    if report.ok:
        out.print(f"ok: {report.events} events in {report.cases} cases, every chain intact")
    else:
        console.print(f"{len(report.broken)} broken chain(s) in {report.cases} cases")
    for problem in evidence.problems if evidence else ():
        out.print(
            f"[red]EVIDENCE {problem.status.upper()}[/red] case {problem.case} at event "
            f"{problem.seq}: {escape(problem.ref)}"
        )
    if evidence is not None and evidence.ok:
        out.print(
            f"ok: {evidence.objects} evidence objects for {evidence.refs} references, all match"
        )
    elif evidence is not None:
        console.print(f"{len(evidence.problems)} evidence reference(s) fail")
    if not report.ok or (evidence is not None and not evidence.ok):
        raise typer.Exit(1)
