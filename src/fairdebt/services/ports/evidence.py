"""The evidence store: the exact bytes of every message sent, kept by their SHA-256.

A case event names an object by its reference, `sha256:<64 hex digits>`; the bytes behind it can
be checked against the name at any time (`fairdebt audit verify`). Storing the same bytes twice
stores them once. Implementations: the local filesystem (default) and S3-compatible object
storage (adapters/evidence). Both keep each object sealed under the personal-data keys
(docs/security.md, Encryption at rest): `get` and `check` see the plain bytes, the reference is
their SHA-256, and nothing that reads a reference knows the objects are encrypted.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal, Protocol

Check = Literal["ok", "missing", "mismatch"]


class EvidenceStore(Protocol):
    def put(self, data: bytes, media_type: str) -> str:
        """Keep `data` and return its reference `sha256:<hex>` (idempotent)."""
        ...

    def get(self, ref: str) -> bytes:
        """The bytes behind `ref` (FairdebtError if there are none)."""
        ...

    def check(self, ref: str) -> Check:
        """Whether the object exists and its bytes still hash to its name."""
        ...


class EvidenceObjects(Protocol):
    """The objects as stored (sealed, or in the clear when written before sealing): what key
    rotation and backups walk and copy, never what a reader of evidence uses."""

    def refs(self) -> Iterator[str]:
        """The reference of every object in the store, in no particular order."""
        ...

    def stored(self, ref: str) -> bytes | None:
        """The bytes kept under `ref` exactly as stored (None when there is no object)."""
        ...

    def head(self, ref: str, size: int) -> bytes | None:
        """The first `size` bytes kept under `ref` (all of them when fewer; None when there is
        no object): enough to read a sealed object's key id without fetching the object."""
        ...

    def replace(self, ref: str, stored: bytes) -> None:
        """Keep `stored` under `ref` in place of what is there, whole or not at all (a crash
        leaves the old bytes or the new). The caller vouches that they open to `ref`."""
        ...


class EvidenceBackend(EvidenceStore, EvidenceObjects, Protocol):
    """A store as the composition root builds it: the port, and its objects for maintenance."""
