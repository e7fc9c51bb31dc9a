"""The outbox's personal data sealed at rest, on SQLite and PostgreSQL: a raw read of the table
shows no phone and no text while the worker still delivers the exact message; key rotation
re-seals outbox rows, and a key an outbox row still uses cannot be retired; migration
0021_seal_outbox seals rows stored in the clear (and leaves sealed ones as they are), its
downgrade restores them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import console_data
import pytest
from alembic import command
from outbox_texts import queue_text
from sqlalchemy import MetaData, Table, select, update
from sqlalchemy.engine import Engine

from fairdebt.adapters.channels.console import ConsoleChannel
from fairdebt.adapters.db import crypto
from fairdebt.adapters.db import key_rotation as kr
from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.migrate import alembic_config, current_revision, head_revision
from fairdebt.adapters.db.sealed_columns import SEALED_TABLES
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.compliance.pack import builtin_packs
from fairdebt.errors import FairdebtError
from fairdebt.services.outbox import Worker

SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 6, 30, 10, 0, tzinfo=SHANGHAI)
LATER = MORNING + timedelta(minutes=30)
PACKS = builtin_packs()
BODY = "【示例消费金融有限公司】您好，您的借款已逾期，请及时还款。回复 TD 退订。"
CASE = "C-B0001"


@pytest.fixture(autouse=True)
def _fresh_keyring() -> Iterator[None]:
    """Each test starts from the settings' keyring and leaves none behind."""
    crypto.use_keyring(None)
    yield
    crypto.use_keyring(None)


@pytest.fixture
def portfolio(engine: Engine) -> console_data.Portfolio:
    with engine.begin() as conn:
        return console_data.build(conn, count=3)


def _queue(engine: Engine, portfolio: console_data.Portfolio, minute: int = 0) -> str:
    at = MORNING + timedelta(minutes=minute)
    key = queue_text(SqlUnitOfWork(engine), CASE, portfolio.phones[CASE], BODY, at, PACKS)
    assert key is not None
    return key


def _stored_outbox(engine: Engine) -> list[dict[str, object]]:
    """The stored bytes: a Table reflected from the database, without the sealing type."""
    raw = Table("outbox", MetaData(), autoload_with=engine)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(raw).order_by(raw.c.id))]


def _digits(phone: str) -> str:
    return phone.removeprefix("+86")


def test_a_raw_read_shows_no_phone_or_text_and_the_worker_delivers_it(engine, portfolio) -> None:
    phone = portfolio.phones[CASE]
    key = _queue(engine, portfolio)

    stored = _stored_outbox(engine)
    dump = repr(stored)
    assert len(stored) == 1 and stored[0]["key"] == key
    assert _digits(phone) not in dump and _digits(phone)[-8:] not in dump
    assert "逾期" not in dump and "示例" not in dump and "TD" not in dump
    assert str(stored[0]["recipient"]).startswith("enc1:t1:")
    assert str(stored[0]["body"]).startswith("enc1:t1:")
    assert stored[0]["subject"] == ""  # an SMS has none; the empty string stays empty

    sms = ConsoleChannel()
    done = Worker(SqlUnitOfWork(engine), {"sms": sms}, PACKS).drain(lambda: LATER)

    assert done.counts == {"sent": 1}
    assert [(m.key, m.to, m.body) for m in sms.outbox] == [(key, phone, BODY)]
    assert sms.outbox[0].payload == BODY.encode("utf-8")
    with SqlUnitOfWork(engine) as uow:
        row = uow.outbox.listing(None, 1)[0]
    assert (row.status, row.message.to, row.message.body) == ("sent", phone, BODY)
    assert _digits(phone) not in repr(_stored_outbox(engine))  # the worker wrote none back


def test_a_value_moved_to_another_outbox_column_is_refused(engine, portfolio) -> None:
    _queue(engine, portfolio)
    raw = Table("outbox", MetaData(), autoload_with=engine)
    with engine.begin() as conn:
        conn.execute(update(raw).values(recipient=raw.c.body))

    with SqlUnitOfWork(engine) as uow, pytest.raises(FairdebtError) as caught:
        uow.outbox.listing(None, 1)
    assert "outbox.recipient" in caught.value.cause and caught.value.hint


def test_rotation_reseals_outbox_rows_and_retire_waits_for_them(engine, portfolio) -> None:
    _queue(engine, portfolio)
    old = crypto.keyring()
    new = kr.add_data_key(old)
    crypto.use_keyring(new)

    with pytest.raises(FairdebtError) as early:
        kr.retire(engine, new, "t1")
    assert "in borrowers" in early.value.cause and "in outbox" in early.value.cause
    before = kr.usage_by_table(engine, new)
    assert before["outbox"] == {"t1": 2}  # the recipient and the text; the subject is empty

    lines: list[tuple[int, int]] = []
    rewritten = kr.reencrypt(engine, new, lambda done, total: lines.append((done, total)))

    assert rewritten == 3 + 1 and lines[-1] == (4, 4)  # 3 borrowers and 1 message, every table
    assert kr.usage_by_table(engine, new)["outbox"] == {new.active: 2}
    assert "enc1:t1:" not in repr(_stored_outbox(engine))

    # A process still on the old active key queues one more text: only the outbox uses t1 now.
    crypto.use_keyring(replace(new, data=(new.data[1], new.data[0]), _ciphers={}))
    _queue(engine, portfolio, minute=1)
    crypto.use_keyring(new)
    with pytest.raises(FairdebtError) as refused:
        kr.retire(engine, new, "t1")
    assert refused.value.cause.startswith("2 stored values are still encrypted with key 't1'")
    assert "(2 in outbox)" in refused.value.cause

    assert kr.reencrypt(engine, new) == 1  # only that message: the rest is done already
    smaller = kr.retire(engine, new, "t1")
    crypto.use_keyring(smaller)
    sms = ConsoleChannel()
    done = Worker(SqlUnitOfWork(engine), {"sms": sms}, PACKS).drain(lambda: LATER)
    assert done.counts == {"sent": 2} and {m.body for m in sms.outbox} == {BODY}


def test_rotation_keeps_a_value_written_between_its_read_and_its_write(engine, portfolio) -> None:
    """A borrower's phone changed by an import while rotation holds the old row: rotation's
    write of that row must not put the old phone back (compare-and-set on the stored text)."""
    new = kr.add_data_key(crypto.keyring())
    crypto.use_keyring(new)
    borrowers = next(table for table in SEALED_TABLES if table.name == "borrowers")
    rows = kr._read(engine, borrowers, None)
    with engine.begin() as conn:
        conn.execute(
            update(t.borrowers).where(t.borrowers.c.id == "B0001").values(phones="+8613600000000")
        )

    written, whole = kr._reseal(engine, borrowers, new, rows)

    assert (written, whole) == (2, False)  # B0000 and B0002; B0001 changed meanwhile
    with engine.connect() as conn:
        phone = conn.execute(select(t.borrowers.c.phones).where(t.borrowers.c.id == "B0001"))
        assert phone.scalar_one() == "+8613600000000"
    assert kr.reencrypt(engine, new) == 1  # the rest of B0001 (ID number, e-mail, address)
    assert set(kr.usage(engine, new)) == {new.active}


def test_the_migration_seals_outbox_rows_in_the_clear_and_downgrade_opens_them(
    engine, portfolio
) -> None:
    phone = portfolio.phones[CASE]
    first, second = _queue(engine, portfolio), _queue(engine, portfolio, minute=1)
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0020_totp")

    plain = {r["key"]: r for r in _stored_outbox(engine)}
    assert (plain[first]["recipient"], plain[first]["body"]) == (phone, BODY)
    assert "enc1:" not in repr(plain)
    # A re-run after a partial upgrade: one value sealed already is left as it is.
    ring = crypto.keyring()
    already = ring.seal(BODY, "outbox.body")
    raw = Table("outbox", MetaData(), autoload_with=engine)
    with engine.begin() as conn:
        conn.execute(update(raw).where(raw.c.key == second).values(body=already))

    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")

    assert current_revision(engine) == head_revision()
    stored = {r["key"]: r for r in _stored_outbox(engine)}
    assert _digits(phone) not in repr(stored) and "逾期" not in repr(stored)
    assert stored[second]["body"] == already and stored[first]["subject"] == ""
    with SqlUnitOfWork(engine) as uow:
        found = {m.message.key: m.message for m in uow.outbox.listing(None, 10)}
    assert {(m.to, m.body) for m in found.values()} == {(phone, BODY)} and len(found) == 2
