"""Evidence objects sealed at rest with the personal-data keys (adapters/db/crypto.py).

A stored object is `crypto.object_header(kid) | nonce | AES-256-GCM(ciphertext | tag)`, the
header and `b"evidence:" + ref` its associated data: an object copied or moved under another
reference does not open, and reads as altered. The reference stays the SHA-256 of the plain
bytes, and an opened object is hashed against it as a plain one always was.

An object written before objects were sealed (no header) reads and checks as it always did.
One whose plain bytes happen to begin like a header (an uploaded attachment can begin with
anything) is still recognised: when it does not open, bytes that hash to the reference are
the evidence.
"""

from __future__ import annotations

from fairdebt.adapters.db.crypto import (
    Keyring,
    KeyringError,
    UnknownKey,
    keyring,
    object_key,
    open_object,
)
from fairdebt.domain.evidence import matches

__all__ = ["HEADER_BYTES", "key_of", "matches", "seal", "unseal", "where_of"]


# A header is the magic (4 bytes), the format version, the key id's length and the key id
# (at most 255 bytes): these many first bytes always hold a whole one.
HEADER_BYTES = 6 + 255


def where_of(ref: str) -> bytes:
    """The associated data binding an object to its reference."""
    return b"evidence:" + ref.encode("ascii")


def seal(ref: str, data: bytes, ring: Keyring | None = None) -> bytes:
    """`data` (which `ref` names) as it is stored: sealed under the active key."""
    return (ring or keyring()).seal_bytes(data, where_of(ref))


def key_of(stored: bytes) -> str:
    """The key id an object was sealed with; "" for one kept in the clear."""
    return object_key(stored) or ""


def unseal(ref: str, stored: bytes, ring: Keyring | None = None) -> bytes | None:
    """The plain bytes behind `ref`, or None when the object is altered (it does not open, or
    what it holds does not hash to `ref`). UnknownKey when it names a key no keyring has
    (a configuration problem, not a verdict on the object); `ring` instead of the process's."""
    if object_key(stored) is not None:
        try:
            where = where_of(ref)
            plain = ring.open_bytes(stored, where) if ring else open_object(stored, where)
        except UnknownKey:
            if matches(ref, stored):
                return stored
            raise
        except KeyringError:
            plain = None
        if plain is not None and matches(ref, plain):
            return plain
    return stored if matches(ref, stored) else None
