"""`fairdebt tasks dispatch|list|run|place|reconcile`: the worklist a strategy run's plan feeds
(docs/worklist.md). Every contact a task makes asks the gate first."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from fairdebt.bootstrap import Services
    from fairdebt.services.worklist import Dispatched

tasks_app = typer.Typer(help="Tasks from the strategy plan: queues, placements, reminders.")


def register(app: typer.Typer) -> None:
    app.add_typer(tasks_app, name="tasks")


@tasks_app.command("dispatch")
def dispatch(
    run_id: str = typer.Option(None, "--run", help="A run id (default: the latest current run)."),
    as_of: str = typer.Option(None, "--as-of", help="The current run of this day (YYYY-MM-DD)."),
) -> None:
    """Turn a run's plan into tasks; a second dispatch of the same run adds nothing."""
    from fairdebt.cli._common import parse_date, services
    from fairdebt.errors import InputFileError
    from fairdebt.services import worklist

    if run_id and as_of:
        raise InputFileError("--run and --as-of exclude each other", hint="pick one")
    wired = services()
    if as_of:
        run_id = worklist.run_for_day(wired.uow(), parse_date(as_of))
    now = wired.clock.now()
    result = worklist.dispatch(wired.uow(), run_id, now, actor="cli:tasks dispatch")
    _print_dispatched(result)


def _print_dispatched(result: Dispatched) -> None:
    from rich.table import Table

    from fairdebt.cli._common import console, out

    console.print(f"run {result.run_id} ({result.as_of}): {result.cases:,} case(s) got tasks")
    table = Table()
    table.add_column("kind")
    table.add_column("tasks", justify="right")
    for kind, n in sorted(result.kinds.items(), key=lambda kv: -kv[1]):
        table.add_row(kind, f"{n:,}")
    out.print(table)
    for reason, n in sorted(result.skipped.items()):
        console.print(f"skipped {n:,} case(s): {reason}")
    if result.superseded:
        console.print(f"superseded {result.superseded:,} open task(s) of older plans")


@tasks_app.command("list")
def list_tasks(
    kind: str = typer.Option(None, "--kind", help="Kinds, comma-separated (e.g. call,sms)."),
    assignee: str = typer.Option(None, "--assignee", help="A collector's or agency's id."),
    status: str = typer.Option("open,deferred", "--status", help="Statuses, comma-separated."),
    limit: int = typer.Option(50, min=1, max=10_000, help="At most this many rows."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (phones still masked)."),
) -> None:
    """Tasks, most urgent first; phone numbers and names masked."""
    from fairdebt.cli._common import print_json, services
    from fairdebt.services.ports.worklist import TaskFilter
    from fairdebt.services.worklist import KINDS, STATUSES

    flt = TaskFilter(
        kinds=_words(kind, KINDS, "--kind"),
        statuses=_words(status, STATUSES, "--status"),
        assignee_id=assignee or None,
    )
    with services().uow() as uow:
        rows = [_masked(r) for r in uow.tasks.listing(flt, limit)]
    if json_out:
        print_json(rows)
        return
    _print_tasks(rows)


def _words(text: str | None, allowed: tuple[str, ...], option: str) -> tuple[str, ...]:
    """A comma-separated option as a tuple of known words, or a clean error."""
    from fairdebt.errors import InputFileError

    words = tuple(w.strip() for w in (text or "").split(",") if w.strip())
    unknown = [w for w in words if w not in allowed]
    if unknown:
        raise InputFileError(f"unknown {option} {unknown[0]!r}", hint=f"use: {', '.join(allowed)}")
    return words


def _masked(row: dict[str, Any]) -> dict[str, Any]:
    from fairdebt.domain.borrower import mask_name, mask_phone

    phone = next((p for p in (row.pop("phones") or "").split(";") if p), "")
    row["phone"] = mask_phone(phone) if phone else ""
    row["name"] = mask_name(row["name"])
    row["due_on"] = row["due_on"].isoformat()
    return row


def _print_tasks(rows: list[dict[str, Any]]) -> None:
    from fairdebt.cli._common import console, print_rows

    shown = [
        _who(r) | {
            "id": r["id"], "case": r["case_id"], "kind": r["kind"], "due": r["due_on"],
            "pri": r["priority"], "dpd": r["dpd"], "bucket": r["bucket"],
            "overdue": _yuan(r["overdue_cents"]), "phone": r["phone"], "status": r["status"],
        }
        for r in rows
    ]  # fmt: skip
    columns = ("id", "case", "kind", "due", "pri", "dpd", "bucket", "overdue", "phone")
    print_rows(shown, (*columns, "assignee", "status"), right=("id", "pri", "dpd", "overdue"))
    console.print(f"{len(rows):,} task(s)")


def _who(r: dict[str, Any]) -> dict[str, str]:
    return {
        "assignee": f"{r['assignee_kind']}:{r['assignee_id']}" if r["assignee_kind"] else "pool"
    }


def _yuan(cents: int | None) -> str:
    from decimal import Decimal

    return f"{Decimal(cents or 0).scaleb(-2):,.2f}"  # integer cents through Decimal, never float


@tasks_app.command("run")
def run(
    kind: str = typer.Option("sms", "--kind", help="Automated kinds, e.g. sms,letter."),
    now_text: str = typer.Option(None, "--now", help="The instant (ISO 8601 with offset)."),
    limit: int = typer.Option(10_000, min=1, help="At most this many tasks."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Execute the due automated tasks through the gate; print counts per outcome."""
    from fairdebt.cli._common import services
    from fairdebt.services.worklist import AUTOMATED_KINDS

    kinds = _words(kind, AUTOMATED_KINDS, "--kind") or AUTOMATED_KINDS
    wired = services()
    now = _now(now_text, wired)
    counts = _execute_due(wired, kinds, now, limit, quiet)
    _print_outcomes(counts)
    _deliver(wired, now)


def _deliver(wired: Services, now: datetime) -> None:
    """Deliver what is due, as `fairdebt worker --once` would: the texts just queued and those an
    earlier run left behind (killed after queuing them, its claims since run out), even when
    this run queued nothing. The worker's name is this process's alone: a claim names the one
    process that may record its row's outcome (services.outbox)."""
    import uuid

    from fairdebt.cli._common import console

    worker = wired.outbox_worker(f"cli:tasks run#{uuid.uuid4().hex[:12]}")
    summary = worker.drain(lambda: now)
    if summary.handled:
        console.print(f"outbox: {summary.line()}")


def _now(text: str | None, wired: Services) -> datetime:
    from fairdebt.errors import InputFileError

    if not text:
        return wired.clock.now()
    try:
        now = datetime.fromisoformat(text)
    except ValueError:
        now = None
    if now is None or now.tzinfo is None:
        raise InputFileError(
            f"--now {text!r} is not an instant with a UTC offset",
            hint="e.g. 2026-11-24T10:00:00+08:00",
        )
    return now


def _execute_due(
    wired: Services, kinds: tuple[str, ...], now: datetime, limit: int, quiet: bool
) -> dict[str, int]:
    from collections import Counter
    from zoneinfo import ZoneInfo

    from fairdebt.cli._common import progress
    from fairdebt.services.contact import reconcile
    from fairdebt.services.ports.worklist import TaskFilter
    from fairdebt.services.worklist_execute import execute

    config = wired.settings
    due_by = now.astimezone(ZoneInfo(config.timezone)).date()
    reconcile(wired.uow(), wired.channels, now)  # interrupted sends first: never twice
    with wired.uow() as uow:
        due = uow.tasks.listing(TaskFilter(kinds=kinds, due_by=due_by, ready_at=now), limit)
    counts = Counter[str]()
    with progress(quiet) as bar:
        task = bar.add_task("asking the gate", total=len(due))
        for row in due:
            done = execute(
                wired.uow(), row["id"], "cli:tasks run", now, wired.packs, wired.channels,
                default_pack=config.default_pack, sender=wired.sender,
                order=wired.allocation_order,
            )  # fmt: skip
            counts[done.status] += 1
            bar.advance(task)
    return dict(counts)


def _print_outcomes(counts: dict[str, int]) -> None:
    from rich.table import Table

    from fairdebt.cli._common import console, out

    console.print("tasks executed through the gate:")
    table = Table()
    table.add_column("outcome")
    table.add_column("tasks", justify="right")
    for status in ("queued", "done", "deferred", "refused", "review", "busy"):
        table.add_row(status, f"{counts.get(status, 0):,}")
    out.print(table)


@tasks_app.command("place")
def place(
    agency: list[str] = typer.Option(None, "--agency", help="An agency id (repeat for more)."),
    run_id: str = typer.Option(None, "--run", help="Only this run's placements."),
) -> None:
    """Place the cases with open agency_placement tasks with the least-loaded agency."""
    from fairdebt.cli._common import console, out, services
    from fairdebt.errors import InputFileError
    from fairdebt.services.worklist import place_with_agencies

    wired = services()
    if agency:
        agencies = list(agency)
    else:
        with wired.uow() as uow:
            agencies = uow.directory.agencies_with_users()
    if not agencies:
        raise InputFileError(
            "no agency to place with", hint="pass --agency ID, or create an agency user"
        )
    result = place_with_agencies(
        wired.uow(), agencies, wired.clock.now(), "cli:tasks place", run_id
    )
    out.print("agency\tplaced now\talready there")
    for name in agencies:
        out.print(f"{name}\t{result.placed.get(name, 0):,}\t{result.kept.get(name, 0):,}")
    kept = sum(result.kept.values())
    console.print(
        f"placed {result.total:,} case(s) now; {kept:,} were with an agency already "
        "(their placement tasks are done)"
    )


@tasks_app.command("reconcile")
def reconcile_attempts(
    minutes: int = typer.Option(
        5, "--older-than", min=0, help="Only attempts begun at least this many minutes ago."
    ),
) -> None:
    """Finish contacts whose outcome was never recorded (a crash or a failed commit after the
    provider took the message): the provider's answer is recorded, or the attempt is marked
    unconfirmed for a person to check."""
    from datetime import timedelta

    from fairdebt.cli._common import console, services
    from fairdebt.services.contact import reconcile

    wired = services()
    done = reconcile(
        wired.uow(), wired.channels, wired.clock.now(), older_than=timedelta(minutes=minutes)
    )
    console.print(
        f"recorded {done.recorded:,} attempt(s) from the provider's answer; "
        f"{done.unconfirmed:,} unconfirmed (a person must check them)"
    )
