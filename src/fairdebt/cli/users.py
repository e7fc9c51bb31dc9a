"""`fairdebt users ...`: create, list, disable users, reset their passwords and second factors.

A password comes from a hidden prompt (asked twice) or, with `--password-stdin`, from the first
line of standard input — the way scripts and containers, which have no terminal, give it.
"""

from __future__ import annotations

import typer

users_app = typer.Typer(help="Users and roles of the console.", no_args_is_help=True)

PASSWORD_STDIN = typer.Option(
    False, "--password-stdin", help="Read the password from standard input (first line)."
)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")


def read_password(from_stdin: bool) -> str:
    """The new password: stdin's first line, or a hidden prompt on a terminal (asked twice).
    Without a terminal and without --password-stdin there is nobody to ask: say so."""
    import sys

    from fairdebt.errors import FairdebtError

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise FairdebtError(
                "no password on standard input", hint="pipe it in: echo PASSWORD | fairdebt …"
            )
        return password
    if not sys.stdin.isatty():
        raise FairdebtError(
            "no terminal to ask for the password",
            hint="pass --password-stdin and pipe the password in",
        )
    typed: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return typed


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
    password_stdin: bool = PASSWORD_STDIN,
) -> None:
    """Create a user. Without --password-stdin the password is asked for, twice, hidden."""
    from fairdebt.cli._common import out, services
    from fairdebt.services.users import create_user, parse_role

    parse_role(role)  # refuse a bad role before asking for a password
    password = read_password(password_stdin)
    user = create_user(services().uow(), username, role, password, name, agency, borrower)
    out.print(f"created {user.role.value} {user.username} ({user.display_name})", highlight=False)


@users_app.command("list")
def list_users(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Every user: name, role, agency or borrower, whether it is disabled, and whether its
    second factor (TOTP) is on."""
    from fairdebt.cli._common import print_rows, services
    from fairdebt.services.second_factor import enabled_users
    from fairdebt.services.users import list_users as all_users

    wired = services()
    with_factor = enabled_users(wired.uow())
    rows = [
        {
            "username": u.username,
            "display_name": u.display_name,
            "role": u.role.value,
            "agency_id": u.agency_id,
            "borrower_id": u.borrower_id,
            "disabled_at": u.disabled_at.isoformat() if u.disabled_at else None,
            "second_factor": u.id in with_factor,
        }
        for u in all_users(wired.uow())
    ]
    columns = (
        "username",
        "display_name",
        "role",
        "agency_id",
        "borrower_id",
        "disabled_at",
        "second_factor",
    )
    print_rows(rows, columns, as_json, title=f"{len(rows)} user(s)")


@users_app.command()
def disable(username: str = typer.Argument(..., help="The user to disable.")) -> None:
    """Disable a user: no more sign-ins, and its open sessions stop working at once."""
    from fairdebt.cli._common import out, services
    from fairdebt.services.users import disable_user

    wired = services()
    user = disable_user(wired.uow(), username, wired.clock.now())
    out.print(f"disabled {user.username} (since {user.disabled_at:%Y-%m-%d %H:%M})")


@users_app.command("reset-password")
def reset_password(
    username: str = typer.Argument(..., help="The user whose password to replace."),
    password_stdin: bool = PASSWORD_STDIN,
) -> None:
    """Give a user a new password (from a hidden prompt, or --password-stdin)."""
    from fairdebt.cli._common import out, services
    from fairdebt.services.users import existing_user, reset_password

    wired = services()
    existing_user(wired.uow(), username)  # an unknown name is refused before the prompt
    user = reset_password(wired.uow(), username, read_password(password_stdin), wired.clock.now())
    out.print(f"new password set for {user.username}")


@users_app.command("2fa-reset")
def reset_second_factor(
    username: str = typer.Argument(..., help="The user whose second factor to remove."),
) -> None:
    """Remove a user's second factor (a lost phone) and end its sessions: the next sign-in
    sets one up again where the role requires it. Recorded as a factor event."""
    from fairdebt.cli._common import out, services
    from fairdebt.services.second_factor import reset
    from fairdebt.services.users import existing_user

    wired = services()
    user = existing_user(wired.uow(), username)
    had = reset(wired.uow(), user, wired.clock.now(), actor="cli")
    done = "second factor removed" if had else "no second factor was set up"
    out.print(f"{user.username}: {done}; its sessions ended", highlight=False)
