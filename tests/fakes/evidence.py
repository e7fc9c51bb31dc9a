"""An in-memory evidence store (services/ports/evidence.py EvidenceBackend), for unit tests.

It keeps the bytes as given: sealing is the real stores' business (adapters/evidence/sealing.py,
tested against the filesystem and S3). `put`, `get`, `check` are the port every service uses;
`refs`, `stored`, `replace` are the objects as stored (EvidenceObjects), which key rotation and
backups walk; `replace` stands in for an object written by anyone (an old release, a tamperer).
"""

from __future__ import annotations

from collections.abc import Iterator

from fairdebt.domain.evidence import matches, ref_of
from fairdebt.errors import FairdebtError
from fairdebt.services.ports.evidence import Check


class FakeEvidenceStore:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put(self, data: bytes, media_type: str) -> str:
        ref = ref_of(data)
        self.objects.setdefault(ref, data)  # bytes already there: nothing written
        return ref

    def get(self, ref: str) -> bytes:
        data = self.objects.get(ref)
        if data is None:
            raise FairdebtError(f"no evidence object {ref}", hint="run `fairdebt audit verify`")
        if not matches(ref, data):
            raise FairdebtError(f"evidence object {ref} does not match its hash", hint="restore it")
        return data

    def check(self, ref: str) -> Check:
        data = self.objects.get(ref)
        if data is None:
            return "missing"
        return "ok" if matches(ref, data) else "mismatch"

    def refs(self) -> Iterator[str]:
        return iter(list(self.objects))

    def stored(self, ref: str) -> bytes | None:
        return self.objects.get(ref)

    def head(self, ref: str, size: int) -> bytes | None:
        stored = self.objects.get(ref)
        return None if stored is None else stored[:size]

    def replace(self, ref: str, stored: bytes) -> None:
        self.objects[ref] = stored
