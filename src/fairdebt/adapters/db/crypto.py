"""Personal data encrypted at rest: AES-256-GCM per value, a keyed blind index for lookups.

A sealed value is `enc1:<kid>:<base64(nonce | ciphertext | tag)>`: a random 96-bit nonce per
value, the key id so old keys keep reading after a rotation, and the table and column
("borrowers.phones") as associated data, so a value copied into another column fails to
decrypt instead of reading as something it is not. Equality lookups (a phone for an inbound
SMS or a portal sign-in, an e-mail for an unsubscribe) use `digest`: HMAC-SHA256 under a
separate index key, truncated, stored in `borrower_lookup` — the table is never decrypted to
find a borrower.

Evidence objects (the exact bytes of every message sent) are sealed with the same data keys as
bytes (`seal_bytes`): a header `OBJECT_MAGIC | version | len(kid) | kid`, a random 96-bit
nonce, then ciphertext and tag; the header and the object's reference are the associated data
(adapters/evidence/sealing.py), so an object moved under another reference does not open.

The keys come from the settings (FAIRDEBT_DATA_KEYS and FAIRDEBT_INDEX_KEY) or, when those are
unset, from a key file in the data directory made on first use with mode 0600 (development
and the demo need no setting). docs/security.md "Encryption at rest" says how to back it up
and rotate it.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

from fairdebt.adapters.files import fsync_directory
from fairdebt.errors import FairdebtError, SettingsError

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect, Engine

    from fairdebt.settings import Settings

PREFIX = "enc1"
NONCE = 12
KEY_BYTES = 32
DIGEST_BYTES = 16  # 128 bits of HMAC-SHA256: no collision among any realistic number of contacts
KEY_HINT = (
    "restore the key file from its backup, or set FAIRDEBT_DATA_KEYS / FAIRDEBT_INDEX_KEY "
    "(docs/security.md, Encryption at rest)"
)


class KeyringError(FairdebtError):
    """A personal-data key is missing, malformed, or does not open a stored value."""


class UnknownKey(KeyringError):
    """A stored value names a key id this keyring does not have (a key made since, or lost)."""


OBJECT_MAGIC = b"\x89FDE"  # not text, not a PDF, a JPEG or a MIME header: nothing sent begins so
OBJECT_VERSION = 1


def object_header(kid: str) -> bytes:
    """The fixed header of an object sealed with key `kid` (also part of its associated data)."""
    name = kid.encode("ascii")
    return OBJECT_MAGIC + bytes((OBJECT_VERSION, len(name))) + name


def object_key(stored: bytes) -> str | None:
    """The key id in a sealed object's header; None when `stored` has no such header (an
    object written in the clear before objects were sealed, or one cut inside its header)."""
    if not stored.startswith(OBJECT_MAGIC) or len(stored) < 6 or stored[4] != OBJECT_VERSION:
        return None
    name = stored[6 : 6 + stored[5]]
    if len(name) != stored[5] or not name.isascii():
        return None
    kid = name.decode("ascii")
    return kid if _good_kid(kid) else None


@dataclass(frozen=True)
class Keyring:
    """Data keys by id (the first is the active one that seals new values) and the index key."""

    data: tuple[tuple[str, bytes], ...] = field(repr=False)  # never in a log or traceback
    index: tuple[str, bytes] = field(repr=False)
    source: str = "settings"
    file: Path | None = field(default=None, compare=False)  # a key file: read again on change
    _ciphers: dict[str, AESGCM] = field(default_factory=dict, compare=False, repr=False)
    _mac: Any = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.data:
            raise KeyringError("no personal-data key is configured", hint=KEY_HINT)
        for kid, key in (*self.data, self.index):
            if len(key) != KEY_BYTES:
                raise KeyringError(f"key {kid!r} is {len(key)} bytes, not 32", hint=KEY_HINT)
        self._ciphers.update({kid: AESGCM(key) for kid, key in self.data})
        object.__setattr__(self, "_mac", hmac.new(self.index[1], digestmod=hashlib.sha256))

    @property
    def active(self) -> str:
        return self.data[0][0]

    def seal(self, plain: str, where: str) -> str:
        """Encrypt `plain` for column `where` ("table.column") under the active key."""
        nonce = os.urandom(NONCE)
        sealed = self._ciphers[self.active].encrypt(nonce, plain.encode("utf-8"), where.encode())
        body = binascii.b2a_base64(nonce + sealed, newline=False).decode("ascii")
        return f"{PREFIX}:{self.active}:{body}"

    def open(self, stored: str, where: str) -> str:
        """The plain text of a sealed value of column `where`; a clear error when it is not
        one, its key is unknown, or it was sealed for another column or altered."""
        prefix, _, rest = stored.partition(":")
        kid, _, body = rest.partition(":")
        if prefix != PREFIX or not body:
            raise KeyringError(
                f"{where} holds a value that is not encrypted personal data",
                hint="run `fairdebt db upgrade` (it encrypts older rows)",
            )
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise KeyringError(
                f"{where} was encrypted with key {kid!r}, which is not in the keyring",
                hint=KEY_HINT,
            )
        try:
            raw = base64.b64decode(body, validate=True)
            plain = cipher.decrypt(raw[:NONCE], raw[NONCE:], where.encode())
        except (InvalidTag, ValueError, binascii.Error):
            raise KeyringError(
                f"a value in {where} does not decrypt with key {kid!r}: altered, copied from "
                "another column, or the key is wrong",
                hint=KEY_HINT,
            ) from None
        return plain.decode("utf-8")

    def seal_bytes(self, plain: bytes, where: bytes) -> bytes:
        """`plain` sealed under the active key as an object (module docstring); `where` is
        associated data naming what the object is (its reference)."""
        header = object_header(self.active)
        nonce = os.urandom(NONCE)
        return header + nonce + self._ciphers[self.active].encrypt(nonce, plain, header + where)

    def open_bytes(self, stored: bytes, where: bytes) -> bytes:
        """The plain bytes of an object sealed by `seal_bytes` for `where`. UnknownKey when its
        key is not in the keyring; KeyringError when it is not a sealed object, or it does
        not open (altered, cut short, or sealed for another `where`)."""
        kid = object_key(stored)
        if kid is None:
            raise KeyringError("not a sealed object", hint="it has no object header")
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise UnknownKey(
                f"an evidence object was sealed with key {kid!r}, which is not in the keyring",
                hint=KEY_HINT,
            )
        size = len(OBJECT_MAGIC) + 2 + len(kid)
        nonce, sealed = stored[size : size + NONCE], stored[size + NONCE :]
        try:
            return cipher.decrypt(nonce, sealed, stored[:size] + where)
        except (InvalidTag, ValueError):
            raise KeyringError(
                f"a sealed object does not open with key {kid!r}: altered, cut short, or "
                "moved from another reference",
                hint="run `fairdebt audit verify`; restore the object from a backup",
            ) from None

    def key_of(self, stored: str | None) -> str | None:
        """The key id a stored value was sealed with (None for an empty value)."""
        if not stored:
            return None
        return stored.split(":", 2)[1] if stored.startswith(PREFIX + ":") else ""

    def digest(self, kind: str, value: str) -> str:
        """The blind index of a phone or e-mail: HMAC-SHA256(index key, kind NUL value)."""
        mac = self._mac.copy()  # the keyed state is computed once per keyring, not per value
        mac.update(f"{kind}\0{value}".encode())
        return str(mac.hexdigest())[: DIGEST_BYTES * 2]


# --- key sources ---------------------------------------------------------------------------


def parse_keys(text: str, what: str) -> tuple[tuple[str, bytes], ...]:
    """`kid:base64key,kid2:base64key` -> ((kid, key), ...); refuses anything else."""
    keys = []
    for part in (p.strip() for p in text.split(",")):
        kid, sep, b64 = part.partition(":")
        if not sep or not _good_kid(kid):
            raise SettingsError(
                f"{what} must be kid:base64key pairs separated by commas",
                hint="32 random bytes in base64 each (docs/settings.md shows how to make one)",
            )
        try:
            key = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError):
            raise SettingsError(f"{what}: key {kid!r} is not base64", hint=KEY_HINT) from None
        if len(key) != KEY_BYTES:
            raise SettingsError(f"{what}: key {kid!r} is not 32 bytes", hint=KEY_HINT)
        keys.append((kid, key))
    if len({kid for kid, _ in keys}) != len(keys):
        raise SettingsError(f"{what} names a key id twice", hint="key ids must be unique")
    return tuple(keys)


def _good_kid(kid: str) -> bool:
    return 0 < len(kid) <= 32 and all(c.isascii() and (c.isalnum() or c in "-_") for c in kid)


def new_key() -> str:
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


FILE_HEADER = (
    "# fairdebt personal-data keys (docs/security.md, Encryption at rest).\n"
    "# Back this file up apart from the database: without it the personal data is lost.\n"
    "# 'data' lines: the first is the active key, the others still read older values.\n"
)


def read_key_file(path: Path) -> Keyring:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KeyringError(f"no personal-data key file at {path}", hint=KEY_HINT) from None
    except OSError as exc:
        raise KeyringError(
            f"cannot read the key file {path}: {exc.strerror}",
            hint="the key file must be readable by the user running fairdebt (mode 0600)",
        ) from None
    data: list[tuple[str, bytes]] = []
    index: list[tuple[str, bytes]] = []
    for line in text.splitlines():
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if len(words) != 3 or words[0] not in ("data", "index"):
            raise KeyringError(f"{path}: unreadable line {words[0]!r}…", hint=KEY_HINT)
        (data if words[0] == "data" else index).extend(
            parse_keys(f"{words[1]}:{words[2]}", str(path))
        )
    if not data or len(index) != 1:
        raise KeyringError(f"{path} lacks a data key or its one index key", hint=KEY_HINT)
    return Keyring(tuple(data), index[0], source=str(path), file=path)


def write_key_file(path: Path, ring: Keyring, *, new: bool = False) -> None:
    """Write the keyring to `path` (mode 0600), atomically: a crash leaves the old file.

    `new`: make the file only if there is none, in one step (a hard link of a complete
    temporary file): two processes starting at once on a fresh data directory cannot both
    make one, each then sealing with its own key while the file keeps only the other's
    (what a check-then-replace did). The loser raises KeyExists and reads the winner's."""
    lines = [FILE_HEADER]
    lines += [f"data {kid} {base64.b64encode(key).decode()}\n" for kid, key in ring.data]
    lines.append(f"index {ring.index[0]} {base64.b64encode(ring.index[1]).decode()}\n")
    # A name of this writer's own: two writers never write into one temporary file.
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.new")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("".join(lines))
            handle.flush()
            os.fsync(handle.fileno())
        if new:
            try:
                os.link(tmp, path)  # fails if the file exists: create-if-absent, whole
            except FileExistsError:
                raise KeyExists(f"{path} exists; a key file is never overwritten") from None
        else:
            os.replace(tmp, path)
        fsync_directory(path.parent)
    except OSError as exc:
        raise KeyringError(
            f"cannot write the key file {path}: {exc.strerror}",
            hint="check that the data directory is writable",
        ) from None
    finally:
        tmp.unlink(missing_ok=True)


class KeyExists(KeyringError):
    """A new key file was asked for where one exists already."""

    def __init__(self, message: str) -> None:
        super().__init__(message, hint=KEY_HINT)


def load_keyring(settings: Settings) -> Keyring:
    """The keyring the settings name: FAIRDEBT_DATA_KEYS (+ FAIRDEBT_INDEX_KEY), else the key
    file (made on first use, mode 0600)."""
    if settings.data_keys is not None:
        if settings.index_key is None:
            raise SettingsError(
                "FAIRDEBT_DATA_KEYS is set but FAIRDEBT_INDEX_KEY is not",
                hint="set FAIRDEBT_INDEX_KEY=kid:base64key (a key of its own)",
            )
        data = parse_keys(settings.data_keys.get_secret_value(), "FAIRDEBT_DATA_KEYS")
        index = parse_keys(settings.index_key.get_secret_value(), "FAIRDEBT_INDEX_KEY")
        if len(index) != 1:
            raise SettingsError("FAIRDEBT_INDEX_KEY must be one kid:base64key", hint=KEY_HINT)
        return Keyring(data, index[0], source="FAIRDEBT_DATA_KEYS")
    path = settings.data_key_path
    if not path.exists():
        ring = Keyring((("k1", secrets.token_bytes(KEY_BYTES)),), ("x1", secrets.token_bytes(32)))
        with contextlib.suppress(KeyExists):  # another process made it first: use its keys
            write_key_file(path, ring, new=True)
            _MADE_HERE.append(path)
    return read_key_file(path)


# Key files this process made on first use: if the database turns out to hold values sealed
# with other keys (a database copied without its key file), the new file is a wrong key, and
# check_keyring removes it again instead of leaving it where the right one must be put.
_MADE_HERE: list[Path] = []


# --- the process's keyring ----------------------------------------------------------------

# A long-running process (serve, worker) reads its key file again when the file changes, at
# most this often: `fairdebt keys rotate`, `--retire` and `reindex` rewrite the file while it
# runs, and a process kept on its first keys could not read the values re-encrypted with the
# new key, would go on sealing with a key about to be retired (values nobody could read once
# it is), and would index phones with the old index key.
RELOAD_SECONDS = 1.0

_RING: list[Keyring] = []
_FILE_STATE: dict[str, Any] = {"stamp": None, "next": 0.0}


def _stamp(path: Path) -> tuple[int, int, int] | None:
    """What changes when the key file is replaced (it always is, whole: write_key_file)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def use_keyring(ring: Keyring | None) -> None:
    """Make `ring` the keyring every sealed column uses (the composition root calls this)."""
    _RING.clear()
    if ring is not None:
        _RING.append(ring)
        _FILE_STATE["stamp"] = _stamp(ring.file) if ring.file is not None else None
        _FILE_STATE["next"] = time.monotonic() + RELOAD_SECONDS


def keyring() -> Keyring:
    """The process's keyring; loaded from the settings on first use when none was set, and
    read again from its key file when that changed (checked at most every RELOAD_SECONDS)."""
    if not _RING:
        from fairdebt.settings import load_settings

        use_keyring(load_keyring(load_settings()))
    ring = _RING[0]
    if ring.file is not None and time.monotonic() >= _FILE_STATE["next"]:
        ring = reload_keyring()
    return ring


def reload_keyring() -> Keyring:
    """Read the key file again now if it changed since it was read; the keyring in use.

    A file that cannot be read any more (removed, half-edited by hand) leaves the keys in use:
    a running process never loses keys it has, and the next start reports the file."""
    ring = _RING[0]
    _FILE_STATE["next"] = time.monotonic() + RELOAD_SECONDS
    if ring.file is None:
        return ring
    stamp = _stamp(ring.file)
    if stamp is None or stamp == _FILE_STATE["stamp"]:
        return ring
    try:
        fresh = read_key_file(ring.file)
    except KeyringError:
        return ring
    _RING[:] = [fresh]
    _FILE_STATE["stamp"] = stamp
    return fresh


def open_object(stored: bytes, where: bytes) -> bytes:
    """`Keyring.open_bytes` with the process's keyring, read again from its file once when the
    object names a key this process does not have yet (a rotation running meanwhile)."""
    ring = keyring()
    try:
        return ring.open_bytes(stored, where)
    except UnknownKey:
        fresh = reload_keyring()
        if fresh is ring:
            raise
        return fresh.open_bytes(stored, where)


def settings_keyring() -> Keyring | None:
    """The keyring FAIRDEBT_DATA_KEYS names, if set; None otherwise (never makes a key file)."""
    from fairdebt.settings import load_settings

    settings = load_settings()
    return load_keyring(settings) if settings.data_keys is not None else None


def check_keyring(engine: Engine) -> None:
    """Open the stored values of one row of each table with sealed columns: a KeyringError now
    if the keyring cannot read the database (a lost key file replaced by a new one, a wrong
    FAIRDEBT_DATA_KEYS)."""
    from sqlalchemy import or_, select

    from fairdebt.adapters.db.engine import connect
    from fairdebt.adapters.db.schema import metadata
    from fairdebt.adapters.db.sealed_columns import SEALED_TABLES

    try:
        with connect(engine) as conn:  # a driver fault (the server lost) is a DatabaseError
            for table in SEALED_TABLES:
                # The first row holding any value: one query per table, which stops at once
                # (a column that is empty in every row, an SMS outbox's subjects, would make a
                # query of its own read the whole table at every start).
                cols = [metadata.tables[table.name].c[n] for n in table.columns]
                conn.execute(select(*cols).where(or_(*(c != "" for c in cols))).limit(1)).first()
    except KeyringError as exc:
        made = keyring().file
        if made is None or made not in _MADE_HERE:
            raise
        made.unlink(missing_ok=True)  # a key of today for a database of yesterday: wrong
        _MADE_HERE.remove(made)
        raise KeyringError(
            f"no key file at {made}, and the database holds personal data encrypted with "
            f"another key ({exc.cause})",
            hint=f"copy the key file that belongs with this database to {made} (every "
            "`fairdebt backup` archive holds it), or set FAIRDEBT_DATA_KEYS / FAIRDEBT_INDEX_KEY",
        ) from None


class Sealed(TypeDecorator[str]):
    """A text column stored encrypted: every Core insert, update and select seals and opens it.

    Equality in SQL against a sealed column never matches (each seal has a fresh nonce); find
    rows through `borrower_lookup` instead. The empty string stays empty (it says "none")."""

    impl = Text
    cache_ok = True

    def __init__(self, where: str) -> None:
        super().__init__()
        self.where = where

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None or value == "":
            return value  # type: ignore[no-any-return]
        return keyring().seal(str(value), self.where)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None or value == "":
            return value  # type: ignore[no-any-return]
        ring = keyring()
        try:
            return ring.open(str(value), self.where)
        except KeyringError:
            fresh = reload_keyring()  # sealed by a key made since this process read its file
            if fresh is ring:
                raise
            return fresh.open(str(value), self.where)

    def copy(self, **kw: Any) -> Sealed:
        return Sealed(self.where)
