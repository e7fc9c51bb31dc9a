"""`fairdebt legal ...`: the law's arithmetic, JSON request on stdin, JSON answer on stdout.

Same answers as the Python API `fairdebt.legal.api` (docs/legal.md). A malformed request
is a `LegalRequestError`, which the CLI root prints as `error:` / `hint:` with exit 2.
"""

from __future__ import annotations

import typer

legal_app = typer.Typer(
    help="Limitation periods, interest caps, validation periods (JSON in, JSON out).",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(legal_app, name="legal")


def _answer(what: str, name: str) -> None:
    from fairdebt.cli._common import print_json, read_json_stdin
    from fairdebt.legal import api

    request = read_json_stdin(what)
    print_json(getattr(api, name)(request))


@legal_app.command()
def limitation() -> None:
    """Start, expiry and status of a debt's limitation period (cn, us-<state>)."""
    _answer("limitation request", "limitation")


@legal_app.command()
def charges() -> None:
    """The cap on a loan's interest and charges, each rate's enforceable part (cn)."""
    _answer("charges request", "charges")


@legal_app.command()
def validation() -> None:
    """US validation period: assumed receipt of the notice and the period's last day."""
    _answer("validation request", "validation")
