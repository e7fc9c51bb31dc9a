"""Real databases: every integration test runs on SQLite AND PostgreSQL.

PostgreSQL comes from FAIRDEBT_TEST_POSTGRES_URL (scripts/start-postgres.sh prints one from the
machine's installed server). Without it the PostgreSQL half is skipped — unless
FAIRDEBT_REQUIRE_POSTGRES=1 (set by .ci/run), which turns the skip into a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.engine import Engine
from sqlite_files import copy_database

from fairdebt.adapters.db.engine import make_engine
from fairdebt.adapters.db.migrate import upgrade
from fairdebt.adapters.db.schema import metadata


def _postgres_url_or_skip() -> str:
    url = os.environ.get("FAIRDEBT_TEST_POSTGRES_URL")
    if url:
        return url
    message = "PostgreSQL not available: set FAIRDEBT_TEST_POSTGRES_URL (scripts/start-postgres.sh)"
    if os.environ.get("FAIRDEBT_REQUIRE_POSTGRES") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh database for this test session (one per xdist worker), dropped at the end."""
    from pytest_postgresql.janitor import DatabaseJanitor

    base = make_url(_postgres_url_or_skip())
    worker = getattr(request.config, "workerinput", {}).get("workerid", "main")
    name = f"fairdebt_test_{worker}_{os.getpid()}"
    janitor = DatabaseJanitor(
        user=base.username or "postgres",
        host=base.host or "127.0.0.1",
        port=base.port or 5432,
        password=base.password,
        dbname=name,
        version=None,
    )
    janitor.init()
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        janitor.drop()


@pytest.fixture(scope="session")
def _migrated_postgres(postgres_url: str) -> Iterator[Engine]:
    engine = make_engine(postgres_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file brought to the newest schema by the migrations, once per session (per
    xdist worker): each test gets a copy of it instead of running every migration again."""
    path = tmp_path_factory.mktemp("sqlite-template") / "migrated.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database URL of each kind (SQLite: a copy of a migrated template;
    PostgreSQL: one migrated database per session, emptied around each test)."""
    if request.param == "sqlite":
        target = tmp_path / "test.db"
        copy_database(request.getfixturevalue("_migrated_sqlite"), target)
        yield f"sqlite:///{target}"
        return
    engine = request.getfixturevalue("_migrated_postgres")
    _empty(engine)
    yield engine.url.render_as_string(hide_password=False)
    _empty(engine)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def use_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the app (CLI, services) at the test database."""
    monkeypatch.setenv("FAIRDEBT_DATABASE_URL", database_url)
    return database_url


def _empty(engine: Engine) -> None:
    """Remove every row the test left, in one transaction. One query finds the tables holding
    any row; DELETE then empties just those, dependants first. (A TRUNCATE of all the tables
    made and synced new files for each of them: near a second, twice per test.)"""
    tables = list(reversed(metadata.sorted_tables))  # dependants before what they reference
    quote = engine.dialect.identifier_preparer.quote
    probe = " UNION ALL ".join(
        f"(SELECT '{table.name}' FROM {quote(table.name)} LIMIT 1)" for table in tables
    )
    with engine.begin() as conn:
        holding = set(conn.scalars(text(probe)))
        for table in tables:
            if table.name in holding:
                conn.execute(table.delete())
