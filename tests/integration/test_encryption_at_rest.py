"""Personal data encrypted at rest, on SQLite and PostgreSQL: the stored bytes hold no phone, ID
number, e-mail or address; the app reads them back; a value moved to another column fails
clearly; lookups by phone and e-mail work after an import and an update; rotation re-encrypts
every row; a wrong or missing key is a FairdebtError; the migration encrypts a populated
database and its downgrade opens it again."""

from __future__ import annotations

import base64
import multiprocessing
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from portfolio_files import BORROWERS, write_portfolio
from sqlalchemy import MetaData, Table, select, text, update
from sqlalchemy.engine import Engine

from fairdebt.adapters.db import crypto
from fairdebt.adapters.db import key_rotation as kr
from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.lookup_tables import borrower_lookup
from fairdebt.adapters.db.migrate import alembic_config, current_revision, head_revision
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.errors import FairdebtError
from fairdebt.services.importing import ImportOptions, import_portfolio
from fairdebt.settings import load_settings

AS_OF = date(2026, 4, 20)
NOW = datetime(2026, 4, 20, 9, 0, tzinfo=UTC)
SECRETS = ("13812345678", "11010519491231002X", "建国路", "世纪大道", "b1@example.cn")


@pytest.fixture(autouse=True)
def _fresh_keyring() -> Iterator[None]:
    """Each test starts from the settings' keyring and leaves none behind."""
    crypto.use_keyring(None)
    yield
    crypto.use_keyring(None)


def _import(engine: Engine, folder: Path) -> None:
    import_portfolio(SqlUnitOfWork(engine), [folder], ImportOptions(as_of=AS_OF, now=NOW))


def _portfolio(tmp_path: Path) -> Path:
    borrowers = [dict(BORROWERS[0], email="B1@Example.CN"), dict(BORROWERS[1], email="")]
    return write_portfolio(tmp_path / "p", borrowers=borrowers)


def _raw_rows(engine: Engine) -> list[tuple[object, ...]]:
    """The stored bytes: a Table reflected from the database, without the encrypting type."""
    raw = Table("borrowers", MetaData(), autoload_with=engine)
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(raw).order_by(raw.c.id))]


def _raw_text(engine: Engine) -> str:
    return repr(_raw_rows(engine))


def test_the_stored_bytes_hold_no_personal_data_and_the_app_reads_it(engine, tmp_path) -> None:
    _import(engine, _portfolio(tmp_path))

    stored = _raw_text(engine)
    assert not [s for s in SECRETS if s in stored]
    assert "enc1:t1:" in stored and "张伟" in stored and "北京" in stored  # name, city stay
    with engine.connect() as conn:
        b = conn.execute(select(t.borrowers).where(t.borrowers.c.id == "B0001")).one()
    assert b.national_id == "11010519491231002X"
    assert b.phones == "+8613812345678;+8613912345678"
    assert b.address == "北京市朝阳区建国路88号" and b.email == "B1@Example.CN"


def test_a_value_copied_to_another_column_fails_to_decrypt_clearly(engine, tmp_path) -> None:
    _import(engine, _portfolio(tmp_path))
    with engine.begin() as conn:
        sealed = conn.execute(text("SELECT phones FROM borrowers WHERE id = 'B0001'")).scalar_one()
        conn.execute(text("UPDATE borrowers SET address = :v WHERE id = 'B0002'"), {"v": sealed})

    with engine.connect() as conn, pytest.raises(FairdebtError) as caught:
        conn.execute(select(t.borrowers.c.address).where(t.borrowers.c.id == "B0002")).one()
    assert "borrowers.address" in caught.value.cause and caught.value.hint


def test_an_altered_or_foreign_value_is_refused_not_read_as_garbage() -> None:
    ring = crypto.keyring()
    sealed = ring.seal("+8613812345678", "borrowers.phones")
    body = base64.b64decode(sealed.split(":", 2)[2])
    flipped = sealed.rsplit(":", 1)[0] + ":" + base64.b64encode(body[:-1] + b"\0").decode()
    for bad in (flipped, "+8613812345678", "enc1:zz:AAAA", "enc1:t1:!!!", "enc1:t1:"):
        with pytest.raises(crypto.KeyringError):
            ring.open(bad, "borrowers.phones")
    assert ring.open(sealed, "borrowers.phones") == "+8613812345678"
    assert "1234567890" not in repr(ring) and "t1" not in repr(ring)  # keys never printed
    huge = "\0" + "电" * 100_000
    assert ring.open(ring.seal(huge, "borrowers.address"), "borrowers.address") == huge


def test_lookups_by_phone_and_email_after_an_import_and_an_update(engine, tmp_path) -> None:
    _import(engine, _portfolio(tmp_path))
    uow = SqlUnitOfWork(engine)
    with uow:
        book = uow.addresses
        assert book.open_cases_by_phone("+8613912345678") == ["C-B0001"]
        assert book.open_cases_by_phone("+8613700001111") == ["C-B0002"]
        assert book.open_cases_by_email(" b1@example.CN ") == ["C-B0001"]
        assert book.open_cases_by_phone("+86139123456%") == []
    with engine.begin() as conn:
        conn.execute(
            update(t.borrowers)
            .where(t.borrowers.c.id == "B0002")
            .values(phones="+8613912345678", email="new@example.cn")
        )
    with uow:
        assert uow.addresses.open_cases_by_phone("+8613912345678") == ["C-B0001", "C-B0002"]
        assert uow.addresses.open_cases_by_phone("+8613700001111") == []
        assert uow.addresses.open_cases_by_email("new@example.cn") == ["C-B0002"]
    with engine.connect() as conn:
        digests = conn.execute(select(borrower_lookup.c.digest)).scalars().all()
    assert digests and not any("8613" in d for d in digests)


def test_a_reimport_with_a_new_phone_updates_the_row_and_the_index(engine, tmp_path) -> None:
    _import(engine, _portfolio(tmp_path))
    changed = [
        dict(BORROWERS[0], phones="13600000000", email="B1@Example.CN"),
        dict(BORROWERS[1], email=""),
    ]
    report = import_portfolio(
        SqlUnitOfWork(engine),
        [write_portfolio(tmp_path / "q", borrowers=changed)],
        ImportOptions(as_of=AS_OF, now=NOW),
    )
    assert report.summaries["borrowers"].changed == 1
    again = import_portfolio(
        SqlUnitOfWork(engine),
        [write_portfolio(tmp_path / "r", borrowers=changed)],
        ImportOptions(as_of=AS_OF, now=NOW),
    )
    assert again.summaries["borrowers"].changed == 0  # same values, new nonces: no change
    with SqlUnitOfWork(engine) as uow:
        assert uow.addresses.open_cases_by_phone("+8613600000000") == ["C-B0001"]
        assert uow.addresses.open_cases_by_phone("+8613812345678") == []


def test_rotation_reencrypts_every_row_and_the_app_still_reads_them(engine, tmp_path) -> None:
    _import(engine, _portfolio(tmp_path))
    old = crypto.keyring()
    new = kr.add_data_key(old)
    crypto.use_keyring(new)
    lines: list[tuple[int, int]] = []

    rewritten = kr.reencrypt(engine, new, lambda done, total: lines.append((done, total)))

    assert rewritten == 2 and lines[-1] == (2, 2)
    assert kr.usage(engine, new) == {new.active: 6}  # 1 ID number, 2 phones, 1 e-mail, 2 addresses
    assert "enc1:t1:" not in _raw_text(engine)
    with engine.connect() as conn:
        assert (
            conn.execute(
                select(t.borrowers.c.national_id).where(t.borrowers.c.id == "B0001")
            ).scalar_one()
            == "11010519491231002X"
        )
    with pytest.raises(FairdebtError):
        kr.retire(engine, new, new.active)
    smaller = kr.retire(engine, new, "t1")
    crypto.use_keyring(smaller)
    with SqlUnitOfWork(engine) as uow:
        assert uow.addresses.open_cases_by_phone("+8613912345678") == ["C-B0001"]
    assert kr.reencrypt(engine, smaller) == 0  # nothing left to do: a rerun is harmless


def test_retiring_a_key_still_in_use_is_refused(engine, tmp_path) -> None:
    _import(engine, _portfolio(tmp_path))
    new = kr.add_data_key(crypto.keyring())
    with pytest.raises(FairdebtError) as caught:
        kr.retire(engine, new, "t1")
    assert "still encrypted" in caught.value.cause


def test_a_new_index_key_is_a_reindex(engine, tmp_path) -> None:
    _import(engine, _portfolio(tmp_path))
    ring = kr.new_index_key(crypto.keyring())

    assert kr.reindex(engine, ring) == 4
    with SqlUnitOfWork(engine) as uow:
        assert uow.addresses.open_cases_by_email("b1@example.cn") == ["C-B0001"]


def test_a_missing_or_wrong_key_is_a_fairdebt_error(engine, tmp_path, monkeypatch) -> None:
    _import(engine, _portfolio(tmp_path))
    other = base64.b64encode(os.urandom(32)).decode()
    monkeypatch.setenv("FAIRDEBT_DATA_KEYS", f"t1:{other}")
    crypto.use_keyring(crypto.load_keyring(load_settings()))
    with engine.connect() as conn, pytest.raises(FairdebtError) as wrong:
        conn.execute(select(t.borrowers.c.phones)).all()
    assert "does not decrypt" in wrong.value.cause
    monkeypatch.setenv("FAIRDEBT_DATA_KEYS", f"t9:{other}")
    crypto.use_keyring(crypto.load_keyring(load_settings()))
    with engine.connect() as conn, pytest.raises(FairdebtError) as missing:
        conn.execute(select(t.borrowers.c.phones)).all()
    assert "'t1', which is not in the keyring" in missing.value.cause
    for bad in ("t1:short", "t1", "t1:" + "A" * 44 + ",t1:" + other, "t 1:" + other):
        monkeypatch.setenv("FAIRDEBT_DATA_KEYS", bad)
        with pytest.raises(FairdebtError):
            crypto.load_keyring(load_settings())
    monkeypatch.setenv("FAIRDEBT_DATA_KEYS", f"t1:{other}")
    monkeypatch.delenv("FAIRDEBT_INDEX_KEY")
    with pytest.raises(FairdebtError, match="FAIRDEBT_INDEX_KEY"):
        crypto.load_keyring(load_settings())


def test_with_no_setting_a_key_file_is_made_once_mode_0600(monkeypatch, data_dir) -> None:
    monkeypatch.delenv("FAIRDEBT_DATA_KEYS")
    monkeypatch.delenv("FAIRDEBT_INDEX_KEY")
    first = crypto.load_keyring(load_settings())
    path = data_dir / "data-keys"

    assert path.stat().st_mode & 0o777 == 0o600
    again = crypto.load_keyring(load_settings())
    assert again.data == first.data and again.index == first.index
    path.write_text("data k1 not-base64\nindex x1 AAAA\n", encoding="utf-8")
    with pytest.raises(FairdebtError):
        crypto.load_keyring(load_settings())


def _first_use(path: str, start: Any, keys: Any) -> None:
    """One process starting on a fresh data directory: load (make) the key file."""
    start.wait()
    ring = crypto.load_keyring(load_settings(data_dir=Path(path)))
    keys.put((ring.data, ring.index))


def test_processes_starting_together_on_a_fresh_folder_share_one_key(monkeypatch, tmp_path) -> None:
    """Six processes make the key file at the same instant: all of them must seal with the
    key the file keeps. (A check-then-replace let each keep its own, and every value sealed
    by the losers was unreadable after a restart.)"""
    monkeypatch.delenv("FAIRDEBT_DATA_KEYS")
    monkeypatch.delenv("FAIRDEBT_INDEX_KEY")
    context = multiprocessing.get_context("fork")
    for attempt in range(5):
        folder = tmp_path / f"fresh-{attempt}"
        start, keys = context.Barrier(6), context.Queue()
        workers = [
            context.Process(target=_first_use, args=(str(folder), start, keys)) for _ in range(6)
        ]
        for worker in workers:
            worker.start()
        got = [keys.get(timeout=30) for _ in workers]
        for worker in workers:
            worker.join(timeout=30)
            assert worker.exitcode == 0
        on_file = crypto.read_key_file(folder / "data-keys")
        assert set(got) == {(on_file.data, on_file.index)}
        assert sorted(p.name for p in folder.iterdir()) == ["data-keys"]  # no temporary left


def test_the_migration_encrypts_a_populated_database_and_downgrades(engine, tmp_path) -> None:
    _import(engine, _portfolio(tmp_path))
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0018_visit_media")
    plain = _raw_text(engine)
    assert "13812345678" in plain and "11010519491231002X" in plain and "enc1:" not in plain

    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")

    assert current_revision(engine) == head_revision()
    assert not [s for s in SECRETS if s in _raw_text(engine)]
    with SqlUnitOfWork(engine) as uow:
        assert uow.addresses.open_cases_by_phone("+8613812345678") == ["C-B0001"]
        assert uow.addresses.open_cases_by_email("b1@example.cn") == ["C-B0001"]
    with engine.connect() as conn:
        cities = conn.execute(select(t.borrowers.c.address).order_by(t.borrowers.c.id)).scalars()
        assert list(cities) == ["北京市朝阳区建国路88号", "上海市浦东新区世纪大道100号"]
