"""Schema migrations with Alembic, run programmatically on an engine."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from fairdebt.adapters.db.engine import describe

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


# Any constant: the key of the PostgreSQL advisory lock that one migrating process holds.
MIGRATION_LOCK = 0x66616972_64656274  # "fairdebt"


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to `revision` (creates every table on an empty database).

    One process at a time: on a fresh data directory `serve` and `worker` (or any two commands)
    start together and both migrate; SQLite runs each DDL statement on its own, so without a
    lock the second one failed with "table borrowers already exists". The second now waits for
    the first and finds the schema up to date."""
    config = alembic_config()
    try:
        with _one_at_a_time(engine), engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
    except DBAPIError as exc:
        raise describe(exc) from None


@contextmanager
def _one_at_a_time(engine: Engine) -> Iterator[None]:
    """An exclusive lock on a file beside a SQLite database file for the migration (PostgreSQL
    takes an advisory lock in the migration's transaction instead)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    try:
        import fcntl
    except ImportError:  # not a POSIX system: no lock (one process at a time is then yours)
        yield
        return
    lock = Path(database).with_name(Path(database).name + ".migrating")
    try:
        handle = open(lock, "a+b")  # noqa: SIM115 (held open across the yield)
    except OSError:  # a read-only folder: the database itself will say what is wrong
        yield
        return
    with handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def is_current(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()
