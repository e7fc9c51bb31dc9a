"""The evidence store: the exact bytes of every message sent, kept by their SHA-256.

A case event names an object by its reference, `sha256:<64 hex digits>`; the bytes behind it can
be checked against the name at any time (`fairdebt audit verify`). Storing the same bytes twice
stores them once. Implementations: the local filesystem (default) and S3-compatible object
storage (adapters/evidence).
"""

from __future__ import annotations

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
