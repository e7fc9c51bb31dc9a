"""What every command shares: the composition root, consoles, progress, listings, JSON I/O.

Imported by commands at run time, and by some command modules at import time, so it imports
nothing heavy at module level: the two consoles (`console` on stderr, `out` on stdout) are made
on first use, and the settings (pydantic-settings), progress bars and tables where used.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from fairdebt.errors import InputFileError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from fairdebt.bootstrap import Services
    from fairdebt.settings import Settings

    console: Console  # stderr: messages, progress (stdout is kept for output, JSON)
    out: Console  # stdout

PIPE_WIDTH = 1000  # the width of a console that is not a terminal: tables are never cut
_consoles: dict[str, Console] = {}


def __getattr__(name: str) -> Console:
    """`console` and `out`, made when first imported (Rich's console costs ~0.1 s to load)."""
    if name not in ("console", "out"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return _made(name)


def _made(name: str) -> Console:
    if name not in _consoles:
        from rich.console import Console

        # No emoji codes: "file.yaml:100: field" would print a 💯 where the line number is.
        made = Console(stderr=name == "console", emoji=False)
        if not made.is_terminal and "COLUMNS" not in os.environ:
            # Piped: no terminal to fit, so no 80-column cut of tables and values ("C-B…").
            made = Console(stderr=name == "console", emoji=False, width=PIPE_WIDTH)
        _consoles[name] = made
    return _consoles[name]


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


class StepLog:
    """Stands in for a Rich Progress when stderr is not a terminal: instead of a spinner nobody
    sees, one line per step with its count and the time since the start (what a log keeps)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.started = time.monotonic()
        self.tasks: dict[TaskID, dict[str, Any]] = {}
        self._last_line = 0.0

    def __enter__(self) -> StepLog:
        return self

    def __exit__(self, *exc: object) -> None:
        for task in self.tasks.values():
            if not task["done"]:
                self._line(task)

    def add_task(self, description: str, total: float | None = None, **_: Any) -> TaskID:
        task_id = cast("TaskID", len(self.tasks))
        self.tasks[task_id] = {
            "description": description,
            "total": total,
            "completed": 0.0,
            "done": False,
        }
        return task_id

    def advance(self, task_id: TaskID, advance: float = 1) -> None:
        self.update(task_id, advance=advance)

    def update(
        self,
        task_id: TaskID,
        *,
        completed: float | None = None,
        advance: float | None = None,
        description: str | None = None,
        total: float | None = None,
        **_: Any,
    ) -> None:
        task = self.tasks[task_id]
        if total is not None:
            task["total"] = total
        if completed is not None:
            task["completed"] = completed
        if advance is not None:
            task["completed"] += advance
        renamed = description is not None and description != task["description"]
        if renamed:
            task["description"] = description
        finished = task["total"] is not None and task["completed"] >= task["total"]
        if finished and not task["done"]:
            task["done"] = True
            self._line(task)
        elif renamed or time.monotonic() - self._last_line >= 10:  # a new step, or a sign of life
            self._line(task)

    def _line(self, task: dict[str, Any]) -> None:
        self._last_line = time.monotonic()
        if self.quiet:
            return
        count = f"{task['completed']:,.0f}"
        if task["total"] is not None:
            count += f"/{task['total']:,.0f}"
        elapsed = time.monotonic() - self.started
        sys.stderr.write(f"{task['description']}: {count} ({elapsed:.1f} s)\n")
        sys.stderr.flush()


def progress(quiet: bool = False) -> Progress | StepLog:
    """A Rich progress bar on a terminal's stderr; otherwise log lines (StepLog)."""
    if not _made("console").is_terminal:
        return StepLog(quiet)
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=_made("console"),
        disable=quiet,
        transient=False,
    )


@contextmanager
def step(what: str) -> Iterator[None]:
    """A spinner while `what` runs on a terminal; else one log line when it ends, with the time."""
    if _made("console").is_terminal:
        with _made("console").status(f"{what}…"):
            yield
        return
    started = time.monotonic()
    yield
    sys.stderr.write(f"{what}: done ({time.monotonic() - started:.1f} s)\n")
    sys.stderr.flush()


def money(cents: int | None, currency: str = "") -> str:
    """Cents as money with thousands separators: 123456 -> '1,234.56 CNY'."""
    if cents is None:
        return ""
    text = f"{Decimal(cents) / 100:,.2f}"
    return f"{text} {currency}" if currency else text


def print_rows(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    as_json: bool = False,
    *,
    title: str | None = None,
    shown: Mapping[str, Callable[[Any], str]] | None = None,
    right: Sequence[str] = (),
) -> None:
    """Every listing prints through here, on stdout.

    `--json`: the rows as a JSON array (all their keys, raw values). On a terminal: a Rich table
    of `columns`, values formatted by `shown`. Piped: tab-separated lines, a header first, every
    value whole (a terminal's table would cut them at its width)."""
    if as_json:
        print_json([dict(row) for row in rows])
        return
    shown = shown or {}

    def cell(row: Mapping[str, Any], column: str) -> str:
        value = row.get(column)
        if column in shown:
            return shown[column](value)
        return "" if value is None else str(value)

    if not _made("out").is_terminal:
        lines = ["\t".join(columns)]
        lines += ["\t".join(cell(r, c).replace("\t", " ") for c in columns) for r in rows]
        sys.stdout.write("\n".join(lines) + "\n")
        return
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column, justify="right" if column in right else "left")
    for row in rows:
        table.add_row(*(cell(row, c) for c in columns))
    _made("out").print(table)


def read_json_stdin(what: str) -> Any:
    """Read one JSON document from stdin, or raise a readable InputFileError."""
    from fairdebt.jsontext import JsonEncodingError, JsonTooDeepError, loads

    data = sys.stdin.buffer.read()  # bytes: the encodings the API takes (fairdebt.jsontext)
    if not data.strip():
        raise InputFileError(f"no {what} on standard input", hint="pipe a JSON document in")
    try:
        return loads(data)
    except JsonEncodingError as exc:
        raise InputFileError(f"{what} is {exc}", hint="send UTF-8 JSON") from None
    except JsonTooDeepError as exc:
        raise InputFileError(f"{what} is {exc}", hint="send the documented shape") from None
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
