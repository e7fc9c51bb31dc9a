"""A running process (serve, worker) and `fairdebt keys` on the same key file, as a new user
has them: no keys in the environment, the key file made on first use (SQLite).

The process here is this test; the key commands are subprocesses, as an operator runs them
beside a live server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_run import fairdebt
from portfolio_files import write_portfolio
from sqlalchemy import MetaData, Table, create_engine, select, update
from sqlalchemy.engine import Engine

from fairdebt.adapters.db import crypto
from fairdebt.adapters.db import tables as t


@pytest.fixture
def new_user(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The environment of a new user (no keys), for this process and its subprocesses; the
    process-wide keyring is left as the settings make it afterwards."""
    monkeypatch.delenv("FAIRDEBT_DATA_KEYS")
    monkeypatch.delenv("FAIRDEBT_INDEX_KEY")
    monkeypatch.setattr(crypto, "RELOAD_SECONDS", 0.0)
    crypto.use_keyring(None)
    yield dict(os.environ)
    crypto.use_keyring(None)


def _engine(data_dir: Path) -> Engine:
    return create_engine(f"sqlite:///{data_dir / 'fairdebt.db'}")


def _phones(engine: Engine) -> list[str]:
    """Through the sealed column: what the running process reads."""
    with engine.connect() as conn:
        return list(conn.execute(select(t.borrowers.c.phones).order_by(t.borrowers.c.id)).scalars())


def _stored_kids(engine: Engine) -> set[str]:
    raw = Table("borrowers", MetaData(), autoload_with=engine)
    with engine.connect() as conn:
        return {row.phones.split(":")[1] for row in conn.execute(select(raw)) if row.phones}


def _run(env: dict[str, str], *args: str) -> None:
    done = fairdebt(*args, replace_env=env, timeout=120)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr


def test_a_running_process_follows_rotate_retire_and_rotate_again(
    new_user: dict[str, str], data_dir: Path, tmp_path: Path
) -> None:
    _run(new_user, "import", str(write_portfolio(tmp_path / "p")), "-q")
    engine = _engine(data_dir)
    before = _phones(engine)  # this process now holds the key file's k1
    assert before and all(p.startswith("+86") for p in before if p)

    _run(new_user, "keys", "rotate")  # k2 active; every row re-encrypted with it
    assert _phones(engine) == before  # was: "encrypted with key 'k2', not in the keyring"

    _run(new_user, "keys", "rotate", "--retire", "k1")
    with engine.begin() as conn:  # a write after the retirement: sealed with k2, not k1
        conn.execute(update(t.borrowers).values(phones="+8613800000000"))
    assert _stored_kids(engine) == {"k2"}

    _run(new_user, "keys", "rotate")
    key_file = (data_dir / "data-keys").read_text(encoding="utf-8")
    assert "data k3 " in key_file and "data k1 " not in key_file  # a retired id is not reused
    assert _stored_kids(engine) == {"k3"}
    engine.dispose()


def test_a_running_process_indexes_with_the_new_index_key(
    new_user: dict[str, str], data_dir: Path, tmp_path: Path
) -> None:
    _run(new_user, "import", str(write_portfolio(tmp_path / "p")), "-q")
    engine = _engine(data_dir)
    _phones(engine)
    assert crypto.keyring().index[0] == "x1"

    _run(new_user, "keys", "reindex")

    assert crypto.keyring().index[0] == "x2"  # lookups by phone find what reindex wrote
    engine.dispose()
