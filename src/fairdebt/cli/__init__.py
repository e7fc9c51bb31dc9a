"""The one entry point: `fairdebt ...` (Typer + Rich).

Each command group lives in its own module of this package and exposes `register(app)`.
Modules import only typer/rich at import time; heavy libraries are imported inside the
commands, so `fairdebt --help` stays fast and does no I/O.
"""

from __future__ import annotations

import importlib
import sys

import typer

from fairdebt.errors import FairdebtError

COMMAND_MODULES: tuple[str, ...] = (
    "db",
    "portfolio",
    "audit",
    "demo",
    "serve",
    "bench",
    "generate",
    "legal",
    "users",
    "repayment",
    "gate",
    "strategy",
    "tasks",
)

app = typer.Typer(
    name="fairdebt",
    help="fairdebt — compliance-first debt collection (合规催收管理系统).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # rich tracebacks print locals: personal data must not leak
    add_completion=False,
)

for _name in COMMAND_MODULES:
    importlib.import_module(f"fairdebt.cli.{_name}").register(app)


def main() -> None:
    """Run the CLI; a FairdebtError becomes one line of cause, one of hint, and exit 2."""
    try:
        app()
    except FairdebtError as exc:
        sys.stderr.write(f"error: {exc.cause}\n")
        if exc.hint:
            sys.stderr.write(f"hint: {exc.hint}\n")
        raise SystemExit(2) from None
