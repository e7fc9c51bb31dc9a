"""`generate_portfolio`: a realistic synthetic portfolio in the import format, fast and repeatable.

Accounts are made in blocks of `BLOCK`; block `i` draws from its own random stream, seeded
from `(seed, i)`, so the same seed gives the same tables whatever `chunk_size` (which only sets
how many blocks are held in memory and written as one row group). Numbers (borrower and payment
ids) run on across blocks. Memory is bounded by the chunk size, not by `accounts`.

Files are written under temporary names and renamed when complete: a failed run leaves no
half-written portfolio behind. See docs/generate.md for the behavioural model.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa

from fairdebt.demo import behaviour, loans
from fairdebt.demo.columns import day_number
from fairdebt.demo.people import Places, borrowers, build_places
from fairdebt.demo.pools import Pools, build_pools
from fairdebt.demo.render import (
    SCHEMAS,
    Numbering,
    account_ids,
    accounts_table,
    payments_table,
    schedules_table,
)
from fairdebt.demo.sinks import KINDS, Sinks, prepare_out_dir
from fairdebt.errors import FairdebtError

BLOCK = 50_000
Format = Literal["parquet", "csv"]
ACCOUNTS_PER_BORROWER = ((1, 0.65), (2, 0.22), (3, 0.09), (4, 0.04))


@dataclass(frozen=True, slots=True)
class GenerateResult:
    out_dir: Path
    fmt: str
    seed: int
    as_of: date
    counts: dict[str, int]  # rows written per file kind
    paths: dict[str, Path]
    seconds: float


@dataclass(frozen=True, slots=True)
class _World:
    seed: int
    as_of: int  # days since 1970-01-01
    pools: Pools
    places: Places


def generate_portfolio(
    accounts: int,
    out_dir: Path,
    *,
    seed: int = 0,
    fmt: Format = "parquet",
    as_of: date = date(2026, 11, 24),
    chunk_size: int = 500_000,
    on_progress: Callable[[int], None] | None = None,
) -> GenerateResult:
    """Write borrowers, accounts, schedules and payments for `accounts` accounts to `out_dir`."""
    check_arguments(accounts, fmt, chunk_size)
    started = time.perf_counter()
    out = prepare_out_dir(Path(out_dir))
    world = _World(seed, day_number(as_of), build_pools(seed), build_places())
    per_chunk = max(1, chunk_size // BLOCK)
    with Sinks(out, fmt, SCHEMAS) as sinks, ThreadPoolExecutor(1) as writer:
        # Arrow writes without the GIL: the next chunk is generated while this one is written.
        pending: Future[None] | None = None
        for tables, done in _chunks(world, accounts, per_chunk):
            if pending is not None:
                pending.result()
            pending = writer.submit(sinks.write, tables)
            if on_progress is not None:
                on_progress(done)
        if pending is not None:
            pending.result()
        paths = sinks.commit()
    return GenerateResult(out, fmt, seed, as_of, sinks.counts, paths, time.perf_counter() - started)


def check_arguments(accounts: int, fmt: str, chunk_size: int = BLOCK) -> None:
    """Refuse what cannot be generated, before any work is done."""
    if accounts < 1:
        raise FairdebtError(
            f"cannot generate {accounts} accounts", hint="give --accounts a whole number ≥ 1"
        )
    if fmt not in ("parquet", "csv"):
        raise FairdebtError(f"unknown format {fmt!r}", hint="use --format parquet or csv")
    if chunk_size < 1:
        raise FairdebtError(f"chunk size must be ≥ 1, got {chunk_size}", hint="omit it")


def _chunks(
    world: _World, accounts: int, per_chunk: int
) -> Iterator[tuple[dict[str, pa.Table], int]]:
    """Group blocks into chunks; yield each chunk's tables and the accounts done so far."""
    numbering = Numbering(account=1, borrower=1, payment=1)
    blocks = range((accounts + BLOCK - 1) // BLOCK)
    for start in range(0, len(blocks), per_chunk):
        parts = []
        for index in blocks[start : start + per_chunk]:
            size = min(BLOCK, accounts - index * BLOCK)
            tables, numbering = _block(world, index, size, numbering)
            parts.append(tables)
        done = min(accounts, (start + per_chunk) * BLOCK)
        yield {k: pa.concat_tables([p[k] for p in parts]) for k in KINDS}, done


def _block(
    world: _World, index: int, n: int, first: Numbering
) -> tuple[dict[str, pa.Table], Numbering]:
    rng = np.random.default_rng([world.seed, index])
    owner, people = _owners(n, rng)
    acc = loans.accounts(n, world.as_of, rng)
    sched = loans.schedules(acc, world.as_of, rng)
    how = behaviour.plan(acc, owner, world.as_of, rng)
    pays = behaviour.payments(acc, sched, how, world.as_of, rng)
    ids = account_ids(n, first)
    tables = {
        "borrowers": borrowers(first.borrower, people, world.pools, world.places, rng).cast(
            SCHEMAS["borrowers"]
        ),
        "accounts": accounts_table(acc, owner, ids, first),
        "schedules": schedules_table(sched, ids),
        "payments": payments_table(pays, ids, first, rng),
    }
    after = Numbering(first.account + n, first.borrower + people, first.payment + len(pays.amount))
    return tables, after


def _owners(n: int, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """Which borrower (0-based in the block) holds each account; most hold one or two."""
    sizes, odds = zip(*ACCOUNTS_PER_BORROWER, strict=True)
    counts = rng.choice(np.array(sizes), n, p=np.array(odds))
    ends = np.cumsum(counts)
    people = int(np.searchsorted(ends, n)) + 1
    counts = counts[:people]
    counts[-1] -= int(ends[people - 1]) - n  # the last borrower takes only what is left
    return np.repeat(np.arange(people), counts), people
