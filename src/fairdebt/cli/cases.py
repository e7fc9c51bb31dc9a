"""`fairdebt cases stage|credit-reporting`: the legal stage of a case, which decides whether a
message may speak of a lawyer's letter, a lawsuit, enforcement or credit reporting.

    fairdebt cases stage C-B1                                   # show it
    fairdebt cases stage C-B1 --set lawyers_letter --reason "approved by legal, L-17"
    fairdebt cases credit-reporting C-B1 --reported --reason "furnished to 人行征信 2026-05"

See docs/gate.md ("In the application").
"""

from __future__ import annotations

import typer

cases_app = typer.Typer(help="Cases: legal stage and credit reporting.", no_args_is_help=True)

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
