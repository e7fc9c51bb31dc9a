"""`fairdebt keys` as an operator runs it, with the key file made on first use (SQLite)."""

from __future__ import annotations

from pathlib import Path

from cli_run import fairdebt
from portfolio_files import write_portfolio
from sqlalchemy import MetaData, Table, create_engine, select

NO_KEYS = {"FAIRDEBT_DATA_KEYS": "", "FAIRDEBT_INDEX_KEY": ""}


def _stored(data_dir: Path) -> str:
    engine = create_engine(f"sqlite:///{data_dir / 'fairdebt.db'}")
    raw = Table("borrowers", MetaData(), autoload_with=engine)
    with engine.connect() as conn:
        text = repr(conn.execute(select(raw)).all())
    engine.dispose()
    return text


def test_rotate_retire_and_reindex_from_the_command_line(data_dir, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("FAIRDEBT_DATA_KEYS")
    monkeypatch.delenv("FAIRDEBT_INDEX_KEY")
    imported = fairdebt("import", str(write_portfolio(tmp_path / "p")), "-q")
    assert imported.returncode == 0, imported.stderr
    assert (data_dir / "data-keys").stat().st_mode & 0o777 == 0o600
    assert "enc1:k1:" in _stored(data_dir)

    early = fairdebt("keys", "rotate", "--retire", "k1")
    assert early.returncode == 2 and "is the active key" in early.stderr
    assert "Traceback" not in early.stderr

    rotated = fairdebt("keys", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    assert "2/2 rows" in rotated.stderr + rotated.stdout
    assert "enc1:k1:" not in _stored(data_dir) and "enc1:k2:" in _stored(data_dir)

    listed = fairdebt("keys", "list")
    assert "k2" in listed.stdout and "active" in listed.stdout and "k1" in listed.stdout

    retired = fairdebt("keys", "rotate", "--retire", "k1")
    assert retired.returncode == 0, retired.stderr
    assert "data k1 " not in (data_dir / "data-keys").read_text(encoding="utf-8")

    reindexed = fairdebt("keys", "reindex")
    assert reindexed.returncode == 0, reindexed.stderr
    assert "under index key x2" in reindexed.stdout
    reimport = fairdebt("import", str(tmp_path / "p"), "-q")
    assert "0 new, 0 changed" in reimport.stdout, reimport.stderr


def test_a_lost_key_file_is_one_line_of_cause_and_hint(data_dir, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("FAIRDEBT_DATA_KEYS")
    monkeypatch.delenv("FAIRDEBT_INDEX_KEY")
    assert fairdebt("import", str(write_portfolio(tmp_path / "p")), "-q").returncode == 0
    (data_dir / "data-keys").unlink()

    listed = fairdebt("keys", "list")

    assert listed.returncode == 2 and "Traceback" not in listed.stderr
    assert "k1" in listed.stderr and "backup" in listed.stderr
