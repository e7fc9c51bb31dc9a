"""`fairdebt bench outbox`: texts delivered per second by outbox workers that keep being killed,
and proof that none was lost or sent twice.

The run, on a database of its own (a temporary SQLite file, or a temporary database on the
PostgreSQL server `--database-url` / FAIRDEBT_TEST_POSTGRES_URL names):
1. a synthetic portfolio (outbox_data: one case per 4 texts, under the cn pack's daily cap) and
   N texts asked of the gate and queued through the real path (ask + enqueue), due now;
2. the reference SMS gateway on a free local port (adapters/channels/gateway_server), and K
   worker processes (outbox_child: the real Worker wired by bootstrap.Services, the real
   SmsGatewayChannel and file evidence store) with a short lease;
3. a killer that SIGKILLs a random worker at exponentially distributed intervals (mean
   `--kill-every` seconds, drawn from `--seed`) and restarts it at once, until every row is
   final;
4. the checks, from the database, the case logs and the gateway's own store.

What the figures mean. `seconds` runs from the first worker's start until every row is final;
`messages_per_second` is N over it. `sent` counts rows `sent`. `lost` counts texts that were
queued and neither reached the gateway nor ended visibly (cancelled, review, failed,
unconfirmed): it must be 0. A worker killed after handing a text over and before recording it
leaves the row `sending`; the worker that takes it over after the lease gives the same bytes to
the gateway again under the same key (the channel is idempotent) — the gateway keeps the first
and answers it again. Those second hand-overs are `resent_same_key` (the gateway's
`duplicates`): expected, and not a second text. `doubled` counts texts a handset would receive
twice: messages the gateway stored beyond one per queued row (it stores one per client_ref, so
this is 0 by its dedupe, and counted from its store rather than assumed) plus any it stored
under a key no outbox row has. Independently, `recorded_twice` counts keys with more than one
`contact_recorded` delivered event in the case logs (a second worker recording an outcome the
first already recorded); it must be 0 too. The command exits 1 when any of these is not 0 or a
row is not final.

CPU time, less noisy than wall time on a shared machine: `cpu_seconds_workers` sums every
worker's user and system time (read from /proc just before it is killed or stopped),
`cpu_seconds_bench_process` is this process's (the gateway's threads, and the benchmark's own
polling); `cpu_ms_per_message` is both over N. The database server's CPU is not in it (a
PostgreSQL server is shared with whatever else uses it); on PostgreSQL, when the server runs on
this machine, `cpu_seconds_database_server` sums the CPU time of the server processes serving
the benchmark's own database (their pids from pg_stat_activity every SERVER_EVERY polls, their
time from /proc: a backend that ends between two readings loses at most 0.2 s of its time), and
`cpu_ms_per_message_with_server` adds it. Both are null when it cannot be read.

Baselines, in the same run: the same N through ONE worker without kills (a fresh database),
and the provider alone — one loop handing the same texts to a fresh gateway through
SmsGatewayChannel, no database: the floor no outbox can beat. Ratios are their time over ours.

The clock: the workers' and the queueing's clock is the system clock shifted so the run starts
on a weekday at 10:00 in the borrowers' zone (outbox_data.VIRTUAL_START), so the gate's quiet
hours never defer a run started at night; leases still expire in real seconds.
"""

from __future__ import annotations

import contextlib
import os
import random
import secrets
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multiprocessing.context import ForkServerContext
    from multiprocessing.process import BaseProcess

    from sqlalchemy.engine import Engine

    from fairdebt.bench.outbox_child import ChildConfig

DEFAULT_MESSAGES = 5_000
DEFAULT_WORKERS = 4
DEFAULT_KILL_EVERY = 1.0  # mean seconds between kills
LEASE_SECONDS = 2.0  # a killed worker's rows are taken over after this
BATCH = 50  # rows a worker claims at a time (`fairdebt worker --limit`): a batch fits a lease
TARGETS = {"sqlite": 500, "postgresql": 2_000}  # messages/s with 4 workers on 2 cores
POLL = 0.05  # how often the benchmark looks whether every row is final
SERVER_EVERY = 4  # polls between two readings of the database server's CPU (PostgreSQL)
CRASHES_WITHOUT_PROGRESS = 20  # workers dying this often while no row ends: give up, say why
KEY_ID = "bench"


@dataclass(frozen=True, slots=True)
class Options:
    messages: int = DEFAULT_MESSAGES
    workers: int = DEFAULT_WORKERS
    database: str = "sqlite"  # or postgresql
    database_url: str | None = None  # the PostgreSQL server to make a temporary database on
    kill_every: float = DEFAULT_KILL_EVERY  # 0: no kills
    lease: float = LEASE_SECONDS
    batch: int = BATCH
    baseline: bool = True
    profile_to: str | None = None  # cProfile of worker 0 (no kills needed to keep it)
    seed: int | None = 1


def run(size: int | None, quiet: bool, options: Options | None = None) -> dict[str, Any]:
    """The benchmark's JSON object (module docstring)."""
    from fairdebt.bench._measure import peak_rss_mb

    options = options or Options()
    if size:
        options = replace(options, messages=size)
    say = (lambda _m: None) if quiet else _say
    load_avg = round(os.getloadavg()[0], 2)
    rng = random.Random(options.seed)
    say(f"{options.messages:,} texts, {options.workers} workers, {options.database}…")
    ours = _phase(options, rng, say)
    baselines: dict[str, float] = {}
    one: dict[str, Any] | None = None
    alone: dict[str, Any] | None = None
    if options.baseline:
        say("baseline: one worker, no kills…")
        one_options = replace(options, workers=1, kill_every=0.0, profile_to=None)
        one = _phase(one_options, rng, say)
        say("baseline: the provider alone…")
        alone = _provider_alone(options.messages)
        baselines = {
            "one worker, no kills": round(one["seconds"] / ours["seconds"], 2),
            "the provider alone (one loop, no database)": round(
                alone["seconds"] / ours["seconds"], 2
            ),
        }
    target = TARGETS[options.database]
    checks = dict(ours.pop("checks"))
    checks[f"messages_per_second >= {target:,} ({options.database}, target)"] = (
        ours["messages_per_second"] >= target
    )
    if one is not None:
        checks["baseline: lost_is_zero and doubled_is_zero"] = all(one.pop("checks").values())
    return {
        "name": "outbox",
        "size": options.messages,
        "seconds": ours["seconds"],
        "rate": ours["messages_per_second"],
        "peak_rss_mb": peak_rss_mb(),
        "baselines": baselines,
        "checks": checks,
        **ours,
        "target_messages_per_second": target,
        "lease_seconds": options.lease,
        "batch": options.batch,
        "kill_every_seconds": options.kill_every,
        "seed": options.seed,
        "baseline_one_worker": one,
        "baseline_provider_alone": alone,
        "load_avg_1m": load_avg,
        "load_avg_1m_at_end": round(os.getloadavg()[0], 2),
        "cpu_count": os.cpu_count(),
    }


def guarantees_hold(result: dict[str, Any]) -> bool:
    """What the command's exit status says: nothing lost, nothing doubled, every row final."""
    checks = result["checks"]
    return all(v for k, v in checks.items() if "target" not in k)


def _say(message: str) -> None:
    from fairdebt.cli._common import console

    console.print(message)


# -- one phase: a database, a gateway, workers, a killer --------------------------------------


def _phase(options: Options, rng: random.Random, say: Callable[[str], None]) -> dict[str, Any]:
    from fairdebt.adapters.channels.gateway_server import ReferenceGateway
    from fairdebt.adapters.db.crypto import load_keyring, use_keyring
    from fairdebt.adapters.db.engine import make_engine
    from fairdebt.adapters.db.migrate import upgrade
    from fairdebt.bench import outbox_data
    from fairdebt.bench.outbox_child import ChildConfig, ShiftedClock
    from fairdebt.compliance.pack import builtin_packs
    from fairdebt.settings import load_settings

    with (
        tempfile.TemporaryDirectory(prefix="fairdebt-bench-outbox-") as folder,
        _database(options, Path(folder)) as url,
    ):
        # The workers read their keys from this folder's key file (or FAIRDEBT_DATA_KEYS): the
        # cases queued here must be sealed with the same keys, not the user's own.
        use_keyring(load_keyring(load_settings(data_dir=Path(folder))))
        engine = make_engine(url, timeout=30.0)
        try:
            upgrade(engine)
            offset = (outbox_data.VIRTUAL_START - datetime.now(UTC)).total_seconds()
            clock = ShiftedClock(offset)
            cases = outbox_data.cases_for(options.messages)
            started = time.perf_counter()
            with engine.begin() as conn:
                portfolio = outbox_data.build(conn, cases)
            outbox_data.queue(engine, portfolio, options.messages, builtin_packs(), clock.now)
            queue_seconds = time.perf_counter() - started
            say(f"{cases:,} cases, {options.messages:,} texts queued in {queue_seconds:.1f} s")
            secret = secrets.token_hex(16)
            with ReferenceGateway(secret, key_id=KEY_ID) as gateway:
                config = ChildConfig(
                    database_url=url,
                    data_dir=folder,
                    gateway_url=gateway.url,
                    key_id=KEY_ID,
                    secret=secret,
                    offset_seconds=offset,
                    lease_seconds=options.lease,
                    batch=options.batch,
                    profile_to=options.profile_to,
                )
                driven = _drive(engine, config, options, rng)
                stored = list(gateway.messages.values())
                stats = gateway.stats()
            figures = _verify(engine, options.messages, stored, stats)
        finally:
            engine.dispose()
            use_keyring(None)  # the next user of the process loads its own settings' keys
    seconds = driven.pop("seconds")
    say(f"{figures['sent']:,} sent in {seconds:.2f} s, {driven['kills']} kills")
    return {
        "planned": options.messages,
        **figures,
        "kills": driven["kills"],
        "seconds": round(seconds, 3),
        "messages_per_second": round(options.messages / seconds, 1) if seconds else None,
        "workers": options.workers,
        "database": options.database,
        "cases": cases,
        "queue_seconds": round(queue_seconds, 2),
        **driven,
    }


@contextlib.contextmanager
def _database(options: Options, folder: Path) -> Iterator[str]:
    """The URL of a database for this phase alone, removed afterwards."""
    if options.database == "sqlite":
        yield f"sqlite:///{folder / 'bench.db'}"
        return
    from sqlalchemy import make_url, text

    from fairdebt.adapters.db.engine import make_engine
    from fairdebt.errors import FairdebtError

    server = options.database_url or os.environ.get("FAIRDEBT_TEST_POSTGRES_URL")
    if not server:
        raise FairdebtError(
            "the PostgreSQL benchmark needs a server to make its temporary database on",
            "pass --database-url postgresql+psycopg://user:pass@host/postgres "
            "or set FAIRDEBT_TEST_POSTGRES_URL",
        )
    name = f"fairdebt_bench_{os.getpid()}_{secrets.token_hex(4)}"
    admin = make_engine(server).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(server).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _drive(
    engine: Engine, config: ChildConfig, options: Options, rng: random.Random
) -> dict[str, Any]:
    """Start the workers, kill and restart them until every row is final; the wall time."""
    import multiprocessing

    from fairdebt.bench.outbox_child import serve

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["fairdebt.bench.outbox_child"])
    generation = Counter[int]()

    def start(slot: int) -> BaseProcess:
        generation[slot] += 1
        profile = config.profile_to if slot == 0 and generation[slot] == 1 else None
        name = f"bench-{slot}.{generation[slot]}"
        process = context.Process(
            target=serve, args=(replace(config, profile_to=profile), name), name=name
        )
        process.start()
        return process

    with _main_not_rerun():
        return _kill_and_restart(engine, options, rng, context, start, config.data_dir)


@contextlib.contextmanager
def _main_not_rerun() -> Iterator[None]:
    """Workers start without running the main script again.

    A process started by multiprocessing first re-runs its parent's main script as
    `__mp_main__` unless the main module is a package's `__main__` (multiprocessing.spawn's
    main-module fix-up). Run as the `fairdebt` console script (or under pytest) that script
    imports the whole CLI: measured here, a killed worker's replacement spent a second and
    more in it on the busy machine before claiming anything, and with a kill every 0.3 s two
    workers barely delivered. The workers' target (outbox_child.serve) needs nothing from
    the main script, so it is named, while workers start, as a package's `__main__`, which
    the fix-up skips."""
    import importlib.machinery
    import sys

    main = sys.modules["__main__"]
    before = getattr(main, "__spec__", None)
    if before is not None and before.name.endswith("__main__"):
        yield
        return
    main.__spec__ = importlib.machinery.ModuleSpec("fairdebt.__main__", None)
    try:
        yield
    finally:
        main.__spec__ = before


def _kill_and_restart(
    engine: Engine,
    options: Options,
    rng: random.Random,
    context: ForkServerContext,
    start: Callable[[int], BaseProcess],
    data_dir: str,
) -> dict[str, Any]:
    _warm(context)
    deadline_seconds = 120.0 + options.messages / 20  # a stuck run fails instead of hanging
    kills = crashes = idle_crashes = 0
    worker_cpu = 0.0
    cpu_started = time.process_time()
    started = time.perf_counter()
    workers = {slot: start(slot) for slot in range(options.workers)}
    next_kill = started + _interval(options.kill_every, rng)
    server = _ServerCpu(engine)
    polls = 0
    left = _unfinished(engine)
    try:
        while left and time.perf_counter() - started < deadline_seconds:
            for slot, process in list(workers.items()):
                if not process.is_alive():  # it died by itself: that is a finding, restart it
                    process.join()
                    crashes += 1
                    idle_crashes += 1
                    if idle_crashes >= CRASHES_WITHOUT_PROGRESS:
                        raise _dying(idle_crashes, _crash_line(data_dir, process.name))
                    workers[slot] = start(slot)
            if time.perf_counter() >= next_kill:
                slot = rng.randrange(options.workers)
                worker_cpu += _cpu_seconds(workers[slot].pid)
                workers[slot].kill()
                workers[slot].join()
                kills += 1
                workers[slot] = start(slot)
                next_kill = time.perf_counter() + _interval(options.kill_every, rng)
            time.sleep(POLL)
            polls += 1
            if polls % SERVER_EVERY == 0:
                server.sample()
                now_left = _unfinished(engine)
                if now_left < left:
                    idle_crashes = 0  # a row ended: the workers work, whatever killed one
                left = now_left
            elif not _any_open(engine):
                left = 0
        seconds = time.perf_counter() - started
        bench_cpu = time.process_time() - cpu_started
        worker_cpu += sum(_cpu_seconds(p.pid) for p in workers.values())
        server.sample()
    finally:
        _stop(workers.values())
    return {
        "seconds": seconds,
        "kills": kills,
        "worker_crashes": crashes,
        "cpu_seconds_workers": round(worker_cpu, 2),
        "cpu_seconds_bench_process": round(bench_cpu, 2),
        "cpu_ms_per_message": round((worker_cpu + bench_cpu) * 1000 / options.messages, 3),
        **server.figures(worker_cpu + bench_cpu, options.messages),
    }


def _dying(crashes: int, last: str) -> Exception:
    from fairdebt.errors import FairdebtError

    return FairdebtError(
        f"the outbox workers keep dying: {crashes} crashes and no row ended; the last one "
        f"said: {last}",
        "fix what it says (a setting, the database, the gateway), then run the benchmark again",
    )


def _crash_line(data_dir: str, name: str) -> str:
    """The error the worker `name` died of (outbox_child.serve wrote it), or why it is unknown."""
    from fairdebt.bench.outbox_child import crash_file

    try:
        return crash_file(data_dir, name).read_text(encoding="utf-8").strip() or "(no message)"
    except OSError:
        return "(it left no message: killed by a signal, or it died before it could write one)"


class _ServerCpu:
    """CPU time the PostgreSQL server spent on the benchmark's database while it ran (module
    docstring); nothing on SQLite or when the server's processes are not visible here."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.postgresql = engine.dialect.name == "postgresql"
        self.seen: dict[int, float] = {}
        self.before = {pid: _cpu_seconds(pid) for pid in self._pids()}  # e.g. the queueing's

    def _pids(self) -> list[int]:
        if not self.postgresql:
            return []
        from sqlalchemy import text

        with self.engine.connect() as conn:
            query = "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            return [int(pid) for pid in conn.execute(text(query)).scalars()]

    def sample(self) -> None:
        for pid in self._pids():
            self.seen[pid] = max(self.seen.get(pid, 0.0), _cpu_seconds(pid))

    def seconds(self) -> float | None:
        if not self.postgresql or not any(self.seen.values()):
            return None
        return sum(cpu - self.before.get(pid, 0.0) for pid, cpu in self.seen.items())

    def figures(self, ours: float, messages: int) -> dict[str, float | None]:
        server = self.seconds()
        if server is None:
            return {"cpu_seconds_database_server": None, "cpu_ms_per_message_with_server": None}
        return {
            "cpu_seconds_database_server": round(server, 2),
            "cpu_ms_per_message_with_server": round((ours + server) * 1000 / messages, 3),
        }


def _cpu_seconds(pid: int | None) -> float:
    """A live process's user + system CPU time so far (0 if it is gone or there is no /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _warm(context: ForkServerContext) -> None:
    """Start the fork server (it imports the workers' modules once) before the clock runs."""
    process = context.Process(target=time.sleep, args=(0,))
    process.start()
    process.join()


def _interval(mean: float, rng: random.Random) -> float:
    return rng.expovariate(1 / mean) if mean > 0 else float("inf")


def _any_open(engine: Engine) -> bool:
    """Whether a row is not final yet: the first entry of the partial index of open rows. The
    poll's own cost is in the server's CPU figure, and counting the rows at every poll (4 ms a
    count at 5,000 rows, 20 times a second) took 8 % of a core from the workers; the count
    (_unfinished) runs every SERVER_EVERY polls, for the progress check."""
    from sqlalchemy import select, text

    from fairdebt.adapters.db.outbox_tables import OPEN_STATUSES, outbox

    with engine.connect() as conn:
        first = conn.execute(
            select(outbox.c.id)
            .where(text(f"outbox.{OPEN_STATUSES}"))
            .order_by(outbox.c.due_at, outbox.c.id)  # the index's order: read on it, not scanned
            .limit(1)
        ).first()
    return first is not None


def _unfinished(engine: Engine) -> int:
    """Rows not final."""
    from sqlalchemy import func, select, text

    from fairdebt.adapters.db.outbox_tables import OPEN_STATUSES, outbox

    with engine.connect() as conn:
        left = conn.execute(
            select(func.count()).select_from(outbox).where(text(f"outbox.{OPEN_STATUSES}"))
        ).scalar_one()
    return int(left)


def _stop(processes: Any) -> None:
    """SIGTERM (a worker finishes its batch and writes its profile), then SIGKILL."""
    processes = list(processes)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=20)
        if process.is_alive():
            process.kill()
            process.join()


# -- the checks -------------------------------------------------------------------------------


def _verify(
    engine: Engine, planned: int, stored: list[dict[str, Any]], stats: dict[str, int]
) -> dict[str, Any]:
    """Count from the rows, the case logs and the gateway's store (module docstring)."""
    from sqlalchemy import select

    from fairdebt.adapters.db.outbox_tables import outbox
    from fairdebt.adapters.db.repositories import SqlEventLog
    from fairdebt.services.ports.outbox import FINAL

    with engine.connect() as conn:
        rows = conn.execute(
            select(outbox.c.key, outbox.c.status, outbox.c.recipient, outbox.c.body)
        ).all()
        recorded = Counter(
            e.data.get("key")
            for e in SqlEventLog(conn).all_events()
            if e.type == "contact_recorded" and e.data.get("outcome") == "delivered"
        )
    statuses = Counter(r.status for r in rows)
    per_ref = Counter(m["client_ref"] for m in stored)
    keys = {r.key: r for r in rows}
    at_gateway = {ref for ref in per_ref if ref in keys}
    ended = sum(1 for r in rows if r.status in FINAL and r.status != "sent")
    ended_unsent = sum(
        1 for r in rows if r.status in FINAL and r.status != "sent" and r.key not in at_gateway
    )
    stray = sum(n for ref, n in per_ref.items() if ref not in keys)
    doubled = sum(n - 1 for n in per_ref.values() if n > 1) + stray
    lost = planned - len(at_gateway) - ended_unsent
    altered = sum(
        1
        for m in stored
        if m["client_ref"] in keys
        and (m["to"], m["text"]) != (keys[m["client_ref"]].recipient, keys[m["client_ref"]].body)
    )
    recorded_twice = sum(1 for n in recorded.values() if n > 1)
    not_final = sum(n for status, n in statuses.items() if status not in FINAL)
    return {
        "sent": statuses.get("sent", 0),
        "ended_without_sending": ended,
        "lost": lost,
        "doubled": doubled,
        "resent_same_key": stats["duplicates"],
        "recorded_twice": recorded_twice,
        "gateway_accepted": stats["accepted"],
        "statuses": dict(statuses),
        "checks": {
            "lost_is_zero": lost == 0,
            "doubled_is_zero": doubled == 0,
            "no_key_recorded_delivered_twice": recorded_twice == 0,
            "every_row_final": not_final == 0 and len(rows) == planned,
            "gateway_got_exactly_the_queued_bytes": altered == 0,
        },
    }


# -- baseline: the provider alone -------------------------------------------------------------


def _provider_alone(messages: int) -> dict[str, Any]:
    """The same number of texts handed to a fresh gateway by one loop, no database."""
    from fairdebt.adapters.channels.base import OutboundMessage
    from fairdebt.adapters.channels.gateway_server import ReferenceGateway
    from fairdebt.adapters.channels.sms_gateway import SmsGatewayChannel
    from fairdebt.bench.outbox_data import BODY
    from fairdebt.services.outbox import new_key

    secret = secrets.token_hex(16)
    with ReferenceGateway(secret, key_id=KEY_ID) as gateway:
        channel = SmsGatewayChannel(gateway.url, KEY_ID, secret)
        texts = [
            OutboundMessage(
                "C", "sms", f"+86139{n:08d}", BODY.format(name=f"#{n}"), "d", key=new_key()
            )
            for n in range(messages)
        ]
        started = time.perf_counter()
        for text in texts:
            channel.deliver(text)
        seconds = time.perf_counter() - started
        channel.close()
        accepted = gateway.stats()["accepted"]
    return {
        "seconds": round(seconds, 3),
        "messages_per_second": round(messages / seconds, 1),
        "accepted": accepted,
    }
