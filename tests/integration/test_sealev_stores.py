"""Evidence objects sealed at rest, on the filesystem and on S3 (moto's server): the stored
bytes show no phone or text while `get` returns them exactly; an object moved to another
reference, cut short or altered reads as altered; an object written in the clear by an older
release still reads; a rotation re-seals every object under the new key and retire waits."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_evidence_s3 import BUCKET, _raw, endpoint  # noqa: F401  (moto's server, reused)

from fairdebt.adapters.db import crypto
from fairdebt.adapters.db.key_rotation import add_data_key, evidence_usage, reseal_evidence
from fairdebt.adapters.evidence import open_evidence_store, sealing
from fairdebt.adapters.evidence.fs import FileEvidenceStore
from fairdebt.adapters.evidence.s3 import S3EvidenceStore
from fairdebt.errors import FairdebtError
from fairdebt.services.ports.evidence import EvidenceBackend

PHONE = "13800138000"
BODY = "【示例银行】张三您好，您尾号1234的借款已逾期，请致电4008001234。"
SMS = f"To: {PHONE}\n{BODY}".encode()
OTHER = "【示例银行】李四您好，请及时还款。".encode()


@pytest.fixture
def ring() -> Iterator[crypto.Keyring]:
    """The process's keyring (the tests' keys), put back after the test changed it."""
    before = crypto.keyring()
    yield before
    crypto.use_keyring(before)


@pytest.fixture(params=["fs", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path, ring: crypto.Keyring) -> EvidenceBackend:
    if request.param == "fs":
        return FileEvidenceStore(tmp_path / "evidence")
    url = request.getfixturevalue("endpoint")
    # moto keeps its buckets for the whole process: a prefix of this test's own
    prefix = f"sealev-{uuid.uuid4().hex}"
    made = open_evidence_store(f"s3://{BUCKET}/{prefix}?endpoint={url}&region=us-east-1", tmp_path)
    assert isinstance(made, S3EvidenceStore)
    return made


def _at_rest(store: EvidenceBackend, ref: str) -> bytes:
    """The object's bytes read past the store: the file, or the bucket's object."""
    if isinstance(store, FileEvidenceStore):
        return store.path_of(ref).read_bytes()
    assert isinstance(store, S3EvidenceStore)
    answer = _raw(store.endpoint_url).get_object(Bucket=BUCKET, Key=store.key_of(ref))
    return bytes(answer["Body"].read())


def test_stored_bytes_show_no_phone_nor_text_and_get_returns_them(store: EvidenceBackend) -> None:
    ref = store.put(SMS, "text/plain; charset=utf-8")

    stored = _at_rest(store, ref)
    assert ref == "sha256:" + hashlib.sha256(SMS).hexdigest()  # the plain bytes' name
    assert PHONE.encode() not in stored and "逾期".encode() not in stored
    assert b"1234" not in stored and b"To:" not in stored
    assert sealing.key_of(stored) == "t1"
    assert store.get(ref) == SMS and store.check(ref) == "ok"
    assert store.put(SMS, "text/plain") == ref and _at_rest(store, ref) == stored  # not again


def test_an_object_moved_to_another_reference_is_altered(store: EvidenceBackend) -> None:
    sms, other = store.put(SMS, "text/plain"), store.put(OTHER, "text/plain")

    store.replace(other, _at_rest(store, sms))  # someone with the disk or bucket copies it

    assert store.check(other) == "mismatch" and store.check(sms) == "ok"
    with pytest.raises(FairdebtError, match="does not match its hash"):
        store.get(other)


@pytest.mark.parametrize("cut", [1, 16, 17, 40, 1_000])
def test_a_truncated_sealed_object_is_altered(store: EvidenceBackend, cut: int) -> None:
    ref = store.put(SMS, "text/plain")
    stored = _at_rest(store, ref)

    store.replace(ref, stored[: max(len(stored) - cut, 0)])

    assert store.check(ref) == "mismatch"
    with pytest.raises(FairdebtError, match="does not match its hash"):
        store.get(ref)


def test_a_flipped_bit_anywhere_is_altered(store: EvidenceBackend) -> None:
    ref = store.put(OTHER, "text/plain")
    stored = bytearray(_at_rest(store, ref))
    for at in (0, 4, 8, 12, 30, len(stored) - 1):  # magic, version, kid, nonce, text, tag
        flipped = bytearray(stored)
        flipped[at] ^= 0x01
        store.replace(ref, bytes(flipped))
        assert store.check(ref) == "mismatch", at
    flipped = bytearray(stored)
    flipped[5] ^= 0x01  # the key id's length: "t1" and a random nonce byte, or no key id at all
    store.replace(ref, bytes(flipped))
    try:
        assert store.check(ref) == "mismatch"
    except crypto.KeyringError as exc:
        assert "not in the keyring" in exc.cause
    for kid in (b"t0", b"k9"):  # another key id: named as a key this keyring lacks, never "ok"
        store.replace(ref, bytes(stored[:6]) + kid + bytes(stored[8:]))
        with pytest.raises(crypto.KeyringError, match="not in the keyring"):
            store.check(ref)
    store.replace(ref, bytes(stored))
    assert store.check(ref) == "ok"


def test_an_object_written_in_the_clear_still_reads_and_checks(store: EvidenceBackend) -> None:
    ref = "sha256:" + hashlib.sha256(SMS).hexdigest()
    store.replace(ref, SMS)  # as the store wrote before objects were sealed

    assert store.get(ref) == SMS and store.check(ref) == "ok"
    assert store.put(SMS, "text/plain") == ref and _at_rest(store, ref) == SMS  # writes nothing
    looks_sealed = crypto.object_header("t1") + b"an upload that begins like a sealed object"
    odd = store.put(looks_sealed, "application/octet-stream")
    store.replace(odd, looks_sealed)  # kept in the clear by an older release
    assert store.get(odd) == looks_sealed and store.check(odd) == "ok"


def test_an_object_under_an_unknown_key_is_named_not_called_altered(
    store: EvidenceBackend, ring: crypto.Keyring
) -> None:
    ref = store.put(SMS, "text/plain")
    stranger = add_data_key(ring)  # a key this process's keyring does not have
    store.replace(ref, sealing.seal(ref, SMS, stranger))

    with pytest.raises(crypto.KeyringError, match=f"key '{stranger.active}'"):
        store.check(ref)


def test_rotation_reseals_every_object_and_get_is_unchanged(
    store: EvidenceBackend, ring: crypto.Keyring
) -> None:
    sealed = store.put(SMS, "text/plain")
    clear = "sha256:" + hashlib.sha256(OTHER).hexdigest()
    store.replace(clear, OTHER)
    assert sorted(store.refs()) == sorted([sealed, clear])
    assert evidence_usage(store) == {"t1": 1, "": 1}

    rotated = add_data_key(ring)
    crypto.use_keyring(rotated)
    assert reseal_evidence(store, rotated) == (2, [])

    assert evidence_usage(store) == {rotated.active: 2}
    assert sealing.key_of(_at_rest(store, sealed)) == rotated.active
    assert OTHER not in _at_rest(store, clear)
    assert store.get(sealed) == SMS and store.get(clear) == OTHER
    assert reseal_evidence(store, rotated) == (0, [])  # nothing left to do


def test_rotation_leaves_an_altered_object_as_it_is(
    store: EvidenceBackend, ring: crypto.Keyring
) -> None:
    good, bad = store.put(SMS, "text/plain"), store.put(OTHER, "text/plain")
    forged = _at_rest(store, bad)[:-3] + b"xyz"
    store.replace(bad, forged)

    rotated = add_data_key(ring)
    assert reseal_evidence(store, rotated) == (1, [bad])

    assert _at_rest(store, bad) == forged
    crypto.use_keyring(rotated)
    assert store.check(good) == "ok" and store.check(bad) == "mismatch"


def test_a_bundle_from_a_sealed_store_carries_the_plain_bytes(tmp_path: Path) -> None:
    """Bundles are for a regulator, verified offline without the keys: the plaintext."""
    import base64
    import json
    from datetime import UTC, datetime

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from fakes import FakeUnitOfWork

    from fairdebt import audit_verifier
    from fairdebt.adapters.signing import SigningKey
    from fairdebt.domain.events import NewEvent
    from fairdebt.services.anchor import make_checkpoint
    from fairdebt.services.bundle import make_bundle

    at, key = datetime(2026, 12, 1, 9, 0, tzinfo=UTC), SigningKey(Ed25519PrivateKey.generate())
    store, uow = FileEvidenceStore(tmp_path / "evidence"), FakeUnitOfWork()
    ref = store.put(SMS, "text/plain")
    with uow:
        uow.events.append("C-1", NewEvent("contact_attempted", "u1", {"evidence": ref}), at)
        uow.commit()
    make_checkpoint(uow, key, at)

    raw, _ = make_bundle(uow, "C-1", store)

    assert base64.b64decode(json.loads(raw)["evidence"][ref]) == SMS
    checked = audit_verifier.verify(raw, key.public)
    assert checked.problems == [] and any("1 object(s) match" in p for p in checked.passed)


def test_every_object_is_listed_across_pages(
    store: EvidenceBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fairdebt.adapters.evidence import s3

    monkeypatch.setattr(s3, "LIST_PAGE", 2)  # five objects: three listing requests on S3
    refs = {store.put(f"短信 {i}".encode(), "text/plain") for i in range(5)}

    assert sorted(store.refs()) == sorted(refs)


def test_counting_keys_reads_each_object_s_header_not_the_object(
    store: EvidenceBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = SMS + bytes(200_000)  # a letter-sized object
    sealed_ref = store.put(big, "application/pdf")
    ref = "sha256:" + hashlib.sha256(b"").hexdigest()  # an empty object from an older release
    if isinstance(store, FileEvidenceStore):
        path = store.path_of(ref)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
    else:
        assert isinstance(store, S3EvidenceStore)
        _raw(store.endpoint_url).put_object(Bucket=BUCKET, Key=store.key_of(ref), Body=b"")

    header = store.head(sealed_ref, sealing.HEADER_BYTES)
    assert header is not None and len(header) == sealing.HEADER_BYTES
    assert _at_rest(store, sealed_ref).startswith(header)
    assert store.head(ref, sealing.HEADER_BYTES) == b""
    assert store.head("sha256:" + "0" * 64, 10) is None

    def whole(_ref: str) -> bytes:
        raise AssertionError("counting keys read a whole object")

    monkeypatch.setattr(store, "stored", whole)
    assert evidence_usage(store) == {crypto.keyring().active: 1, "": 1}
