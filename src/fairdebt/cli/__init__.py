"""The one entry point: `fairdebt ...` (Typer + Rich).

Each command group lives in its own module of this package and exposes `register(app)`.
Modules import only typer/rich at import time; heavy libraries (settings, SQLAlchemy, FastAPI,
the engines) are imported inside the commands, so `fairdebt --help` stays fast and does no I/O
(tests/unit/test_cli_startup.py checks the imports; `fairdebt bench startup` times it).

Every error reaches the user the same way: one line of cause, one of hint, exit 2 — a
`FairdebtError` from a command, and a usage error (a bad option value, a missing argument, an
unknown option) from the command line parser alike.

The root command puts the composition root (fairdebt.bootstrap.Services, lazy: nothing is built
until a command uses it) into the context; commands get it with `_common.services()`. A test may
pass its own: `app(args, obj=Services(...))`.
"""

from __future__ import annotations

import importlib
import os
import sys

# Plain help text (click's): Typer's Rich help boxes load Rich's markdown, syntax and traceback
# modules, which would triple the time `fairdebt --help` takes. TYPER_USE_RICH=1 brings them back.
os.environ.setdefault("TYPER_USE_RICH", "0")

import typer

from fairdebt.cli._coerce import LightGroup
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
    "templates",
    "strategy",
    "tasks",
    "worker",
    "cases",
    "letters",
    "tokens",
    "complaints",
    "visits",
    "portal",
    "backup",
    "keys",
)


def _root(ctx: typer.Context) -> None:
    from fairdebt.bootstrap import Services
    from fairdebt.cli._common import use

    if not isinstance(ctx.obj, Services):
        ctx.obj = Services()
    use(ctx.obj)
    ctx.call_on_close(ctx.obj.close)


def _build(modules: tuple[str, ...]) -> typer.Typer:
    built = typer.Typer(
        name="fairdebt",
        help="fairdebt — compliance-first debt collection (合规催收管理系统).",
        no_args_is_help=True,
        pretty_exceptions_enable=False,  # rich tracebacks print locals: personal data must not leak
        add_completion=False,
        cls=LightGroup,  # its --help coerced without pydantic: `fairdebt gate` loads none (_coerce)
    )
    built.callback()(_root)
    for name in modules:
        importlib.import_module(f"fairdebt.cli.{name}").register(built)
    return built


_APPS: dict[tuple[str, ...], typer.Typer] = {}


def command_line(modules: tuple[str, ...] = COMMAND_MODULES) -> typer.Typer:
    """The command line with the commands of `modules` (all of them by default), made once.

    `fairdebt gate` needs one group of the twenty-three: importing and registering all of them
    is ~50 ms of a gate request's ~350 ms start-up, so `main` builds only the group named."""
    if modules not in _APPS:
        _APPS[modules] = _build(modules)
    return _APPS[modules]


def __getattr__(name: str) -> typer.Typer:
    if name == "app":  # `from fairdebt.cli import app`: every command
        return command_line()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _fail(cause: str, hint: str, code: int = 2) -> SystemExit:
    sys.stderr.write(f"error: {cause}\n")
    if hint:
        sys.stderr.write(f"hint: {hint}\n")
    return SystemExit(code)


def main(args: list[str] | None = None) -> None:
    """Run the CLI; a FairdebtError or a usage error becomes cause + hint and exit 2."""
    from typer import Abort
    from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

    words = sys.argv[1:] if args is None else args
    group = words[0] if words else ""  # `fairdebt gate …`: only that group is built
    app = command_line((group,) if group in COMMAND_MODULES else COMMAND_MODULES)
    try:
        code = app(args=args, prog_name="fairdebt", standalone_mode=False)
    except FairdebtError as exc:
        raise _fail(exc.cause, exc.hint) from None
    except NoArgsIsHelpError as exc:  # `fairdebt users`: the group's help, as before
        exc.show()
        raise SystemExit(exc.exit_code) from None
    except UsageError as exc:
        command = exc.ctx.command_path if exc.ctx is not None else "fairdebt"
        raise _fail(exc.format_message(), f"run {command} --help") from None
    except ClickException as exc:
        raise _fail(exc.format_message(), "", exc.exit_code) from None
    except Abort:
        raise _fail("aborted", "", 1) from None
    if isinstance(code, int) and code:  # typer.Exit(n) from a command
        raise SystemExit(code)
