"""`fairdebt cases stage|credit-reporting|grant|grants`: the legal stage of a case, which decides
whether a message may speak of a lawyer's letter, a lawsuit, enforcement or credit reporting;
and who besides its assignee may see it.

    fairdebt cases stage C-B1                                   # show it
    fairdebt cases stage C-B1 --set lawyers_letter --reason "approved by legal, L-17"
    fairdebt cases credit-reporting C-B1 --reported --reason "furnished to 人行征信 2026-05"
    fairdebt cases grant C-B1 --to li.wei --days 7 --reason "covering for wang.fang on leave"
    fairdebt cases grants --to li.wei                           # the grants in force

See docs/gate.md ("In the application") and docs/security.md (who sees what).
"""

from __future__ import annotations

import typer

cases_app = typer.Typer(
    help="Cases: legal stage, credit reporting, access grants.", no_args_is_help=True
)

STAGE_NAMES = "none, lawyers_letter, litigation_review, litigation_approved, judgment"
ACTOR = typer.Option("cli", "--actor", help="Who does this (recorded in the case log).")
REASON = typer.Option("", "--reason", help="Why (recorded in the case log; required).")


def register(app: typer.Typer) -> None:
    app.add_typer(cases_app, name="cases")


@cases_app.command()
def stage(
    case: str = typer.Argument(..., help="The case id, e.g. C-B1."),
    set_to: str | None = typer.Option(None, "--set", help=f"The new stage: {STAGE_NAMES}."),
    reason: str = REASON,
    actor: str = ACTOR,
) -> None:
    """Show the case's legal stage, or move it with --set STAGE --reason TEXT."""
    from fairdebt.cli._common import out, services
    from fairdebt.services.legal_stage import current, set_stage

    wired = services()
    if set_to is not None:
        changed = set_stage(wired.uow(), case, set_to, actor, reason, wired.clock.now())
        out.print(f"{case}: legal stage {set_to}" + ("" if changed else " (already)"))
        return
    state = current(wired.uow(), case)
    reported = "reported" if state.credit_reported else "not reported"
    out.print(f"{case}: legal stage {state.stage}; credit reporting {reported}")


@cases_app.command("credit-reporting")
def credit_reporting(
    case: str = typer.Argument(..., help="The case id, e.g. C-B1."),
    reported: bool = typer.Option(
        ..., "--reported/--not-reported", help="Whether the account is furnished to a bureau."
    ),
    reason: str = REASON,
    actor: str = ACTOR,
) -> None:
    """Note whether the case's account is reported to a credit bureau (征信)."""
    from fairdebt.cli._common import out, services
    from fairdebt.services.legal_stage import set_credit_reporting

    wired = services()
    changed = set_credit_reporting(wired.uow(), case, reported, actor, reason, wired.clock.now())
    what = "reported" if reported else "not reported"
    out.print(f"{case}: credit reporting {what}" + ("" if changed else " (already)"))


@cases_app.command()
def grant(
    case: str = typer.Argument(..., help="The case id, e.g. C-B1."),
    to: str = typer.Option(..., "--to", help="The collector (user name) who may see the case."),
    days: int = typer.Option(..., "--days", help="For how many days (1 to 30)."),
    reason: str = typer.Option(..., "--reason", help="Why (recorded in the case log)."),
    actor: str = ACTOR,
) -> None:
    """Let a collector see a case not assigned to them, for some days (a case event)."""
    from fairdebt.cli._common import out, services
    from fairdebt.services.access import grant as grant_case

    wired = services()
    done = grant_case(wired.uow(), case, to, days, reason, actor, wired.clock.now())
    out.print(f"{done.case_id}: {done.to} may see it until {done.until.isoformat()}")


@cases_app.command()
def grants(
    to: str | None = typer.Option(None, "--to", help="Only this collector's grants."),
) -> None:
    """The grants in force now: case, collector, until, reason."""
    from fairdebt.cli._common import out, services
    from fairdebt.services.access import active_grants

    wired = services()
    found = active_grants(wired.uow(), wired.clock.now(), to=to.strip().lower() if to else None)
    for g in found:
        out.print(f"{g.case_id}\t{g.to}\t{g.until.isoformat()}\t{g.by}\t{g.reason}")
    if not found:
        out.print("no grants in force")
