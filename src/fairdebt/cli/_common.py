"""What every command shares: settings, consoles, progress bars, JSON I/O."""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from fairdebt.errors import InputFileError
from fairdebt.settings import Settings

if TYPE_CHECKING:
    from fairdebt.bootstrap import Services

# No emoji codes: "file.yaml:100: field" would print a 💯 where the line number is.
console = Console(stderr=True, emoji=False)  # stdout is kept for machine-readable output (JSON)
out = Console(emoji=False)


_wired: list[Services] = []  # set by the root command (fairdebt.cli), one per invocation


def use(services: Services) -> None:
    """Called by the root command: the composition root every command of this run receives."""
    _wired[:] = [services]


def services() -> Services:
    """The composition root of this run (fairdebt.cli's root command built it)."""
    if not _wired:
        from fairdebt.bootstrap import Services

        use(Services())
    return _wired[0]


def settings() -> Settings:
    return services().settings


def progress(quiet: bool = False) -> Progress:
    """A Rich progress bar on stderr; disabled when quiet or not a terminal-friendly run."""
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=quiet,
        transient=False,
    )


def read_json_stdin(what: str) -> Any:
    """Read one JSON document from stdin, or raise a readable InputFileError."""
    text = sys.stdin.read()
    if not text.strip():
        raise InputFileError(f"no {what} on standard input", hint="pipe a JSON document in")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputFileError(
            f"{what} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            hint="check quotes and commas",
        ) from None


def print_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n")


def parse_date(text: str, name: str = "--as-of") -> date:
    """An ISO date from the command line, or one line of cause and hint (exit 2)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputFileError(
            f"{name} {text!r} is not a date", hint="write it as YYYY-MM-DD, e.g. 2026-11-24"
        ) from None
