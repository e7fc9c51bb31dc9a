"""Evidence on the local filesystem: `root/sha256/<first 2 hex>/<other 62 hex>`, read-only.

An object is written once and atomically — a temporary file in the object's own directory,
flushed to disk, made read-only, renamed over the final name, and the directory flushed too —
so a reader (or a crash, or a full disk) never sees half an object. Two writers of the same
bytes race harmlessly: each renames a whole sealing of those bytes onto one name (the nonces
differ; either opens to the same bytes). Putting bytes that are
already there writes nothing. The media type is not kept: the bytes are the evidence (a
letter's PDF, an e-mail's MIME text say what they are).

Each object is stored sealed under the active personal-data key (sealing.py): the file holds
no phone, address or text in the clear, while the reference is the SHA-256 of the plain bytes.
`refs`, `stored` and `replace` are for key rotation and backups (ports/evidence.py
EvidenceObjects): a re-sealed object replaces the old one the same atomic way.
"""

from __future__ import annotations

import errno
import stat
from collections.abc import Iterator
from pathlib import Path

from fairdebt.adapters.evidence import sealing
from fairdebt.adapters.evidence.refs import digest_of, ref_of
from fairdebt.adapters.files import fsync_directory, write_atomically
from fairdebt.domain.evidence import PREFIX, is_ref
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
            write_atomically(target, sealing.seal(ref, data), mode=READ_ONLY)
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
        stored = self.stored(ref)
        if stored is None:
            raise FairdebtError(
                f"no evidence object {ref} in {self.root}",
                hint="run `fairdebt audit verify` to list every missing object",
            )
        data = sealing.unseal(ref, stored)
        if data is None:
            raise FairdebtError(
                f"evidence object {ref} does not match its hash (altered or truncated)",
                hint="run `fairdebt audit verify`; restore the object from a backup",
            )
        return data

    def check(self, ref: str) -> Check:
        stored = self.stored(ref)
        if stored is None:
            return "missing"
        return "ok" if sealing.unseal(ref, stored) is not None else "mismatch"

    def refs(self) -> Iterator[str]:
        for path in self.root.glob("sha256/??/*"):
            ref = f"{PREFIX}{path.parent.name}{path.name}"
            if is_ref(ref) and path.is_file():  # not a writer's temporary `.name.part`
                yield ref

    def stored(self, ref: str) -> bytes | None:
        try:
            return self.path_of(ref).read_bytes()
        except FileNotFoundError:
            return None

    def head(self, ref: str, size: int) -> bytes | None:
        try:
            with self.path_of(ref).open("rb") as file:
                return file.read(size)
        except FileNotFoundError:
            return None

    def replace(self, ref: str, stored: bytes) -> None:
        target = self.path_of(ref)
        try:
            _ensure_dir(target.parent)
            write_atomically(target, stored, mode=READ_ONLY)
        except OSError as exc:
            raise FairdebtError(
                f"cannot rewrite evidence object {ref} in {self.root}: {exc.strerror or exc}",
                hint="check that the directory is writable and has room; the object is unchanged",
            ) from None


def _ensure_dir(directory: Path) -> None:
    """Make `directory` (and `sha256/` above it) and flush each new entry to its parent."""
    missing = [d for d in (directory.parent, directory) if not d.is_dir()]
    for made in missing:
        made.mkdir(parents=True, exist_ok=True)
        fsync_directory(made.parent)
