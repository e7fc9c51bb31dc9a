"""`fairdebt portal letter-code CASE`: a sign-in to print in a letter to the borrower — the case
link and, apart from it, a code (services.portal_codes.issue_letter_code; docs/portal.md).

    fairdebt portal letter-code C-B0001 [--days 30]

Both are printed once, on stdout, for the letter being prepared: only their hashes are kept.
"""

from __future__ import annotations

import typer

portal_app = typer.Typer(help="The borrower portal.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(portal_app, name="portal")


@portal_app.command("letter-code")
def letter_code(
    case: str = typer.Argument(..., help="The case id, e.g. C-B0001."),
    days: int = typer.Option(30, "--days", min=1, max=90, help="Days the code works."),
) -> None:
    """Print the case link and the code for a letter (they open the portal once)."""
    from datetime import timedelta

    from fairdebt.cli._common import services
    from fairdebt.services.portal_codes import issue_letter_code

    wired = services()
    key = wired.settings.secret_key.get_secret_value()
    token, code = issue_letter_code(wired.uow(), case, wired.clock.now(), key, timedelta(days=days))
    base = wired.settings.public_base.rstrip("/")
    typer.echo(f"link: {base}/portal/letter/{token}")
    typer.echo(f"code: {code}")
