"""Real databases: every integration test runs on SQLite AND PostgreSQL.

PostgreSQL comes from FAIRDEBT_TEST_POSTGRES_URL (scripts/start-postgres.sh prints one from the
machine's installed server). Without it the PostgreSQL half is skipped — unless
FAIRDEBT_REQUIRE_POSTGRES=1 (set by .ci/run), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.engine import Engine

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


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A migrated, empty database URL of each kind."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
        upgrade(make_engine(url))
        yield url
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
    names = ", ".join(t.name for t in reversed(metadata.sorted_tables))
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} CASCADE"))


@pytest.fixture
def fairdebt(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """`fairdebt(*args, env=...)` -> CompletedProcess: the CLI run in this process (fast, and
    measured by coverage), `env` set for that one call."""
    from fairdebt.cli import main

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        with monkeypatch.context() as patched:
            for name, value in (env or {}).items():
                patched.setenv(name, value)
            capsys.readouterr()
            try:
                main(list(args))
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            captured = capsys.readouterr()
        return subprocess.CompletedProcess(list(args), code, captured.out, captured.err)

    return run
