"""`fairdebt worker`: deliver the outbox — every message the gate allowed, once each.

Run as many as you like, on one machine or several: each claims its own rows (services.outbox).
Stop one with Ctrl-C or SIGTERM: it finishes the message in hand and exits; a worker killed
outright loses nothing, its rows are taken over when their claim runs out.
"""

from __future__ import annotations

import typer

outbox_app = typer.Typer(help="The outbox: messages the gate allowed, and what became of them.")


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
    app.add_typer(outbox_app, name="outbox")


@outbox_app.command("list")
def listing(
    status: str = typer.Option(
        None,
        "--status",
        help="Only this status: queued, sending, sent, cancelled, review, failed, unconfirmed.",
    ),
    limit: int = typer.Option(100, "--limit", min=1, max=100_000, help="At most this many."),
    as_json: bool = typer.Option(False, "--json", help="JSON array instead of a table."),
) -> None:
    """The newest outbox messages (recipients masked), with each one's tries and last error;
    then the count of every status."""
    from fairdebt.cli._common import console, print_rows, services
    from fairdebt.domain.borrower import mask_addressee
    from fairdebt.errors import InputFileError
    from fairdebt.services.ports.outbox import STATUSES

    if status is not None and status not in STATUSES:
        raise InputFileError(f"unknown --status {status!r}", hint=f"one of: {', '.join(STATUSES)}")
    with services().uow() as uow:
        found = uow.outbox.listing(status, limit)
        counts = uow.outbox.counts()
    rows = [
        {
            "id": q.id,
            "case": q.message.case_id,
            "channel": q.message.channel,
            "to": mask_addressee(q.message.to),
            "status": q.status,
            "tries": q.tries,
            "due": q.message.due_at.isoformat(),
            "error": q.last_error or "",
        }
        for q in found
    ]
    columns = ("id", "case", "channel", "to", "status", "tries", "due", "error")
    print_rows(rows, columns, as_json, right=("id", "tries"))
    console.print(", ".join(f"{s} {counts.get(s, 0):,}" for s in STATUSES))


def worker(
    once: bool = typer.Option(
        False, "--once", help="Deliver what is due now, print one summary line, exit."
    ),
    limit: int = typer.Option(50, "--batch", min=1, max=10_000, help="Rows claimed at a time."),
    poll: float = typer.Option(
        1.0, "--poll", min=0.05, max=3600, help="Seconds to wait when nothing is due."
    ),
    name: str = typer.Option(None, "--name", help="This worker's name in claims and logs."),
    lease: float = typer.Option(
        120.0,
        "--lease",
        min=0.5,
        max=86_400,
        help="Seconds a claim lasts: a killed worker's rows are taken over after this. Keep it "
        "well above the time a batch takes, or live workers' rows are taken over too (safe: "
        "nothing is sent twice, but work is repeated).",
    ),
) -> None:
    """Deliver due outbox messages: ask the gate again, keep the exact bytes, hand them over."""
    import signal
    import time
    from datetime import timedelta

    from fairdebt.cli._common import console, out, services
    from fairdebt.services.outbox import Summary

    wired = services()
    delivering = wired.outbox_worker(name, timedelta(seconds=lease))
    if once:
        summary = delivering.drain(wired.clock.now, limit)
        out.print(summary.line())
        return
    stopping: list[int] = []

    def _stop(signum: int, _frame: object) -> None:
        stopping.append(signum)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    console.print(f"{delivering.name}: delivering the outbox (Ctrl-C stops)")
    total = Summary()
    while not stopping:
        done = delivering.deliver_due(wired.clock.now(), limit)
        total.merge(done)
        if done.handled == 0:
            time.sleep(poll)
    out.print(total.line())
