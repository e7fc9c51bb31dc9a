"""The one entry point: `fairdebt ...` (Typer + Rich).

Each command group lives in its own module of this package and exposes `register(app)`.
Modules import only typer/rich at import time; heavy libraries are imported inside the
commands, so `fairdebt --help` stays fast and does no I/O.

The root command puts the composition root (fairdebt.bootstrap.Services, lazy: nothing is built
until a command uses it) into the context; commands get it with `_common.services()`. A test may
pass its own: `app(args, obj=Services(...))`.
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


@app.callback()
def _root(ctx: typer.Context) -> None:
    from fairdebt.bootstrap import Services
    from fairdebt.cli._common import use

    if not isinstance(ctx.obj, Services):
        ctx.obj = Services()
    use(ctx.obj)
    ctx.call_on_close(ctx.obj.close)


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
