"""The institution's Ed25519 key: signs audit checkpoints (services/anchor.py, docs/audit.md).

The private key is a PEM file (PKCS#8, unencrypted: a scheduled job must be able to use it; keep
it readable by the service account alone, mode 0600, or in a secret store mounted as a file).
The public key is handed out as PEM (SubjectPublicKeyInfo) or as the 64 hex digits of its raw 32
bytes; both name the same key id (domain.anchor.key_id).
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from fairdebt.domain.anchor import key_id
from fairdebt.errors import FairdebtError, SettingsError

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
        raise SettingsError(f"no signing key at {path}", hint=GENERATE_HINT) from None
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
