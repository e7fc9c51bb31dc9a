"""The sealed object format (adapters/db/crypto.py, adapters/evidence/sealing.py): a header
naming the key, bound with the reference as associated data; anything else is not opened."""

from __future__ import annotations

import pytest

from fairdebt.adapters.db.crypto import (
    OBJECT_MAGIC,
    Keyring,
    KeyringError,
    UnknownKey,
    object_header,
    object_key,
)
from fairdebt.adapters.evidence import sealing
from fairdebt.domain.evidence import ref_of

RING = Keyring((("k2", b"\x02" * 32), ("k1", b"\x01" * 32)), ("x1", b"\x03" * 32))


@pytest.mark.parametrize("data", [b"", b"\x00" * 5, "退订".encode() * 1000, bytes(range(256))])
def test_an_object_opens_to_its_bytes_under_its_own_reference_only(data: bytes) -> None:
    ref = ref_of(data)
    stored = sealing.seal(ref, data, RING)

    assert stored.startswith(object_header("k2")) and len(stored) == len(data) + 8 + 12 + 16
    assert sealing.unseal(ref, stored, RING) == data
    assert sealing.unseal(ref_of(b"other"), stored, RING) is None  # moved: does not open
    assert sealing.seal(ref, data, RING) != stored  # a fresh nonce each time


def test_an_older_key_still_opens_and_an_unknown_one_is_named() -> None:
    older = Keyring((("k1", b"\x01" * 32),), ("x1", b"\x03" * 32))
    ref = ref_of(b"sms")
    stored = sealing.seal(ref, b"sms", older)

    assert sealing.key_of(stored) == "k1" and sealing.unseal(ref, stored, RING) == b"sms"
    with pytest.raises(UnknownKey, match="'k2'"):
        older.open_bytes(sealing.seal(ref, b"sms", RING), sealing.where_of(ref))


@pytest.mark.parametrize(
    "stored",
    [
        b"",
        OBJECT_MAGIC,
        OBJECT_MAGIC + b"\x01",
        OBJECT_MAGIC + b"\x02\x02k1" + b"\x00" * 40,  # a format version this release lacks
        OBJECT_MAGIC + b"\x01\xffk1",  # a key id longer than the object
        OBJECT_MAGIC + b"\x01\x02\xe9\x01" + b"\x00" * 40,  # not ASCII
        OBJECT_MAGIC + b"\x01\x02k/" + b"\x00" * 40,  # not a key id
        OBJECT_MAGIC + b"\x01\x00" + b"\x00" * 40,  # an empty key id
        b"%PDF-1.7\n",
    ],
)
def test_what_has_no_well_formed_header_is_not_a_sealed_object(stored: bytes) -> None:
    assert object_key(stored) is None and sealing.key_of(stored) == ""
    with pytest.raises(KeyringError):
        RING.open_bytes(stored, b"evidence:x")
    assert sealing.unseal(ref_of(b"x"), stored, RING) is None  # and it is not the evidence


def test_a_header_without_a_body_does_not_open() -> None:
    ref = ref_of(b"x")
    for cut in (object_header("k2"), object_header("k2") + b"\x00" * 12):
        assert sealing.unseal(ref, cut, RING) is None
