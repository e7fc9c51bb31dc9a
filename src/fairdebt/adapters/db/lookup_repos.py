"""Keeping borrower_lookup in step with borrowers, and asking it who holds a phone or e-mail.

Every Core INSERT or UPDATE of `borrowers` that sets phones or e-mail re-indexes the rows it
wrote in the same transaction (`_reindex_written`, an engine event: no caller can forget it).
The raw bulk paths that bypass Core (COPY / executemany in bulk.py and initial_load.py) and the
migration that encrypts older rows call `index_borrowers` themselves; a re-index after the
index key changed is `reindex_all`. So a lookup never misses a number that is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import pyarrow as pa
from sqlalchemy import Insert, Select, Update, delete, event, func, select
from sqlalchemy.engine import Connection, Engine

from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.bulk import insert_rows
from fairdebt.adapters.db.crypto import Keyring, keyring
from fairdebt.adapters.db.lookup_tables import borrower_lookup

CHUNK = 5_000  # ids per DELETE … IN (bound parameters stay few on every driver)
BATCH = 2_000  # rows re-read per batch by a full re-index


def phone_key(phone: str) -> str:
    """A phone as it is indexed: stored numbers are E.164 already; only spaces are dropped."""
    return phone.strip()


def email_key(address: str) -> str:
    """An e-mail as it is indexed and looked up: trimmed, lower case."""
    return address.strip().lower()


def digests(
    borrower_id: str, phones: str | None, email: str | None, ring: Keyring
) -> set[tuple[str, str, str]]:
    """The (kind, digest, borrower_id) rows one borrower's contact details index to."""
    rows = {
        ("phone", ring.digest("phone", phone_key(p)), borrower_id)
        for p in (phones or "").split(";")
        if p.strip()
    }
    if email and email.strip():
        rows.add(("email", ring.digest("email", email_key(email)), borrower_id))
    return rows


def index_borrowers(
    conn: Connection,
    rows: Iterable[tuple[str, str | None, str | None]],
    *,
    replace: bool = True,
    ring: Keyring | None = None,
) -> int:
    """Index (borrower_id, phones, email) plaintext rows; `replace` first drops what those
    borrowers had (an update), skip it for borrowers known to be new. -> rows indexed"""
    ring = ring or keyring()
    ids: list[str] = []
    found: set[tuple[str, str, str]] = set()
    for borrower_id, phones, email in rows:
        ids.append(borrower_id)
        found |= digests(borrower_id, phones, email, ring)
    if replace:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            conn.execute(delete(borrower_lookup).where(borrower_lookup.c.borrower_id.in_(chunk)))
    if found:
        kinds, keys, owners = zip(*sorted(found), strict=True)
        names = ("kind", "digest", "borrower_id")
        rows = pa.table(dict(zip(names, (kinds, keys, owners), strict=True)))
        insert_rows(conn, borrower_lookup, rows)  # raw executemany / COPY: the bulk loads' pace
    return len(found)


def _reindex_written(
    conn: Connection,
    clause: Any,
    _multiparams: Any,
    _params: Any,
    _options: Any,
    result: Any,
) -> None:
    """After a Core INSERT/UPDATE of borrowers that set phones or e-mail: index those rows."""
    if not isinstance(clause, (Insert, Update)) or clause.table is not t.borrowers:
        return
    written = getattr(result.context, "compiled_parameters", None) or []
    if not any("phones" in p or "email" in p for p in written):
        return
    b = t.borrowers.c
    if isinstance(clause, Insert):
        ids = sorted({p["id"] for p in written if p.get("id") is not None})
    else:
        where = clause.whereclause
        ids = list(conn.scalars(select(b.id).where(where) if where is not None else select(b.id)))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows = conn.execute(select(b.id, b.phones, b.email).where(b.id.in_(chunk))).all()
        index_borrowers(conn, [tuple(r) for r in rows])


event.listen(Engine, "after_execute", _reindex_written)


def holders(kind: str, value: str) -> Select[tuple[str]]:
    """The ids of the borrowers holding phone/e-mail `value` (a subquery for IN)."""
    key = phone_key(value) if kind == "phone" else email_key(value)
    return select(borrower_lookup.c.borrower_id).where(
        borrower_lookup.c.kind == kind, borrower_lookup.c.digest == keyring().digest(kind, key)
    )


def borrower_batches(conn: Connection, size: int = BATCH) -> Iterator[Sequence[tuple[str, ...]]]:
    """Every borrower's (id, phones, email), decrypted, by id in batches (keyset paging, so a
    batch never rereads or skips a row even while another batch is being rewritten)."""
    b = t.borrowers.c
    after = ""
    while True:
        rows = conn.execute(
            select(b.id, b.phones, b.email).where(b.id > after).order_by(b.id).limit(size)
        ).all()
        if not rows:
            return
        yield [tuple(r) for r in rows]
        after = rows[-1][0]


def reindex_all(
    conn: Connection,
    ring: Keyring | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Rebuild borrower_lookup from the borrowers (after the index key changed)."""
    total = conn.execute(select(func.count()).select_from(t.borrowers)).scalar_one()
    conn.execute(delete(borrower_lookup))
    done = indexed = 0
    for batch in borrower_batches(conn):
        indexed += index_borrowers(conn, batch, replace=False, ring=ring)  # type: ignore[arg-type]
        done += len(batch)
        if progress is not None:
            progress(done, total)
    return indexed
