"""`fairdebt keys` over the evidence store as an operator runs it, with the key file made on
first use (SQLite): `list` counts objects per key (and those kept in the clear), `rotate`
re-seals them, `--retire` is refused while one object still uses the old key."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from key_cli_steps import old_key_active, retire_refused_then_done

from fairdebt.adapters.db import crypto
from fairdebt.adapters.evidence import sealing
from fairdebt.adapters.evidence.fs import FileEvidenceStore
from fairdebt.settings import load_settings

SMS = "【示例银行】张三您好，您尾号1234的借款已逾期。To: 13800138000".encode()
OLD = "【示例银行】李四您好，请及时还款。".encode()  # an object an older release wrote in the clear
LATE = "【示例银行】王五您好，请及时还款。".encode()


@pytest.fixture(autouse=True)
def _own_keyring() -> Iterator[None]:
    """Each test starts from the keys its settings name and leaves none of its own behind."""
    crypto.use_keyring(None)
    yield
    crypto.use_keyring(None)


def _kid(store: FileEvidenceStore, ref: str) -> str:
    return sealing.key_of(store.path_of(ref).read_bytes())


def test_keys_list_rotate_and_retire_cover_the_evidence(fairdebt, data_dir, monkeypatch) -> None:
    monkeypatch.delenv("FAIRDEBT_DATA_KEYS")
    monkeypatch.delenv("FAIRDEBT_INDEX_KEY")
    crypto.use_keyring(crypto.load_keyring(load_settings()))  # a new user's: the key file
    store = FileEvidenceStore(data_dir / "evidence")
    sealed = store.put(SMS, "text/plain")
    clear = "sha256:" + hashlib.sha256(OLD).hexdigest()
    store.replace(clear, OLD)
    assert _kid(store, sealed) == "k1" and b"13800138000" not in store.path_of(sealed).read_bytes()

    listed = fairdebt("keys", "list")
    assert listed.returncode == 0, listed.stderr
    assert "1 values (evidence 1)" in listed.stdout
    assert "not encrypted: 1 evidence objects" in listed.stdout

    rotated = fairdebt("keys", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    assert "2 evidence objects sealed again" in rotated.stderr + rotated.stdout
    assert _kid(store, sealed) == "k2" and _kid(store, clear) == "k2"
    crypto.use_keyring(None)  # this process reads the key file as it is now
    assert store.get(sealed) == SMS and store.get(clear) == OLD
    assert oct(store.path_of(clear).stat().st_mode & 0o777) == oct(0o444)

    # A process still sealing with k1 stores one more message.
    old_key_active(data_dir)
    late = store.put(LATE, "text/plain")
    assert _kid(store, late) == "k1"
    retire_refused_then_done(fairdebt, data_dir, "1 in evidence")
    assert {_kid(store, r) for r in (sealed, clear, late)} == {"k3"}
    verified = fairdebt("keys", "list")
    assert "3 values (evidence 3)" in verified.stdout and "not encrypted" not in verified.stdout
    assert [store.get(r) for r in (sealed, clear, late)] == [SMS, OLD, LATE]


def test_an_altered_object_stops_the_rotation_by_name(fairdebt, data_dir: Path) -> None:
    store = FileEvidenceStore(data_dir / "evidence")
    ref = store.put(SMS, "text/plain")
    store.replace(ref, store.path_of(ref).read_bytes()[:-1])

    rotated = fairdebt("keys", "rotate")  # FAIRDEBT_DATA_KEYS: re-seal under its first key

    assert rotated.returncode == 0, rotated.stderr  # t1 is active already: nothing to re-seal
    clear = "sha256:" + hashlib.sha256(OLD).hexdigest()
    store.replace(clear, OLD[:-1])  # in the clear and altered
    refused = fairdebt("keys", "rotate")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert f"1 evidence objects do not open and were left as they are (first: {clear})" in (
        refused.stderr
    )
    assert "fairdebt audit verify" in refused.stderr


def test_a_running_process_reads_objects_sealed_under_a_key_made_since(
    data_dir, monkeypatch
) -> None:
    monkeypatch.delenv("FAIRDEBT_DATA_KEYS")
    monkeypatch.delenv("FAIRDEBT_INDEX_KEY")
    path = data_dir / "data-keys"
    first = crypto.load_keyring(load_settings())
    crypto.use_keyring(first)  # a worker started before the rotation
    store = FileEvidenceStore(data_dir / "evidence")
    ref = "sha256:" + hashlib.sha256(SMS).hexdigest()
    rotated = replace(first, data=(("k2", b"\x02" * 32), *first.data), _ciphers={})
    crypto.write_key_file(path, rotated)  # `fairdebt keys rotate` in another process
    store.replace(ref, sealing.seal(ref, SMS, crypto.read_key_file(path)))

    assert store.get(ref) == SMS and store.check(ref) == "ok"
    assert crypto.keyring().active == "k2"  # and it now seals with the new key too
