"""Evidence on the local filesystem: `root/sha256/<first 2 hex>/<other 62 hex>`, read-only.

An object is written once and atomically — a temporary file in the object's own directory,
flushed to disk, made read-only, renamed over the final name, and the directory flushed too —
so a reader (or a crash, or a full disk) never sees half an object. Two writers of the same
bytes race harmlessly: both rename identical content onto one name. Putting bytes that are
already there writes nothing. The media type is not kept: the bytes are the evidence (a
letter's PDF, an e-mail's MIME text say what they are).
"""

from __future__ import annotations

import errno
import stat
from pathlib import Path

from fairdebt.adapters.evidence.refs import digest_of, matches, ref_of
from fairdebt.adapters.files import fsync_directory, write_atomically
from fairdebt.errors import FairdebtError, StorageFull
from fairdebt.services.ports.evidence import Check

FULL = frozenset({errno.ENOSPC, errno.EDQUOT})  # no room left, or the user's quota is used up
READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH  # 0o444: nobody writes it in place


class FileEvidenceStore:
    """`EvidenceStore` on a directory (module docstring)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_of(self, ref: str) -> Path:
        """Where the object named `ref` lives (the reference is validated first)."""
        digest = digest_of(ref)
        return self.root / "sha256" / digest[:2] / digest[2:]

    def put(self, data: bytes, media_type: str) -> str:
        ref = ref_of(data)
        target = self.path_of(ref)
        if target.exists():
            return ref
        try:
            _ensure_dir(target.parent)
            write_atomically(target, data, mode=READ_ONLY)
        except OSError as exc:
            if exc.errno in FULL:
                raise StorageFull(
                    f"the disk is full at {self.root}: evidence object {ref} "
                    f"({len(data):,} bytes) was not stored ({exc.strerror})",
                    hint=f"free space or grow the filesystem under {self.root}; nothing was "
                    "recorded, so the same action can be retried",
                ) from None
            raise FairdebtError(
                f"cannot store evidence in {self.root}: {exc.strerror or exc}",
                hint="check that FAIRDEBT_EVIDENCE_URL names a writable directory",
            ) from None
        return ref

    def get(self, ref: str) -> bytes:
        path = self.path_of(ref)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise FairdebtError(
                f"no evidence object {ref} in {self.root}",
                hint="run `fairdebt audit verify` to list every missing object",
            ) from None
        if not matches(ref, data):
            raise FairdebtError(
                f"evidence object {ref} does not match its hash (altered or truncated)",
                hint="run `fairdebt audit verify`; restore the object from a backup",
            )
        return data

    def check(self, ref: str) -> Check:
        path = self.path_of(ref)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return "missing"
        return "ok" if matches(ref, data) else "mismatch"


def _ensure_dir(directory: Path) -> None:
    """Make `directory` (and `sha256/` above it) and flush each new entry to its parent."""
    missing = [d for d in (directory.parent, directory) if not d.is_dir()]
    for made in missing:
        made.mkdir(parents=True, exist_ok=True)
        fsync_directory(made.parent)
