"""The institution's Ed25519 key: signs audit checkpoints (services/anchor.py, docs/audit.md).

The private key is a PEM file (PKCS#8, unencrypted: a scheduled job must be able to use it; keep
it readable by the service account alone, mode 0600, or in a secret store mounted as a file).
The public key is handed out as PEM (SubjectPublicKeyInfo) or as the 64 hex digits of its raw 32
bytes; both name the same key id (domain.anchor.key_id).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from fairdebt.adapters.files import write_atomically
from fairdebt.domain.anchor import key_id
from fairdebt.domain.events import canonical_json
from fairdebt.errors import FairdebtError, SettingsError
from fairdebt.services.anchor import KeyPeriod, KeySet

GENERATE_HINT = (
    "create one with `fairdebt audit key --generate --out PATH` and point "
    "FAIRDEBT_SIGNING_KEY_FILE at it (docs/audit.md)"
)


def _raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


class PublicKey:
    """Checks signatures (a Verifier)."""

    def __init__(self, public: Ed25519PublicKey) -> None:
        self.public = public
        self.raw = _raw(public)

    @property
    def key_id(self) -> str:
        return key_id(self.raw)

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            self.public.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def pem(self) -> str:
        return self.public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")


class SigningKey(PublicKey):
    """Signs and checks (a Signer)."""

    def __init__(self, private: Ed25519PrivateKey) -> None:
        super().__init__(private.public_key())
        self.private = private

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(message)


def generate_key_file(path: Path) -> SigningKey:
    """A new key, written to `path` with mode 0600 (refused if the file exists: a key is never
    overwritten, the checkpoints it signed would no longer verify)."""
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise FairdebtError(
            f"{path} exists; a signing key is never overwritten",
            hint="choose another --out path (the old key still verifies its checkpoints)",
        ) from None
    except OSError as exc:
        raise FairdebtError(
            f"cannot create {path}: {exc.strerror}", hint="check the folder exists and is writable"
        ) from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return SigningKey(private)


def load_signing_key(path: Path | None) -> SigningKey:
    """The private key at `path` (settings: FAIRDEBT_SIGNING_KEY_FILE)."""
    if path is None:
        raise SettingsError("no signing key is configured", hint=GENERATE_HINT)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SettingsError(
            f"no signing key at {path}",
            hint=f"create it with `fairdebt audit key --generate --out {path}`, or point "
            "FAIRDEBT_SIGNING_KEY_FILE at the key you have (docs/audit.md)",
        ) from None
    except OSError as exc:
        raise SettingsError(
            f"cannot read the signing key {path}: {exc.strerror}",
            hint="the key file must be readable by the user running fairdebt (mode 0600)",
        ) from None
    try:
        private = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        private = None
    if not isinstance(private, Ed25519PrivateKey):
        raise SettingsError(
            f"{path} is not an unencrypted Ed25519 private key in PEM", hint=GENERATE_HINT
        )
    return SigningKey(private)


def load_public_key(text_or_path: str) -> PublicKey:
    """A public key given as a PEM file, a file holding 64 hex digits, or the hex itself."""
    candidate = Path(text_or_path)
    try:
        data = candidate.read_bytes() if candidate.is_file() else text_or_path.encode()
    except OSError as exc:
        raise FairdebtError(
            f"cannot read the public key {text_or_path}: {exc.strerror}",
            hint="pass the file `fairdebt audit key --public` wrote, or its 64 hex digits",
        ) from None
    public = _public_from(data.strip())
    if public is None:
        raise FairdebtError(
            f"{text_or_path!r} is not an Ed25519 public key (PEM or 64 hex digits)",
            hint="get it with `fairdebt audit key --public` (or from the institution's "
            "published key)",
        )
    return PublicKey(public)


def _public_from(data: bytes) -> Ed25519PublicKey | None:
    if data.startswith(b"-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(data)
        except (ValueError, UnsupportedAlgorithm):
            return None
        return key if isinstance(key, Ed25519PublicKey) else None
    try:
        raw = bytes.fromhex(data.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return None
    return Ed25519PublicKey.from_public_bytes(raw) if len(raw) == 32 else None


# --- rotation: the key list beside the active key (docs/audit.md#rotating-the-key) -------------

KEYRING_FORMAT = "fairdebt-signing-keys/1"
HANDOVER = b"fairdebt key handover v1\n"


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """One key the institution signed checkpoints with, and when."""

    key: PublicKey
    since: str  # "" = from the start
    until: str | None  # None = the active key

    def period(self) -> KeyPeriod:
        return KeyPeriod(self.key, self.since, self.until)


@dataclass(frozen=True, slots=True)
class Handover:
    """At a rotation, the old key and the new one both sign one statement naming each other:
    whoever trusts either key (e.g. the one published years ago) can trust the other."""

    at: str
    old: PublicKey
    new: PublicKey
    old_signature: str
    new_signature: str

    def message(self) -> bytes:
        return handover_message(self.at, self.old, self.new)

    def valid(self) -> bool:
        try:
            sigs = bytes.fromhex(self.old_signature), bytes.fromhex(self.new_signature)
        except ValueError:
            return False
        return self.old.verify(self.message(), sigs[0]) and self.new.verify(self.message(), sigs[1])


def handover_message(at: str, old: PublicKey, new: PublicKey) -> bytes:
    body = {
        "at": at,
        "from": old.key_id,
        "from_public": old.raw.hex(),
        "to": new.key_id,
        "to_public": new.raw.hex(),
    }
    return HANDOVER + canonical_json(body).encode()


@dataclass(frozen=True, slots=True)
class Keyring:
    records: tuple[KeyRecord, ...]
    handovers: tuple[Handover, ...] = ()

    def keys(self) -> KeySet:
        return KeySet(r.period() for r in self.records)

    def trusted_from(self, given: Sequence[PublicKey]) -> KeySet:
        """The keys `given` (published, handed over by an auditor) and every key a valid
        handover links to one of them, each with its period from the key list."""
        trusted = {k.key_id for k in given}
        valid = [h for h in self.handovers if h.valid()]
        grew = True
        while grew:
            grew = False
            for h in valid:
                pair = {h.old.key_id, h.new.key_id}
                if pair & trusted and not pair <= trusted:
                    trusted |= pair
                    grew = True
        periods = {r.key.key_id: r.period() for r in self.records if r.key.key_id in trusted}
        for key in given:
            periods.setdefault(key.key_id, KeyPeriod(key))
        return KeySet(periods.values())


def read_keyring(path: Path, active: PublicKey | None) -> Keyring:
    """The key list at `path`; without one (never rotated), the active key alone."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Keyring((KeyRecord(active, "", None),) if active is not None else ())
    except OSError as exc:
        raise SettingsError(f"cannot read the key list {path}: {exc.strerror}") from None
    try:
        document = json.loads(raw)
        if document["format"] != KEYRING_FORMAT:
            raise ValueError(document["format"])
        records = tuple(
            KeyRecord(_public_hex(k["public"]), str(k["since"]), k["until"])
            for k in document["keys"]
        )
        handovers = tuple(
            Handover(
                str(h["at"]),
                _public_hex(h["from_public"]),
                _public_hex(h["to_public"]),
                str(h["from_signature"]),
                str(h["to_signature"]),
            )
            for h in document["handovers"]
        )
    except (ValueError, KeyError, TypeError):
        raise SettingsError(
            f"{path} is not a fairdebt key list",
            hint="restore it from a backup: `fairdebt audit key --rotate` writes it",
        ) from None
    return Keyring(records, handovers)


def _public_hex(value: object) -> PublicKey:
    public = _public_from(str(value).encode())
    if public is None:
        raise ValueError(value)
    return PublicKey(public)


def _keyring_bytes(ring: Keyring) -> bytes:
    document = {
        "format": KEYRING_FORMAT,
        "keys": [
            {"id": r.key.key_id, "public": r.key.raw.hex(), "since": r.since, "until": r.until}
            for r in ring.records
        ],
        "handovers": [
            {
                "at": h.at,
                "from": h.old.key_id,
                "from_public": h.old.raw.hex(),
                "from_signature": h.old_signature,
                "to": h.new.key_id,
                "to_public": h.new.raw.hex(),
                "to_signature": h.new_signature,
            }
            for h in ring.handovers
        ],
    }
    return json.dumps(document, indent=1).encode() + b"\n"


@dataclass(frozen=True, slots=True)
class Rotated:
    old: SigningKey
    new: SigningKey
    retired_file: Path
    keyring: Keyring


def rotate_key(key_path: Path, keyring_path: Path, at: str) -> Rotated:
    """Make a new active key at `key_path`; the old one's public key goes into the key list
    (valid until `at`) with a handover both keys sign, and its private key is moved aside to
    `<name>.retired-<key id>.pem` (destroy it once a backup holds it; nothing needs it).
    Order: new key file, key list, then the swap; each step is atomic."""
    old = load_signing_key(key_path)
    ring = read_keyring(keyring_path, old)
    if not ring.records or ring.records[-1].key.key_id != old.key_id:
        raise SettingsError(
            f"the key list {keyring_path} does not end with the active key {old.key_id}",
            hint="restore the key and its list from the same backup",
        )
    if at < ring.records[-1].since:
        raise FairdebtError(
            f"the clock ({at}) is before the active key's start ({ring.records[-1].since})",
            hint="check the system clock",
        )
    retired = key_path.with_name(f"{key_path.stem}.retired-{old.key_id}{key_path.suffix}")
    pending = key_path.with_name(f".{key_path.name}.new")
    if retired.exists() or pending.exists():
        raise FairdebtError(
            f"{retired if retired.exists() else pending} exists: a rotation was cut short",
            hint="move it away after checking which key is active (`fairdebt audit key --all`)",
        )
    new = generate_key_file(pending)
    signed = handover_message(at, old, new)
    handover = Handover(at, old, new, old.sign(signed).hex(), new.sign(signed).hex())
    last = ring.records[-1]
    records = (*ring.records[:-1], replace(last, until=at), KeyRecord(new, at, None))
    made = Keyring(records, (*ring.handovers, handover))
    write_atomically(keyring_path, _keyring_bytes(made), mode=0o644)
    os.replace(key_path, retired)
    os.replace(pending, key_path)
    return Rotated(old, new, retired, made)


def key_set(key_path: Path, keyring_path: Path, given: Sequence[str]) -> KeySet | None:
    """The keys `audit verify` checks with: the `given` ones (and those handovers link to
    them), else every key of the local key list; None if there is none at all."""
    active = load_signing_key(key_path) if key_path.exists() else None
    if given:
        ring = read_keyring(keyring_path, active)
        return ring.trusted_from([load_public_key(g) for g in given])
    ring = read_keyring(keyring_path, active)
    return ring.keys() if ring.records else None
