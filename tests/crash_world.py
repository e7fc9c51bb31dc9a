"""Crash tests' world: a database with planned SMS tasks, a process killed with SIGKILL at seeded
random instants while it works, and what must hold afterwards (docs/channels.md, "A worker
killed at any instant").

The instants are random (a seeded RNG) but the verdict is not: whatever instant a kill lands
on, every planned message reaches the gateway exactly once, every log verifies and nothing is
left claimed or unconfirmed. A kill is aimed at the working phase: once the process has logged
a random number of events, it is killed a random instant later.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import console_data
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from fairdebt.adapters.channels.gateway_server import ReferenceGateway
from fairdebt.adapters.db import outbox_tables, worklist_tables
from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.services import worklist
from fairdebt.strategy.run import RunOptions, run_strategy

KEY_ID = "fairdebt"
SECRET = "crash-gateway-secret"
PLANNED_AT = datetime(2026, 6, 30, 9, 0, tzinfo=UTC)
# A weekday morning in Shanghai: no quiet hour defers a text whatever the real hour of the test.
MORNING = datetime(2026, 7, 1, 10, 0, tzinfo=UTC).replace(hour=2)
TESTS = Path(__file__).parent


def plan_sms_tasks(engine: Engine, cases: int) -> list[int]:
    """The console portfolio of `cases` borrowers, the shipped ladder's run of its day, the run
    dispatched: the ids of the SMS tasks it planned."""
    with engine.begin() as conn:
        console_data.build(conn, cases)
    run_strategy(SqlUnitOfWork(engine), RunOptions(as_of=console_data.AS_OF))
    worklist.dispatch(SqlUnitOfWork(engine), None, PLANNED_AT, actor="crash test")
    with engine.connect() as conn:
        ids = conn.execute(
            select(worklist_tables.tasks.c.id).where(worklist_tables.tasks.c.kind == "sms")
        ).scalars()
        return sorted(ids)


def environment(url: str, folder: Path, gateway: ReferenceGateway) -> dict[str, str]:
    """The variables a `fairdebt` subprocess needs to work this database through the gateway."""
    return {
        **os.environ,
        "COLUMNS": "200",
        "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
        "FAIRDEBT_DATABASE_URL": url,
        "FAIRDEBT_DATA_DIR": str(folder),
        "FAIRDEBT_EVIDENCE_URL": "",
        "FAIRDEBT_ENV": "test",
        "FAIRDEBT_SMS_GATEWAY_URL": gateway.url,
        "FAIRDEBT_SMS_GATEWAY_KEY_ID": KEY_ID,
        "FAIRDEBT_SMS_GATEWAY_SECRET": SECRET,
    }


def progress_of(engine: Engine) -> tuple[int, ...]:
    """A fingerprint of the work done so far: it changes whenever a worker commits something."""
    with engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(t.case_events)).scalar_one(),
            conn.execute(
                select(func.count()).select_from(worklist_tables.contact_attempts)
            ).scalar_one(),
        )


def unfinished(engine: Engine, planned: Sequence[int]) -> int:
    """Planned tasks not yet done and texts not yet sent: 0 when there is nothing left to kill."""
    tasks, outbox = worklist_tables.tasks.c, outbox_tables.outbox.c
    with engine.connect() as conn:
        open_tasks = conn.execute(
            select(func.count()).where(tasks.id.in_(planned), tasks.status != "done")
        ).scalar_one()
        unsent = conn.execute(select(func.count()).where(outbox.status != "sent")).scalar_one()
    return int(open_tasks + unsent)


@dataclass
class Killer:
    """Starts a command, kills it with SIGKILL at a random instant of its working phase, and
    says what happened; `kills` counts the processes killed while still running."""

    engine: Engine
    env: dict[str, str]
    folder: Path
    rng: random.Random
    window: tuple[float, float] = (0.0, 0.05)  # seconds after its aimed-at write
    start_seconds: float = 120.0  # a process that wrote nothing by then is not working
    kills: int = 0
    exits: list[int] = field(default_factory=list)

    def kill_times(self, times: int, planned: Sequence[int], command: Callable[[int], list[str]]):
        """Up to `times` kills, the k-th of `command(k)`; fewer when the work is done first."""
        for step in range(times):
            left = unfinished(self.engine, planned)
            if not left or not self.kill_once(command(step), planned, left):
                return

    def kill_once(self, command: Sequence[str], planned: Sequence[int], left: int) -> bool:
        """Run `command` until it has logged a random number of events (1 to `left` / 2, where
        its remaining work logs about `left`: the kill lands early or midway), then
        SIGKILL it a random instant later. False if it finished on its own first (its exit
        status is in `exits`) or finished the work (a worker then waits for more)."""
        target = progress_of(self.engine)[0] + self.rng.randint(1, max(1, left // 2))
        process = self._start(command)
        deadline = time.monotonic() + self.start_seconds
        while process.poll() is None and progress_of(self.engine)[0] < target:
            if not unfinished(self.engine, planned):
                process.kill()
                process.wait(timeout=10)
                return False
            if time.monotonic() > deadline:
                process.kill()
                raise AssertionError(f"{command} did not get on in {self.start_seconds} s")
            time.sleep(0.01)
        time.sleep(self.rng.uniform(*self.window))
        if process.poll() is not None:
            self.exits.append(process.returncode)
            return False
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        self.kills += 1
        return True

    def run(self, command: Sequence[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run `command` to its end, unharmed."""
        return subprocess.run(
            [*command],
            env=self.env,
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def _start(self, command: Sequence[str]) -> subprocess.Popen[bytes]:
        log = (self.folder / "killed.log").open("ab")
        with log:
            return subprocess.Popen(
                [*command], env=self.env, cwd=self.folder, stdout=log, stderr=subprocess.STDOUT
            )


def fairdebt(*args: str) -> list[str]:
    return [sys.executable, "-m", "fairdebt", *args]


def shifted_fairdebt(to: datetime, *args: str) -> list[str]:
    """`fairdebt ARGS` whose system clock reads `to` when it starts, then runs at the real
    pace (crash_clock.py): a worker that takes the wall clock works at a fixed hour."""
    return [sys.executable, str(TESTS / "crash_clock.py"), to.isoformat(), *args]


def later(now: datetime, step: int) -> datetime:
    """The k-th restart's instant: each one past every claim the killed process held (a task's
    claim lasts 5 minutes, an outbox row's 2)."""
    return now + timedelta(minutes=6 * step)


@dataclass(frozen=True)
class Outcome:
    planned: int
    accepted: int
    handed_again: int  # hand-overs the gateway dropped as repeats (after a kill: allowed)
    outbox: dict[str, int]  # outbox rows per status
    tasks: dict[str, int]  # SMS tasks per status
    claimed_tasks: int
    attempts: dict[str, int]  # contact_attempts per status
    recorded: int  # contact_recorded events
    keys_match: bool  # the gateway holds exactly the outbox's keys
    phones_match: bool  # and each went to its case's borrower


def outcome(engine: Engine, gateway: ReferenceGateway, planned: Sequence[int]) -> Outcome:
    """What the database and the gateway hold after the kills."""
    with engine.connect() as conn:
        out_rows = conn.execute(
            select(
                outbox_tables.outbox.c.key,
                outbox_tables.outbox.c.status,
                outbox_tables.outbox.c.recipient,
            )
        ).all()
        tasks = conn.execute(
            select(worklist_tables.tasks.c.status, worklist_tables.tasks.c.claimed_by).where(
                worklist_tables.tasks.c.id.in_(planned)
            )
        ).all()
        attempts = conn.execute(select(worklist_tables.contact_attempts.c.status)).scalars().all()
        recorded = conn.execute(
            select(func.count())
            .select_from(t.case_events)
            .where(t.case_events.c.type == "contact_recorded")
        ).scalar_one()
    with gateway._lock:  # the ground truth, read while nothing else writes
        sent = dict(gateway.messages)
        again = gateway.duplicates
    return Outcome(
        planned=len(planned),
        accepted=len(sent),
        handed_again=again,
        outbox=_count(r.status for r in out_rows),
        tasks=_count(r.status for r in tasks),
        claimed_tasks=sum(1 for r in tasks if r.claimed_by is not None),
        attempts=_count(attempts),
        recorded=recorded,
        keys_match=set(sent) == {r.key for r in out_rows},
        phones_match=all(sent[r.key]["to"] == r.recipient for r in out_rows if r.key in sent),
    )


def _count(values: object) -> dict[str, int]:
    found: dict[str, int] = {}
    for value in values:  # type: ignore[attr-defined]
        found[value] = found.get(value, 0) + 1
    return found
