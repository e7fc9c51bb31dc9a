"""`fairdebt users create`: add a user with one role (password from a prompt or stdin)."""

from __future__ import annotations

import typer

users_app = typer.Typer(help="Users and roles of the console.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")


@users_app.command()
def create(
    username: str = typer.Argument(..., help="Login name: lower-case letters, digits, . _ -"),
    role: str = typer.Option(
        ...,
        help="collector, field_agent, supervisor, compliance, agency, borrower or admin.",
    ),
    name: str = typer.Option("", "--name", help="Name shown in the console (default: USERNAME)."),
    agency: str = typer.Option(None, help="Agency id (required with --role agency)."),
    borrower: str = typer.Option(None, help="Borrower id (required with --role borrower)."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input (first line)."
    ),
) -> None:
    """Create a user. Without --password-stdin the password is asked for, twice, hidden."""
    import sys

    from fairdebt.adapters.db.engine import connect
    from fairdebt.bootstrap import database
    from fairdebt.cli._common import out, settings
    from fairdebt.services.users import create_user, parse_role

    parse_role(role)  # refuse a bad role before asking for a password
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    engine = database(settings())
    with connect(engine, write=True) as conn:
        user = create_user(conn, username, role, password, name, agency, borrower)
    out.print(f"created {user.role.value} {user.username} ({user.display_name})")
