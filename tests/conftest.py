"""Shared fixtures: every test runs with its own data directory and no stray settings."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import cheap_hashes
import pytest

TEST_DATA_KEYS = "t1:" + "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI="  # 32 bytes, tests only
TEST_INDEX_KEY = "tx:" + "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXphYmNkZWY="
# Set for the whole process too, not only per test: module- and session-scoped fixtures (a
# console database built once per module) seal personal data before any per-test fixture runs,
# and must seal it under the same keys the tests later read it with.
os.environ["FAIRDEBT_DATA_KEYS"] = TEST_DATA_KEYS
os.environ["FAIRDEBT_INDEX_KEY"] = TEST_INDEX_KEY

cheap_hashes.install()  # passwords hashed at small Argon2id costs (see tests/cheap_hashes.py)


@pytest.fixture(autouse=True)
def _isolated_settings(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """No test reads the developer's .env or database: FAIRDEBT_* point at a temp dir."""
    data = tmp_path_factory.mktemp("fairdebt-data")
    monkeypatch.setenv("FAIRDEBT_DATA_DIR", str(data))
    monkeypatch.delenv("FAIRDEBT_DATABASE_URL", raising=False)
    # One pair of personal-data keys for every test and the CLI subprocesses it starts, so a
    # database written in-process reads in a subprocess (tests/integration/test_encryption_*
    # covers the key file made on first use).
    monkeypatch.setenv("FAIRDEBT_DATA_KEYS", TEST_DATA_KEYS)
    monkeypatch.setenv("FAIRDEBT_INDEX_KEY", TEST_INDEX_KEY)
    monkeypatch.chdir(data)  # so a developer's ./.env is not read
    yield


@pytest.fixture
def data_dir() -> Path:
    import os

    return Path(os.environ["FAIRDEBT_DATA_DIR"])


@pytest.fixture
def fairdebt(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """`fairdebt(*args, env=..., stdin=..., cwd=...)` -> CompletedProcess: the CLI run in this
    process (no interpreter start and imports per call, and measured by coverage), `env` set for
    that one call, `stdin` its standard input (a pipe's, not a terminal's), `cwd` its folder.
    Each command loads its own personal-data keyring from the settings; the process's is put
    back afterwards, so what the test reads and writes next uses the keys it did before.
    tests/cli_run.py runs the real process, for what only a process shows (start-up, signals,
    the interpreter's exit)."""
    from fairdebt.adapters.db import crypto
    from fairdebt.cli import _common, main

    def run(
        *args: str,
        env: dict[str, str] | None = None,
        stdin: str | None = None,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        ring = list(crypto._RING)
        with monkeypatch.context() as patched:
            # Consoles made for this call, as a new process with its output piped makes them
            # (no COLUMNS: lines are never cut): pytest-xdist sets COLUMNS=80 in its workers, and
            # a console cached by an earlier call would keep whatever width it measured.
            patched.setattr(_common, "_consoles", {})
            patched.delenv("COLUMNS", raising=False)
            if cwd is not None:
                patched.chdir(cwd)
            for name, value in (env or {}).items():
                patched.setenv(name, value)
            if stdin is not None:
                patched.setattr(sys, "stdin", io.StringIO(stdin))
            capsys.readouterr()
            try:
                main(list(args))
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            finally:
                crypto._RING[:] = ring
            captured = capsys.readouterr()
        return subprocess.CompletedProcess(list(args), code, captured.out, captured.err)

    return run


def _hypothesis_profile() -> None:
    """No per-example deadline: CI machines are shared and coverage slows every call, so a
    wall-clock deadline fails tests that are right (a slow example is not a wrong one)."""
    from hypothesis import settings

    settings.register_profile("fairdebt", deadline=None)
    settings.load_profile("fairdebt")


_hypothesis_profile()
