"""Rotating the personal-data keys: re-encrypt every sealed value, re-index, retire a key.

A rotation first makes the new key the active one (written to the key file before any row
changes, so a crash leaves every value readable), then re-encrypts the rows of every table with
sealed columns (sealed_columns.SEALED_TABLES: the borrowers and the outbox) in batches, each
batch its own transaction: an interrupted rotation is resumed by running it again, and the old
key keeps reading what is not done yet. A key is retired only when no value in any of those
tables uses it any more. Rotating the index key is a re-index: every digest in borrower_lookup
recomputed.
"""

from __future__ import annotations

import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fairdebt.adapters.db.crypto import (
    KEY_BYTES,
    RELOAD_SECONDS,
    Keyring,
    KeyringError,
    read_key_file,
    use_keyring,
    write_key_file,
)
from fairdebt.adapters.db.lookup_repos import reindex_all
from fairdebt.adapters.db.sealed_columns import SEALED_TABLES, SealedTable
from fairdebt.adapters.evidence import sealing
from fairdebt.services.ports.evidence import EvidenceObjects

BATCH = 2_000
RETRIES = 10  # re-reads of one batch whose rows keep changing under the rotation
Progress = Callable[[int, int], None]  # (rows done, rows in every sealed table)
Counting = Callable[[int], None]  # evidence objects looked at so far (a store is not counted first)
EVIDENCE = "evidence"  # the evidence store's name among the tables in usage_by_table
Row = sa.Row[Any]


def _read(engine: Engine, table: SealedTable, after: object | None) -> list[Row]:
    """The next batch of `table`'s stored (sealed) values, by id, after id `after`."""
    raw = table.raw
    ident = raw.c[table.id]
    query = sa.select(raw).order_by(ident).limit(BATCH)
    if after is not None:
        query = query.where(ident > after)
    with engine.connect() as conn:
        return list(conn.execute(query).all())


def _batches(engine: Engine, table: SealedTable) -> Iterator[list[Row]]:
    after = None
    while rows := _read(engine, table, after):
        yield rows
        after = rows[-1]._mapping[table.id]


def usage_by_table(
    engine: Engine, ring: Keyring, evidence: EvidenceObjects | None = None
) -> dict[str, Counter[str]]:
    """Per table, how many stored values each key id sealed ("" for values not encrypted);
    with `evidence`, its objects too, under EVIDENCE."""
    found: dict[str, Counter[str]] = {}
    for table in SEALED_TABLES:
        used = found.setdefault(table.name, Counter())
        for rows in _batches(engine, table):
            for row in rows:
                for name in table.columns:
                    kid = ring.key_of(row._mapping[name])
                    if kid is not None:
                        used[kid] += 1
    if evidence is not None:
        found[EVIDENCE] = evidence_usage(evidence)
    return found


def evidence_usage(store: EvidenceObjects) -> Counter[str]:
    """How many evidence objects each key id sealed ("" for objects kept in the clear)."""
    used: Counter[str] = Counter()
    for ref in store.refs():
        header = store.head(ref, sealing.HEADER_BYTES)  # the key id, not the whole object
        if header is not None:
            used[sealing.key_of(header)] += 1
    return used


def reseal_evidence(
    store: EvidenceObjects, ring: Keyring, progress: Counting | None = None
) -> tuple[int, list[str]]:
    """Seal with `ring`'s active key every object under another key or in the clear.
    -> (objects rewritten, references of objects that do not open: altered, left as they are
    for `fairdebt audit verify` to report; a rotation never writes over evidence it cannot
    read)."""
    rewritten, unreadable = 0, []
    for done, ref in enumerate(store.refs(), start=1):
        if progress is not None and done % 1_000 == 0:
            progress(done)
        header = store.head(ref, sealing.HEADER_BYTES)  # a resumed rotation skips done ones
        stored = (
            None if header is None or sealing.key_of(header) == ring.active else store.stored(ref)
        )
        if stored is None:
            continue
        try:
            plain = sealing.unseal(ref, stored, ring)
        except KeyringError:  # a key id not in the keyring: nothing here can open it
            plain = None
        if plain is None:
            unreadable.append(ref)
        else:
            store.replace(ref, sealing.seal(ref, plain, ring))
            rewritten += 1
    return rewritten, unreadable


def usage(engine: Engine, ring: Keyring) -> Counter[str]:
    """How many stored values each key id sealed, in every sealed table together."""
    return sum(usage_by_table(engine, ring).values(), Counter())


def reencrypt(engine: Engine, ring: Keyring, progress: Progress | None = None) -> int:
    """Seal every value not sealed with the active key again with it. -> rows rewritten

    `progress(done, total)` after each batch, counting the rows of every sealed table."""
    with engine.connect() as conn:
        total = sum(
            conn.execute(sa.select(sa.func.count()).select_from(t.raw)).scalar_one()
            for t in SEALED_TABLES
        )
    done = rewritten = 0
    for table in SEALED_TABLES:
        after, tries = None, 0
        while rows := _read(engine, table, after):
            written, whole = _reseal(engine, table, ring, rows)
            rewritten += written
            tries += 1
            if not whole and tries < RETRIES:
                continue  # a row changed since it was read: read this batch again
            done += len(rows)
            if progress is not None:
                progress(done, total)
            after, tries = rows[-1]._mapping[table.id], 0
    return rewritten


def _reseal(
    engine: Engine, table: SealedTable, ring: Keyring, rows: Sequence[Row]
) -> tuple[int, bool]:
    """Write `rows`' values sealed again with the active key, each row only if it still holds
    what was read (a compare-and-set on the stored text): a value written meanwhile (an import
    changing a phone) is newer and already under the active key, and must not be put back to
    the one read. -> (rows written, whether every row needing it was written)"""
    updates = []
    for row in rows:
        stored = row._mapping
        values = {n: _resealed(ring, table.where(n), stored[n]) for n in table.columns}
        if any(values[n] != stored[n] for n in table.columns):
            was = {f"was_{n}": stored[n] for n in table.columns}
            updates.append({"row_id": stored[table.id], **was, **values})
    if not updates:
        return 0, True
    raw = table.raw
    unchanged = [raw.c[n].is_not_distinct_from(sa.bindparam(f"was_{n}")) for n in table.columns]
    statement = raw.update().where(raw.c[table.id] == sa.bindparam("row_id"), *unchanged)
    with engine.begin() as conn:
        result = conn.execute(statement, updates)
        if not conn.dialect.supports_sane_multi_rowcount:
            return len(updates), True
    return result.rowcount, result.rowcount == len(updates)


def _resealed(ring: Keyring, where: str, stored: str | None) -> str | None:
    kid = ring.key_of(stored)
    if stored is None or kid is None or kid == ring.active:
        return stored
    plain = ring.open(stored, where) if kid else stored  # "" : a value never encrypted
    return ring.seal(plain or "", where)


def next_kid(ring: Keyring, prefix: str) -> str:
    """One more than the highest id of that prefix, never the lowest free one: a retired key's
    id is not given to a new key, so a value sealed with the old one (an older backup, a
    process not yet on the new file) is named as sealed with an unknown key, not misread as
    altered under a new key of the same name."""
    used = [kid for kid, _ in ring.data] + [ring.index[0]]
    numbers = [
        int(k[len(prefix) :]) for k in used if k.startswith(prefix) and k[len(prefix) :].isdigit()
    ]
    return f"{prefix}{max(numbers, default=0) + 1}"


def add_data_key(ring: Keyring) -> Keyring:
    """`ring` with a new random data key in front (the active one)."""
    key = (next_kid(ring, "k"), secrets.token_bytes(KEY_BYTES))
    return replace(ring, data=(key, *ring.data), _ciphers={})


def without_key(ring: Keyring, kid: str) -> Keyring:
    if kid == ring.active:
        raise KeyringError(
            f"key {kid!r} is the active key", hint="rotate first; then retire the old key"
        )
    if kid not in {k for k, _ in ring.data}:
        raise KeyringError(f"no data key {kid!r} in the keyring", hint="see `fairdebt keys list`")
    return replace(ring, data=tuple(k for k in ring.data if k[0] != kid), _ciphers={})


def rotate_file(engine: Engine, path_ring: Keyring, progress: Progress | None = None) -> Keyring:
    """A new active key in the key file, then every row re-encrypted with it."""
    from pathlib import Path

    path = Path(path_ring.source)
    ring = add_data_key(read_key_file(path))
    write_key_file(path, ring)
    use_keyring(ring)
    # Running processes (serve, worker) take the new file within RELOAD_SECONDS; once they
    # seal with the new key, the sweep below leaves no value under the old one behind it.
    time.sleep(RELOAD_SECONDS)
    reencrypt(engine, ring, progress)
    return ring


def retire(
    engine: Engine, ring: Keyring, kid: str, evidence: EvidenceObjects | None = None
) -> Keyring:
    """`ring` without `kid`, refused while any stored value (or evidence object) uses it."""
    smaller = without_key(ring, kid)
    by_table = usage_by_table(engine, ring, evidence)
    left = {name: used[kid] for name, used in by_table.items() if used[kid]}
    if left:
        where = ", ".join(f"{n:,} in {name}" for name, n in left.items())
        raise KeyringError(
            f"{sum(left.values()):,} stored values are still encrypted with key {kid!r} ({where})",
            hint="run `fairdebt keys rotate` to completion first (it re-encrypts them)",
        )
    return smaller


def new_index_key(ring: Keyring) -> Keyring:
    return replace(ring, index=(next_kid(ring, "x"), secrets.token_bytes(KEY_BYTES)), _ciphers={})


def reindex(engine: Engine, ring: Keyring, progress: Progress | None = None) -> int:
    """Every digest of borrower_lookup recomputed with `ring`'s index key (one transaction:
    lookups see the old index or the new one, never half of each)."""
    use_keyring(ring)
    with engine.begin() as conn:
        return reindex_all(conn, ring, progress)
