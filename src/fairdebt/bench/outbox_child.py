"""One worker process of the outbox benchmark: the real services.outbox.Worker, wired by
bootstrap.Services from settings naming the benchmark's database, evidence folder and gateway,
looping as `fairdebt worker` does (deliver what is due, wait `poll` when nothing is).

The benchmark starts these from a fork server that has imported this module (and, through it,
SQLAlchemy, httpx, the packs and the services) once, so a worker restarted after a SIGKILL is
delivering within milliseconds instead of paying an interpreter's start-up on a busy machine.
Its clock is the system clock shifted by `offset` seconds (outbox_data.VIRTUAL_START).
"""

from __future__ import annotations

import gc
import signal
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

# Imported here, in the fork server, so that every worker forked from it has them already.
import httpx
import psycopg  # noqa: F401
import sqlalchemy.dialects.postgresql.psycopg  # noqa: F401

import fairdebt.adapters.channels.factory
import fairdebt.adapters.channels.letter_dir
import fairdebt.adapters.channels.sms_gateway
import fairdebt.adapters.db.migrate  # bootstrap.database imports it, migrating or not
import fairdebt.adapters.db.uow
import fairdebt.adapters.evidence.fs
import fairdebt.bootstrap
import fairdebt.services.outbox
import fairdebt.settings  # noqa: F401
from fairdebt.adapters.clock import SystemClock
from fairdebt.adapters.db.engine import make_engine
from fairdebt.compliance.pack import builtin_packs

builtin_packs()  # read and compiled once, here, for every worker
make_engine("sqlite://").dispose()  # SQLAlchemy's first engine loads more than its dialect
httpx.Client().close()  # the first client imports httpcore and h11
# The ~130,000 objects above, moved out of the garbage collector's reach in every worker forked
# from here: a worker's first full collection had walked them all, ~100 ms of CPU in the first
# seconds of each restarted worker (the standard step before forking, gc.freeze's own purpose).
gc.freeze()


@dataclass(frozen=True, slots=True)
class ChildConfig:
    database_url: str
    data_dir: str
    gateway_url: str
    key_id: str
    secret: str
    offset_seconds: float
    lease_seconds: float
    batch: int
    poll: float = 0.02
    profile_to: str | None = None  # write cProfile stats here when stopped (SIGTERM)


class ShiftedClock:
    """The system clock moved by a fixed offset: the benchmark's virtual time."""

    def __init__(self, offset_seconds: float) -> None:
        self.offset = timedelta(seconds=offset_seconds)
        self._system = SystemClock()

    def now(self) -> datetime:
        return self._system.now() + self.offset


def serve(config: ChildConfig, name: str) -> None:
    """Deliver until SIGTERM (the benchmark is done) or SIGKILL (the benchmark's killer); a
    worker that dies of an error leaves its line in crash_file, for the benchmark to show."""
    try:
        _serve(config, name)
    except Exception as exc:
        path = crash_file(config.data_dir, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        line = (str(exc).strip().splitlines() or [""])[0]
        path.write_text(f"{type(exc).__name__}: {line}"[:500], encoding="utf-8")
        raise


def crash_file(data_dir: str, name: str) -> Path:
    """Where the worker `name` writes the error it died of."""
    return Path(data_dir) / "crashes" / f"{name}.txt"


def _serve(config: ChildConfig, name: str) -> None:
    from fairdebt.bootstrap import Services
    from fairdebt.settings import load_settings

    settings = load_settings(
        database_url=config.database_url,
        data_dir=Path(config.data_dir),
        evidence_url="",
        sms_gateway_url=config.gateway_url,
        sms_gateway_key_id=config.key_id,
        sms_gateway_secret=config.secret,
    )
    clock = ShiftedClock(config.offset_seconds)
    wired = Services(settings, clock=clock, migrate=False)
    worker = wired.outbox_worker(name, timedelta(seconds=config.lease_seconds))
    stopping: list[int] = []
    signal.signal(signal.SIGTERM, lambda signum, _frame: stopping.append(signum))
    profiler = None
    if config.profile_to:
        import cProfile

        # CPU time, not wall time: on a shared machine waiting for the database or for a core
        # would swamp what the worker itself spends.
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
    while not stopping:
        if worker.deliver_due(clock.now(), config.batch).handled == 0:
            time.sleep(config.poll)
    if profiler is not None and config.profile_to:
        profiler.disable()
        profiler.dump_stats(config.profile_to)
    wired.close()
