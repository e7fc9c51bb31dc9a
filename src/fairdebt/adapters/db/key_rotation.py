"""Rotating the personal-data keys: re-encrypt every sealed value, re-index, retire a key.

A rotation first makes the new key the active one (written to the key file before any row
changes, so a crash leaves every value readable), then re-encrypts the rows in batches, each
batch its own transaction: an interrupted rotation is resumed by running it again, and the old
key keeps reading what is not done yet. A key is retired only when no value uses it any more.
Rotating the index key is a re-index: every digest in borrower_lookup recomputed.
"""

from __future__ import annotations

import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace

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

BATCH = 2_000
SEALED = ("national_id", "phones", "email", "address")
Progress = Callable[[int, int], None]

# The stored bytes, not the decrypted values: rotation reads and writes sealed text as is.
_raw = sa.table("borrowers", sa.column("id", sa.String()), *(sa.column(n) for n in SEALED))


def _batches(engine: Engine) -> Iterator[list[sa.Row[tuple[str, ...]]]]:
    after = ""
    while True:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(_raw).where(_raw.c.id > after).order_by(_raw.c.id).limit(BATCH)
            ).all()
        if not rows:
            return
        yield list(rows)
        after = rows[-1].id


def usage(engine: Engine, ring: Keyring) -> Counter[str]:
    """How many stored values each key id sealed ("" for values not encrypted at all)."""
    used: Counter[str] = Counter()
    for rows in _batches(engine):
        for row in rows:
            for name in SEALED:
                kid = ring.key_of(getattr(row, name))
                if kid is not None:
                    used[kid] += 1
    return used


def reencrypt(engine: Engine, ring: Keyring, progress: Progress | None = None) -> int:
    """Seal every value not sealed with the active key again with it. -> values rewritten"""
    with engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(_raw)).scalar_one()
    done = rewritten = 0
    for rows in _batches(engine):
        updates = []
        for row in rows:
            values = {n: _resealed(ring, n, getattr(row, n)) for n in SEALED}
            if any(values[n] != getattr(row, n) for n in SEALED):
                updates.append({"key": row.id, **values})
        if updates:
            with engine.begin() as conn:
                conn.execute(_raw.update().where(_raw.c.id == sa.bindparam("key")), updates)
            rewritten += len(updates)
        done += len(rows)
        if progress is not None:
            progress(done, total)
    return rewritten


def _resealed(ring: Keyring, name: str, stored: str | None) -> str | None:
    kid = ring.key_of(stored)
    if stored is None or kid is None or kid == ring.active:
        return stored
    where = f"borrowers.{name}"
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


def retire(engine: Engine, ring: Keyring, kid: str) -> Keyring:
    """`ring` without `kid`, refused while any stored value still uses it."""
    smaller = without_key(ring, kid)
    left = usage(engine, ring)[kid]
    if left:
        raise KeyringError(
            f"{left} stored values are still encrypted with key {kid!r}",
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
