"""`fairdebt tokens ...`: the API tokens integrations call the JSON API with (docs/gate.md).

- `create NAME --scope gate:check [--scope …] [--expires-days N] [--actor]`: prints the token
  on stdout, once — it is stored only as its SHA-256 — and says so on stderr;
- `list [--json]`: id, prefix, name, scopes, created, last used, expiry, revocation;
- `revoke ID`: by id or prefix; the token is refused from then on.
"""

from __future__ import annotations

from typing import Any

import typer

tokens_app = typer.Typer(help="API tokens for integrations (the JSON API).", no_args_is_help=True)

ACTOR = typer.Option("cli", "--actor", help="Who does this (kept on the token).")


def register(app: typer.Typer) -> None:
    app.add_typer(tokens_app, name="tokens")


@tokens_app.command()
def create(
    name: str = typer.Argument(..., help="The integration that will use it (e.g. dialler)."),
    scope: list[str] = typer.Option(
        ..., "--scope", help="gate:check or strategy:read; repeat for more than one."
    ),
    expires_days: int = typer.Option(
        None, "--expires-days", min=1, help="Refused after this many days (default: never)."
    ),
    actor: str = ACTOR,
) -> None:
    """Create a token and print it (shown this once; only its hash is kept)."""
    import sys
    from datetime import timedelta

    from fairdebt.cli._common import console, services
    from fairdebt.services.api_tokens import create as create_token

    wired = services()
    expires = timedelta(days=expires_days) if expires_days else None
    made = create_token(wired.uow(), name, scope, actor, wired.clock.now(), expires)
    sys.stdout.write(made.token + "\n")
    record = made.record
    until = f", until {record.expires_at:%Y-%m-%d %H:%M} UTC" if record.expires_at else ""
    console.print(
        f"created API token {record.prefix} (id {record.id}) for {record.name}: "
        f"{' '.join(record.scopes)}{until}.\n"
        "This is the only time the token is shown: keep it in the integration's secret store.",
        highlight=False,
    )


def _row(token: Any) -> dict[str, Any]:
    def at(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "id": token.id,
        "prefix": token.prefix,
        "name": token.name,
        "scopes": list(token.scopes),
        "created_by": token.created_by,
        "created_at": at(token.created_at),
        "last_used_at": at(token.last_used_at),
        "expires_at": at(token.expires_at),
        "revoked_at": at(token.revoked_at),
    }


@tokens_app.command("list")
def list_tokens(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Every token, revoked ones too: never the token itself, only its prefix."""
    from fairdebt.cli._common import print_rows, services
    from fairdebt.services.api_tokens import list_tokens as all_tokens

    rows = [_row(t) for t in all_tokens(services().uow())]
    columns = ("id", "prefix", "name", "scopes", "created_at", "last_used_at", "expires_at")
    print_rows(
        rows,
        (*columns, "revoked_at"),
        as_json,
        title=f"{len(rows)} API token(s)",
        shown={"scopes": " ".join},
    )


@tokens_app.command()
def revoke(token_id: str = typer.Argument(..., metavar="ID", help="Its id or prefix.")) -> None:
    """Revoke a token: every request with it is refused (401) from now on."""
    from fairdebt.cli._common import out, services
    from fairdebt.services.api_tokens import revoke as revoke_token

    wired = services()
    token = revoke_token(wired.uow(), token_id, wired.clock.now())
    out.print(
        f"revoked API token {token.prefix} ({token.name}) since {token.revoked_at:%Y-%m-%d %H:%M}",
        highlight=False,
    )
