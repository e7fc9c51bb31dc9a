"""Engines for SQLite (default, embedded) and PostgreSQL; driver faults become readable errors."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, make_url
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from fairdebt.errors import DatabaseError


def make_engine(url: str, timeout: float = 5.0) -> Engine:
    """Create an engine; for SQLite, create the parent folder and turn on WAL and foreign keys."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseError(
            f"not a database URL: {url!r}",
            hint="use sqlite:///path/to/file.db or postgresql+psycopg://user@host/db",
        ) from None
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database, timeout)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        return create_engine(
            parsed, pool_pre_ping=True, connect_args={"connect_timeout": int(timeout)}
        )
    except (ArgumentError, ImportError) as exc:
        raise DatabaseError(f"cannot use database URL {url!r}: {exc}") from None


def _sqlite_engine(url: str, database: str | None, timeout: float) -> Engine:
    if database and database != ":memory:":
        folder = Path(database).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(
                f"cannot create the data directory {folder}: {exc.strerror}",
                hint="set FAIRDEBT_DATA_DIR to a writable folder",
            ) from None
    engine = create_engine(url, connect_args={"timeout": timeout})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA cache_size=-262144")  # 256 MiB: bulk loads into big B-trees
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    @event.listens_for(engine, "checkout")
    def _checks_on(dbapi_connection: sqlite3.Connection, _record: Any, _proxy: Any) -> None:
        # A bulk load may switch foreign-key checks off for its own transaction
        # (see without_foreign_keys); every connection handed out has them on again.
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    return engine


def without_foreign_keys(conn: Connection) -> None:
    """For a bulk load whose references were already checked: skip SQLite's per-row foreign-key
    lookups. Must run before the transaction's first write (SQLite ignores it inside one)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")


def describe(exc: DBAPIError) -> DatabaseError:
    """Turn a driver error into one line of cause and a hint."""
    text = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    if "locked" in text or "could not obtain lock" in text:
        return DatabaseError(
            f"the database is locked: {text}",
            hint="another fairdebt process is writing; wait for it or stop it, then retry",
        )
    if "no such table" in text or ("does not exist" in text and "relation" in text):
        return DatabaseError(
            f"the database has no fairdebt schema yet: {text}",
            hint="run `fairdebt init` (or any command that migrates) against this database",
        )
    if "not a database" in text:
        return DatabaseError(
            f"the SQLite database file is damaged or not SQLite: {text}",
            hint="restore it from a backup, or set FAIRDEBT_DATA_DIR to another folder",
        )
    if isinstance(exc, OperationalError):
        return DatabaseError(
            f"cannot reach the database: {text}",
            hint="check FAIRDEBT_DATABASE_URL and that the server is running",
        )
    return DatabaseError(f"database error: {text}")


@contextmanager
def connect(engine: Engine, *, write: bool = False) -> Iterator[Connection]:
    """A connection in a transaction (committed on success); driver faults become DatabaseError."""
    try:
        with engine.begin() if write else engine.connect() as conn:
            yield conn
    except DBAPIError as exc:
        raise describe(exc) from None
