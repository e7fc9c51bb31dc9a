"""A worker's presence on PostgreSQL (services.ports.outbox.Presence): a session advisory lock,
held on a connection of the worker's own for as long as the worker lives.

A worker claims outbox rows under the key of this lock (outbox.claim_lock). The server frees
the lock when the worker's session ends, which it does at once when the process dies, even by
kill -9 (the kernel closes the socket, and the server's backend sees the end of its input), and
another worker's claim then takes the rows over (outbox_repos: pg_try_advisory_xact_lock
succeeds on a free key only). Before this, they waited for their claim to expire: two minutes
by default, for up to a batch of messages a crashed worker had claimed.

A live worker's lock cannot be taken by another session, so its rows are never taken over
early; should its own connection drop (a restarted server, a cut network), the lock is gone
with it, others take its rows over, and its later writes find the rows no longer held (they
are TAKEN_OVER, as after an expired claim: a message may be handed over again under its
idempotency key, never recorded twice). The next `key()` takes a new lock.

SQLite has no sessions to outlive a process: `key()` is None there, and claims expire with
time only."""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

NAMESPACE = 0x0FDB  # the first key of every presence lock (two-key form: apart from others)
CHECK_EVERY = 1.0  # seconds between two checks that the lock's connection is still there
TRIES = 8  # random keys tried before giving up (one is taken only if another worker has it)


class SqlPresence:
    """`Presence` on an engine (module docstring)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Connection | None = None
        self._key: int | None = None
        self._checked = 0.0

    def key(self) -> int | None:
        if self.engine.dialect.name != "postgresql":
            return None
        now = time.monotonic()
        if self._conn is not None and now - self._checked < CHECK_EVERY:
            return self._key
        if self._conn is not None:
            try:
                self._conn.exec_driver_sql("SELECT 1")
                self._checked = now
                return self._key
            except DBAPIError:
                self._drop()
        return self._take(now)

    def _take(self, now: float) -> int | None:
        """A new lock on a new connection; None if the server cannot be reached now (the
        claims that follow, if any, then expire with time)."""
        try:
            conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except DBAPIError:
            return None
        try:
            for _ in range(TRIES):
                key = secrets.randbits(31)
                taken = conn.execute(
                    text("SELECT pg_try_advisory_lock(:namespace, :key)"),
                    {"namespace": NAMESPACE, "key": key},
                ).scalar()
                if taken:
                    self._conn, self._key, self._checked = conn, key, now
                    return key
        except DBAPIError:
            pass
        conn.invalidate()
        conn.close()
        return None

    def _drop(self) -> None:
        """Close the lock's connection for good: closed, not returned to the pool, where the
        lock would live on in an idle connection and keep the worker's rows from others."""
        conn, self._conn, self._key = self._conn, None, None
        if conn is not None:
            try:
                conn.invalidate()
                conn.close()
            except DBAPIError:
                pass

    def close(self) -> None:
        self._drop()
