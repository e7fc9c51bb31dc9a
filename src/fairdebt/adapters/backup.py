"""`fairdebt backup` / `fairdebt restore`: one archive holding everything a deployment keeps
(docs/operations.md#backups).

The archive is a gzip-compressed tar:

    database/fairdebt.db | database/fairdebt.pgdump   a consistent copy (adapters/db/dump.py)
    evidence/sha256/<2 hex>/<62 hex>                   every object of a filesystem store,
                                                       as stored (sealed: evidence/sealing.py)
    evidence.txt                                       every reference the events name (S3)
    secrets/data/<path>                                every *.pem / *.key file of the data dir, and
                                                       the personal-data key file (data-keys)
    secrets/signing/<name>                             the signing key and its key list, if
                                                       kept outside the data dir
    checkpoints.txt                                    every checkpoint's publishable line
    manifest.json                                      last: what, when, and each member's
                                                       SHA-256 and size

The database is copied first and the evidence after: an event is logged only after its
evidence object was stored, so every object the copied events name is in the archive.
Checkpoints are listed before the copy, so each one listed is in it (the log is append-only).

A restore reads the whole archive into a staging folder and checks every member against the
manifest before it writes anything: a cut archive, a flipped byte, a missing or an extra member
is refused with what is wrong. Then it refuses a schema newer than this program's, another
database kind, a database that is not empty and a key file that differs from the one in place
(both unless forced), and an evidence object that does not open under the archive's key file
(or FAIRDEBT_DATA_KEYS) to the bytes its name hashes; only then are the database, the evidence
and the keys put in place. Objects go back as they were stored, sealed or not: a restore seals
nothing (the keys in place may not be the archive's until the very end).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import tempfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any, TypeVar

from fairdebt import __version__
from fairdebt.adapters.db import dump as db_dump
from fairdebt.adapters.db.crypto import Keyring, KeyringError, read_key_file, settings_keyring
from fairdebt.adapters.evidence import sealing
from fairdebt.domain.events import format_instant
from fairdebt.domain.evidence import PREFIX
from fairdebt.errors import FairdebtError
from fairdebt.services.audit import evidence_refs
from fairdebt.services.ports import UnitOfWork
from fairdebt.services.ports.evidence import EvidenceBackend, EvidenceStore

FORMAT = "fairdebt-backup/1"
MANIFEST = "manifest.json"
CHECKPOINTS = "checkpoints.txt"
EVIDENCE_LIST = "evidence.txt"
SECRET_PATTERNS = ("*.pem", "*.key")
CHUNK = 1 << 20
Progress = Callable[[str, int, int | None], None]  # step, done, total
T = TypeVar("T")


def _quiet(_step: str, _done: int, _total: int | None) -> None:
    return None


@dataclass(frozen=True, slots=True)
class Source:
    """What a backup copies (the composition root fills it from the settings)."""

    database_url: str
    data_dir: Path
    evidence: EvidenceStore
    evidence_root: Path | None  # a filesystem store's directory; None for S3
    key_files: tuple[Path, ...] = ()  # the signing key and its key list, wherever they are


@dataclass
class Written:
    path: Path
    database: str
    revision: str
    members: int = 0
    evidence_objects: int = 0
    secrets: list[str] = field(default_factory=list)
    bytes: int = 0


def backup(
    source: Source,
    uow: UnitOfWork,
    revision: str,
    out: Path,
    now: datetime,
    on_progress: Progress = _quiet,
) -> Written:
    """Write the archive (module docstring) to `out` (a directory: a new file named by the time
    in it). The file appears whole under its name or not at all."""
    target = _target(out, now)
    kind = db_dump.kind_of(source.database_url)
    written = Written(target, kind, revision)
    partial = target.with_name(f".{target.name}.part")
    try:
        with (
            tempfile.TemporaryDirectory(prefix="fairdebt-backup-") as scratch,
            partial.open("xb") as raw,
        ):
            with tarfile.open(fileobj=raw, mode="w:gz") as tar:
                archive = _Writer(tar)
                _write_all(archive, source, uow, Path(scratch), written, on_progress)
                archive.add_bytes(MANIFEST, _manifest(archive, written, now))
                written.members = len(archive.hashes)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, target)
    except FileExistsError:
        raise FairdebtError(
            f"{partial} exists: another backup is being written there, or one was cut short",
            hint="wait for it, or remove the .part file if no backup is running",
        ) from None
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise FairdebtError(
            f"cannot write the backup {target}: {exc.strerror or exc}",
            hint="check the --out folder is writable and has room (nothing was kept)",
        ) from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    written.bytes = target.stat().st_size
    return written


ARCHIVE_SUFFIXES = (".tar.gz", ".tgz")


def _target(out: Path, now: datetime) -> Path:
    """A folder (made if missing) gets an archive named by the time; a name ending in .tar.gz
    or .tgz is the archive itself. A missing path without that ending is a folder: the nightly
    `--out /var/backups/fairdebt` of the first night must not become a file named `fairdebt`
    that every later night refuses to overwrite."""
    if not out.exists() and not out.name.endswith(ARCHIVE_SUFFIXES):
        try:
            out.mkdir(parents=True)
        except OSError as exc:
            raise FairdebtError(
                f"cannot create the folder {out}: {exc.strerror}",
                hint="choose a writable --out folder, or an archive name ending in .tar.gz",
            ) from None
    if out.is_dir():
        return out / f"fairdebt-backup-{now.strftime('%Y%m%dT%H%M%SZ')}.tar.gz"
    if out.exists():
        raise FairdebtError(
            f"{out} exists; a backup never overwrites a file", hint="choose another --out"
        )
    if not out.parent.is_dir():
        raise FairdebtError(f"no folder {out.parent}", hint="create it, or choose another --out")
    return out


def _write_all(
    archive: _Writer,
    source: Source,
    uow: UnitOfWork,
    scratch: Path,
    written: Written,
    on_progress: Progress,
) -> None:
    with uow:
        lines = [c.line() for c in uow.checkpoints.all()]
    on_progress("copying the database", 0, 1)
    copy = scratch / ("fairdebt.db" if written.database == "sqlite" else "fairdebt.pgdump")
    db_dump.dump(source.database_url, copy)
    archive.add_file(f"database/{copy.name}", copy)
    on_progress("copying the database", 1, 1)
    archive.add_bytes(CHECKPOINTS, "".join(f"{line}\n" for line in lines).encode())
    if source.evidence_root is not None:
        written.evidence_objects = _add_evidence(archive, source.evidence_root, on_progress)
    with uow:
        refs = sorted({r.ref for e in uow.events.all_events() for r in evidence_refs(e)})
    archive.add_bytes(EVIDENCE_LIST, "".join(f"{ref}\n" for ref in refs).encode())
    for name, path in _secret_files(source):
        archive.add_file(name, path, secret=True)
        written.secrets.append(name)


def _add_evidence(archive: _Writer, root: Path, on_progress: Progress) -> int:
    objects = sorted(p for p in root.glob("sha256/??/*") if _is_object(p))
    for done, path in enumerate(objects, start=1):
        archive.add_file(f"evidence/{path.relative_to(root).as_posix()}", path)
        on_progress("copying evidence objects", done, len(objects))
    return len(objects)


def _is_object(path: Path) -> bool:
    """A stored object (not a writer's temporary `.name.part`)."""
    return path.is_file() and not path.name.startswith(".") and len(path.name) == 62


def _secret_files(source: Source) -> Iterator[tuple[str, Path]]:
    data_dir = source.data_dir.resolve()
    seen: set[Path] = set()
    if data_dir.is_dir():
        for pattern in SECRET_PATTERNS:
            for path in sorted(data_dir.rglob(pattern)):
                if path.is_file() and not path.is_symlink():
                    seen.add(path.resolve())
                    yield f"secrets/data/{path.relative_to(data_dir).as_posix()}", path
    for path in source.key_files:
        if not path.is_file() or path.resolve() in seen:
            continue
        if path.resolve().is_relative_to(data_dir):
            name = f"secrets/data/{path.resolve().relative_to(data_dir).as_posix()}"
        else:
            name = f"secrets/signing/{path.name}"
        seen.add(path.resolve())
        yield name, path


def _manifest(archive: _Writer, written: Written, now: datetime) -> bytes:
    document = {
        "format": FORMAT,
        "created_at": format_instant(now),
        "fairdebt_version": __version__,
        "alembic_revision": written.revision,
        "database": written.database,
        "evidence_objects": written.evidence_objects,
        "secret_members": written.secrets,
        "note": "members under secrets/ are private keys: keep this archive as secret as they",
        "members": {
            name: {"sha256": digest, "size": size}
            for name, (digest, size) in sorted(archive.hashes.items())
        },
    }
    return json.dumps(document, indent=1, sort_keys=True).encode() + b"\n"


class _Writer:
    """Adds members to the tar and keeps each one's SHA-256 and size for the manifest."""

    def __init__(self, tar: tarfile.TarFile) -> None:
        self.tar = tar
        self.hashes: dict[str, tuple[str, int]] = {}

    def add_bytes(self, name: str, data: bytes) -> None:
        self._add(name, io.BytesIO(data), len(data), secret=False)

    def add_file(self, name: str, path: Path, *, secret: bool = False) -> None:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            self._add(name, handle, size, secret=secret)

    def _add(self, name: str, handle: IO[bytes], size: int, *, secret: bool) -> None:
        info = tarfile.TarInfo(name)
        info.size = size
        info.mode = 0o600 if secret else 0o644
        hashing = _Hashing(handle)
        self.tar.addfile(info, hashing)
        self.hashes[name] = (hashing.digest.hexdigest(), size)


class _Hashing(io.RawIOBase):
    """A reader that hashes what tarfile reads through it."""

    def __init__(self, inner: IO[bytes]) -> None:
        self.inner = inner
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.inner.read(size)
        self.digest.update(data)
        return data


# --- restore ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Manifest:
    created_at: str
    version: str
    revision: str
    database: str
    members: dict[str, tuple[str, int]]
    secrets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Target:
    """Where a restore writes (the composition root fills it from the settings and --to)."""

    database_url: str
    data_dir: Path
    evidence: EvidenceBackend
    signing_dir: Path  # where secrets/signing/<name> go back (the signing key's folder)


@dataclass
class Restored:
    manifest: Manifest
    evidence_objects: int = 0
    secrets: list[Path] = field(default_factory=list)
    checkpoints: str = ""  # the archive's checkpoint lines: each must be in the restored log


class ArchiveRefused(FairdebtError):
    """The archive is cut, altered or not a fairdebt backup: nothing was written."""


def restore(
    archive: Path,
    target: Target,
    *,
    known_revision: Callable[[str], bool],
    force: bool,
    on_progress: Progress = _quiet,
) -> Restored:
    """Check the whole archive, then every refusal, then write (module docstring)."""
    staging_parent = target.data_dir if target.data_dir.is_dir() else None
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=staging_parent) as scratch:
        staged = Path(scratch)
        manifest = unpack(archive, staged, on_progress)
        _refusals(manifest, staged, target, known_revision=known_revision, force=force)
        _check_evidence(manifest, staged)
        return _put_in_place(manifest, staged, target, on_progress)


def unpack(archive: Path, staged: Path, on_progress: Progress = _quiet) -> Manifest:
    """Extract `archive` into `staged`, hashing as it goes; the manifest read and every member
    checked against it. ArchiveRefused names the first things wrong."""
    seen: dict[str, tuple[str, int]] = {}
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            for member in tar:
                name = _safe_name(member)
                if member.isdir():
                    continue
                seen[name] = _extract(tar, member, staged / name)
                on_progress("checking the archive", len(seen), None)
    except FileNotFoundError:
        raise FairdebtError(f"no archive at {archive}", hint="pass the file backup wrote") from None
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise ArchiveRefused(
            f"{archive} is cut short or damaged ({exc}); nothing was restored",
            hint="use the archive as `fairdebt backup` wrote it (compare its size and SHA-256 "
            "with the copy kept off-site)",
        ) from None
    manifest = _read_manifest(archive, staged, seen)
    problems = _compare(manifest.members, {k: v for k, v in seen.items() if k != MANIFEST})
    if problems:
        raise ArchiveRefused(
            f"{archive} does not match its manifest: {'; '.join(problems[:3])}"
            + (f" (and {len(problems) - 3} more)" if len(problems) > 3 else "")
            + "; nothing was restored",
            hint="the archive was altered or damaged: use another copy",
        )
    return manifest


def _safe_name(member: tarfile.TarInfo) -> str:
    path = PurePosixPath(member.name)
    bad = path.is_absolute() or ".." in path.parts or not (member.isfile() or member.isdir())
    if bad or not path.parts:
        raise ArchiveRefused(
            f"the archive holds {member.name!r}, which no fairdebt backup holds; nothing was "
            "restored",
            hint="restore only archives `fairdebt backup` wrote",
        )
    return path.as_posix()


def _extract(tar: tarfile.TarFile, member: tarfile.TarInfo, path: Path) -> tuple[str, int]:
    """Copy one member out, hashing it. A read error (a cut or damaged archive) propagates to
    `unpack`; a write error (no room in the staging folder) is said as such."""
    source = tar.extractfile(member)
    if source is None:  # pragma: no cover - regular files always have content
        raise ArchiveRefused(f"cannot read {member.name} in the archive")
    digest, size = hashlib.sha256(), 0
    with _staged_file(path) as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            _staging(lambda: out.write(chunk), path)
        _staging(out.flush, path)  # so that closing has nothing left to write
    return digest.hexdigest(), size


def _staged_file(path: Path) -> IO[bytes]:
    def made() -> IO[bytes]:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        return os.fdopen(fd, "wb")

    return _staging(made, path)


def _staging(step: Callable[[], T], path: Path) -> T:
    try:
        return step()
    except OSError as exc:
        raise FairdebtError(
            f"cannot unpack the archive into {path.parent}: {exc.strerror}; nothing was restored",
            hint="free space there (the archive is unpacked and checked before anything is "
            "replaced), or run the restore from a folder with room",
        ) from None


def _read_manifest(archive: Path, staged: Path, seen: dict[str, tuple[str, int]]) -> Manifest:
    refuse = ArchiveRefused(
        f"{archive} has no readable manifest (cut short, or not a fairdebt backup); nothing "
        "was restored",
        hint="use an archive `fairdebt backup` wrote, whole",
    )
    if MANIFEST not in seen:
        raise refuse
    try:
        raw: Any = json.loads((staged / MANIFEST).read_text(encoding="utf-8"))
        members = {
            str(name): (str(m["sha256"]), int(m["size"])) for name, m in raw["members"].items()
        }
        if raw["format"] != FORMAT:
            raise ValueError(raw["format"])
        return Manifest(
            created_at=str(raw["created_at"]),
            version=str(raw["fairdebt_version"]),
            revision=str(raw["alembic_revision"]),
            database=str(raw["database"]),
            members=members,
            secrets=tuple(str(s) for s in raw["secret_members"]),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        raise refuse from None


def _compare(listed: dict[str, tuple[str, int]], found: dict[str, tuple[str, int]]) -> list[str]:
    problems = [f"{name} is missing" for name in sorted(set(listed) - set(found))]
    problems += [f"{name} is not in the manifest" for name in sorted(set(found) - set(listed))]
    for name in sorted(set(listed) & set(found)):
        (want, want_size), (got, got_size) = listed[name], found[name]
        if want_size != got_size:
            problems.append(f"{name} has {got_size} bytes, the manifest says {want_size}")
        elif want != got:
            problems.append(f"{name}'s SHA-256 is not the manifest's (altered)")
    return problems


def _refusals(
    manifest: Manifest,
    staged: Path,
    target: Target,
    *,
    known_revision: Callable[[str], bool],
    force: bool,
) -> None:
    if not known_revision(manifest.revision):
        raise FairdebtError(
            f"the archive's schema {manifest.revision} (fairdebt {manifest.version}) is newer "
            f"than this program's; nothing was restored",
            hint="restore it with the fairdebt version that wrote it, or a newer one",
        )
    kind = db_dump.kind_of(target.database_url)
    if manifest.database != kind:
        raise FairdebtError(
            f"the archive holds a {manifest.database} database; the target is {kind}",
            hint="restore into a database of the same kind (--to URL)",
        )
    if not force and db_dump.has_rows(target.database_url):
        raise FairdebtError(
            "the target database is not empty; nothing was restored",
            hint="restore into an empty database (--to URL), or pass --force to replace it",
        )
    for name in manifest.secrets:
        place = _secret_place(name, target)
        if not force and place.exists() and place.read_bytes() != (staged / name).read_bytes():
            raise FairdebtError(
                f"{place} exists and differs from the archive's key; nothing was restored",
                hint=_keep_hint(place),
            )


def _evidence_members(manifest: Manifest) -> list[str]:
    return sorted(n for n in manifest.members if n.startswith("evidence/"))


def _ref_of_member(name: str) -> str:
    return PREFIX + "".join(PurePosixPath(name).parts[-2:])


def _check_evidence(manifest: Manifest, staged: Path) -> None:
    """Every evidence object opens to the bytes its name hashes, under the archive's key file
    or the keys of the settings (FAIRDEBT_DATA_KEYS); refused before anything is written."""
    rings: list[Keyring] | None = None
    for name in _evidence_members(manifest):
        stored, ref = (staged / name).read_bytes(), _ref_of_member(name)
        if sealing.matches(ref, stored):  # kept in the clear (written before sealing)
            continue
        kid = sealing.key_of(stored)
        if rings is None and kid:
            rings = _archive_rings(manifest, staged)
        ring = next((r for r in rings or () if kid in dict(r.data)), None)
        if kid and ring is None:
            raise ArchiveRefused(
                f"{name} is sealed with key {kid!r}, which neither the archive's key file nor "
                "FAIRDEBT_DATA_KEYS holds; nothing was restored",
                hint="set FAIRDEBT_DATA_KEYS to the keys the backed-up deployment used",
            )
        if ring is None or sealing.unseal(ref, stored, ring) is None:
            raise ArchiveRefused(
                f"{name} does not hash to its name; nothing was restored", hint="use another copy"
            )


def _archive_rings(manifest: Manifest, staged: Path) -> list[Keyring]:
    """The personal-data keyrings the archive's secrets hold (its key file), then the settings'."""
    rings = []
    for name in manifest.secrets:
        try:
            rings.append(read_key_file(staged / name))
        except (KeyringError, ValueError):
            continue  # a signing key or another secret, not a personal-data key file
    from_settings = settings_keyring()
    return rings + ([from_settings] if from_settings is not None else [])


def _keep_hint(place: Path) -> str:
    """What the key in the way is still good for: a signing key verifies the checkpoints it
    signed; the personal-data key file (`fairdebt init` makes one on a new machine) alone
    reads the phones and addresses of the database it was made with."""
    if place.suffix == ".pem" or place.name.endswith(".keys.json"):
        return "move it away (keep it: checkpoints it signed need its public key), or pass --force"
    return (
        "move it away (keep it if its own database holds personal data: only it can read them), "
        "or pass --force"
    )


def _secret_place(name: str, target: Target) -> Path:
    parts = PurePosixPath(name).parts
    if parts[:2] == ("secrets", "data"):
        return target.data_dir.joinpath(*parts[2:])
    return target.signing_dir.joinpath(*parts[2:])


def _put_in_place(
    manifest: Manifest, staged: Path, target: Target, on_progress: Progress
) -> Restored:
    restored = Restored(manifest, checkpoints=(staged / CHECKPOINTS).read_text("utf-8"))
    database = next(n for n in manifest.members if n.startswith("database/"))
    on_progress("restoring the database", 0, 1)
    db_dump.restore(target.database_url, staged / database)
    on_progress("restoring the database", 1, 1)
    objects = _evidence_members(manifest)
    for done, name in enumerate(objects, start=1):
        ref = _ref_of_member(name)
        if target.evidence.stored(ref) is None:  # one already there is the same evidence
            target.evidence.replace(ref, (staged / name).read_bytes())
        on_progress("restoring evidence objects", done, len(objects))
    restored.evidence_objects = len(objects)
    for name in manifest.secrets:
        place = _secret_place(name, target)
        place.parent.mkdir(parents=True, exist_ok=True)
        _write_secret(place, (staged / name).read_bytes())
        restored.secrets.append(place)
    return restored


def _write_secret(place: Path, data: bytes) -> None:
    staged = place.with_name(f".{place.name}.restoring")
    staged.unlink(missing_ok=True)
    fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(staged, place)
