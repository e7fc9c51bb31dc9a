"""`fairdebt keys` over the outbox as an operator runs it, with the key file made on first use
(SQLite): `list` counts the outbox's values, `rotate` re-seals them, and `--retire` is refused
while one message still uses the old key."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import console_data
from key_cli_steps import old_key_active, retire_refused_then_done
from outbox_texts import queue_text
from sqlalchemy import MetaData, Table, create_engine, select

from fairdebt.adapters.db import crypto
from fairdebt.adapters.db.engine import make_engine
from fairdebt.adapters.db.migrate import upgrade
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.compliance.pack import builtin_packs
from fairdebt.settings import load_settings

MORNING = datetime(2026, 6, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
BODY = "【示例消费金融有限公司】您好，您的借款已逾期，请及时还款。回复 TD 退订。"
PACKS = builtin_packs()


def _stored_outbox(data_dir: Path) -> str:
    engine = create_engine(f"sqlite:///{data_dir / 'fairdebt.db'}")
    raw = Table("outbox", MetaData(), autoload_with=engine)
    with engine.connect() as conn:
        text = repr(conn.execute(select(raw.c.recipient, raw.c.subject, raw.c.body)).all())
    engine.dispose()
    return text


def _queue(data_dir: Path, minute: int, phone: str = "") -> str:
    """Queue one text to C-B0001 (the portfolio made first when `phone` is not known yet)."""
    engine = make_engine(f"sqlite:///{data_dir / 'fairdebt.db'}")
    try:
        upgrade(engine)
        if not phone:
            with engine.begin() as conn:
                phone = console_data.build(conn, count=2).phones["C-B0001"]
        at = MORNING.replace(minute=minute)
        assert queue_text(SqlUnitOfWork(engine), "C-B0001", phone, BODY, at, PACKS)
    finally:
        engine.dispose()
    return phone


def test_keys_list_rotate_and_retire_cover_the_outbox(fairdebt, data_dir, monkeypatch) -> None:
    monkeypatch.delenv("FAIRDEBT_DATA_KEYS")
    monkeypatch.delenv("FAIRDEBT_INDEX_KEY")
    first = crypto.load_keyring(load_settings())  # a new user's: the key file, made now
    crypto.use_keyring(first)
    phone = _queue(data_dir, 0)
    assert "enc1:k1:" in _stored_outbox(data_dir) and "逾期" not in _stored_outbox(data_dir)

    listed = fairdebt("keys", "list")
    assert listed.returncode == 0, listed.stderr
    assert "outbox 2" in listed.stdout and "borrowers 8" in listed.stdout  # 2 x 4 columns

    rotated = fairdebt("keys", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    assert "3/3 rows" in rotated.stderr + rotated.stdout  # 2 borrowers and 1 message
    assert "enc1:k1:" not in _stored_outbox(data_dir) and "enc1:k2:" in _stored_outbox(data_dir)

    # A process still sealing with k1 (it reads k2's values) queues one more text.
    old_key_active(data_dir)
    _queue(data_dir, 1, phone)
    retire_refused_then_done(fairdebt, data_dir, "2 in outbox")
    worked = fairdebt("outbox", "list")
    assert worked.returncode == 0, worked.stderr  # every message still opens without k1
