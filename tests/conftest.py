"""Shared fixtures: every test runs with its own data directory and no stray settings."""

from __future__ import annotations

import os
from collections.abc import Iterator
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


def _hypothesis_profile() -> None:
    """No per-example deadline: CI machines are shared and coverage slows every call, so a
    wall-clock deadline fails tests that are right (a slow example is not a wrong one)."""
    from hypothesis import settings

    settings.register_profile("fairdebt", deadline=None)
    settings.load_profile("fairdebt")


_hypothesis_profile()
