"""A consistent copy of the database into one file, and back (`fairdebt backup` / `restore`).

SQLite: the online backup API (`sqlite3.Connection.backup`) copies every page in one step under
one read transaction, so the copy is the database as of one instant even while the app writes
(WAL: writers are not blocked). PostgreSQL: `pg_dump -Fc` (one snapshot, the custom format) and
`pg_restore` into the target, both found on PATH or under /usr/lib/postgresql/*/bin. The two
kinds do not mix: a SQLite copy restores into SQLite only.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from sqlalchemy import inspect, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from fairdebt.adapters.db.engine import describe, make_engine
from fairdebt.adapters.db.schema import metadata
from fairdebt.errors import DatabaseError, FairdebtError

Kind = Literal["sqlite", "postgresql"]
PG_INSTALLS = Path("/usr/lib/postgresql")  # Debian/Ubuntu: <major>/bin/pg_dump
PG_HINT = (
    "install the PostgreSQL client tools of the server's major version or newer "
    "(Debian/Ubuntu: apt-get install postgresql-client) so that {tool} is on PATH"
)


def kind_of(url: str) -> Kind:
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise DatabaseError(f"cannot back up a {backend} database", hint="use SQLite or PostgreSQL")
    return "sqlite" if backend == "sqlite" else "postgresql"


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise DatabaseError(
            "an in-memory SQLite database cannot be backed up or restored",
            hint="point FAIRDEBT_DATABASE_URL (or --to) at a file: sqlite:///path/fairdebt.db",
        )
    return Path(database)


def dump(url: str, target: Path) -> None:
    """Write a consistent copy of the database at `url` to the file `target`."""
    if kind_of(url) == "sqlite":
        _sqlite_dump(sqlite_path(url), target)
    else:
        _pg("pg_dump", ["-Fc", "--no-owner", "--no-privileges", "-f", str(target)], url)


def _sqlite_dump(source: Path, target: Path) -> None:
    if not source.is_file():
        raise DatabaseError(f"no database at {source}", hint="run `fairdebt init` first")
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)  # all pages in one step: one read transaction, one instant
        finally:
            dst.close()
            src.close()
    except sqlite3.Error as exc:
        raise DatabaseError(f"cannot copy the database {source}: {exc}") from None


def has_rows(url: str) -> bool:
    """Whether any fairdebt table at `url` holds a row (a database that is not empty). A SQLite
    file that does not exist is empty, and is not created by asking."""
    if kind_of(url) == "sqlite" and not sqlite_path(url).exists():
        return False
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            present = set(inspect(conn).get_table_names())
            for table in metadata.sorted_tables:
                if table.name in present:
                    quoted = conn.dialect.identifier_preparer.quote(table.name)
                    if conn.execute(text(f"SELECT 1 FROM {quoted} LIMIT 1")).first():
                        return True
    except DBAPIError as exc:
        raise describe(exc) from None
    finally:
        engine.dispose()
    return False


def restore(url: str, source: Path) -> None:
    """Replace the database at `url` by the copy in `source` (the caller checked it may)."""
    if kind_of(url) == "sqlite":
        _sqlite_restore(source, sqlite_path(url))
        return
    # One transaction: the dump's tables are dropped and made again, or nothing changes.
    _pg(
        "pg_restore",
        [
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            str(source),
        ],
        url,
        database_flag=True,
    )


def _sqlite_restore(source: Path, target: Path) -> None:
    """The copy is checked, then moved over the target in one rename (a reader sees the old
    file or the new one); the old file's WAL and shared-memory files are removed with it."""
    try:
        check = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            verdict = check.execute("PRAGMA integrity_check").fetchone()
        finally:
            check.close()
    except sqlite3.Error as exc:
        raise FairdebtError(f"the database in the archive is not SQLite: {exc}") from None
    if verdict != ("ok",):
        raise FairdebtError(
            f"the database in the archive fails SQLite's integrity check: {verdict}",
            hint="use another backup",
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.restoring")
    shutil.copyfile(source, staged)
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(staged, target)


def pg_tool(name: str) -> str:
    """The path of a PostgreSQL client program: PATH first, then the newest server install."""
    found = shutil.which(name)
    if found:
        return found
    installed = sorted(
        PG_INSTALLS.glob(f"*/bin/{name}"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    if installed:
        return str(installed[-1])
    raise FairdebtError(
        f"{name} is not installed: a PostgreSQL database is copied with it",
        hint=PG_HINT.format(tool=name),
    )


def _libpq_env(url: URL) -> Mapping[str, str]:
    """The connection as libpq variables: the password never appears on a command line."""
    pairs = {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
        "PGSSLMODE": url.query.get("sslmode"),
    }
    return {k: str(v) for k, v in pairs.items() if v}


def _pg(tool: str, args: list[str], url: str, *, database_flag: bool = False) -> None:
    parsed = make_url(url)
    command = [pg_tool(tool), *args]
    if database_flag:
        command[1:1] = ["-d", parsed.database or ""]
    env = {**os.environ, **_libpq_env(parsed)}
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise FairdebtError(
            f"cannot run {tool}: {exc.strerror}", PG_HINT.format(tool=tool)
        ) from None
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["(no message)"])[0]
        raise DatabaseError(
            f"{tool} failed: {first}",
            hint="check the database URL and that the client tools' major version is at least "
            "the server's",
        )
