"""Finding pg_dump / pg_restore: PATH first, then the newest server install; missing, a clear
error that says what to install."""

from __future__ import annotations

from pathlib import Path

import pytest

from fairdebt.adapters.db import dump
from fairdebt.errors import FairdebtError


def test_the_newest_install_is_used_when_path_has_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for major in ("9", "15", "13"):
        tool = tmp_path / major / "bin" / "pg_dump"
        tool.parent.mkdir(parents=True)
        tool.write_text("")
    monkeypatch.setattr(dump.shutil, "which", lambda _name: None)
    monkeypatch.setattr(dump, "PG_INSTALLS", tmp_path)

    assert dump.pg_tool("pg_dump") == str(tmp_path / "15" / "bin" / "pg_dump")


def test_a_missing_tool_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dump.shutil, "which", lambda _name: None)
    monkeypatch.setattr(dump, "PG_INSTALLS", tmp_path)

    with pytest.raises(FairdebtError) as missing:
        dump.pg_tool("pg_dump")

    assert (
        missing.value.cause == "pg_dump is not installed: a PostgreSQL database is copied with it"
    )
    assert "postgresql-client" in missing.value.hint


def test_the_password_goes_to_the_environment_not_the_command_line() -> None:
    from sqlalchemy import make_url

    env = dump._libpq_env(make_url("postgresql+psycopg://u:s3cret@db:5433/fd?sslmode=require"))

    assert env == {
        "PGHOST": "db",
        "PGPORT": "5433",
        "PGUSER": "u",
        "PGPASSWORD": "s3cret",
        "PGDATABASE": "fd",
        "PGSSLMODE": "require",
    }


def test_an_in_memory_sqlite_database_cannot_be_copied() -> None:
    with pytest.raises(FairdebtError, match="in-memory"):
        dump.sqlite_path("sqlite://")
