"""The checkpoint signing key: made with mode 0600 and never overwritten; a missing, unreadable
or wrong key file is one cause and one hint; a public key is read as PEM or 64 hex digits."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from fairdebt.adapters.signing import generate_key_file, load_public_key, load_signing_key
from fairdebt.errors import FairdebtError, SettingsError


def test_a_new_key_is_private_signs_and_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"

    made = generate_key_file(path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = load_signing_key(path)
    assert loaded.key_id == made.key_id and len(made.key_id) == 16
    assert made.verify(b"m", loaded.sign(b"m")) and not made.verify(b"n", loaded.sign(b"m"))
    with pytest.raises(FairdebtError, match="never overwritten"):
        generate_key_file(path)


@pytest.mark.parametrize(
    "content", [b"", b"not a key", b"\x00" * 64, b"-----BEGIN PRIVATE KEY-----\nAAAA\n"]
)
def test_a_file_that_is_not_a_key_is_refused_plainly(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "k.pem"
    path.write_bytes(content)

    with pytest.raises(SettingsError, match="not an unencrypted Ed25519 private key") as raised:
        load_signing_key(path)
    assert "fairdebt audit key --generate" in raised.value.hint


def test_no_key_configured_or_missing(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="no signing key is configured"):
        load_signing_key(None)
    with pytest.raises(SettingsError, match="no signing key at"):
        load_signing_key(tmp_path / "absent.pem")


def test_a_public_key_as_pem_file_hex_file_or_hex(tmp_path: Path) -> None:
    made = generate_key_file(tmp_path / "k.pem")
    (tmp_path / "k.pub").write_text(made.pem())
    (tmp_path / "k.hex").write_text(made.raw.hex() + "\n")

    for given in (str(tmp_path / "k.pub"), str(tmp_path / "k.hex"), made.raw.hex()):
        assert load_public_key(given).key_id == made.key_id
    for bad in ("zz", "00" * 31, str(tmp_path / "k.pem"), "x\x00y" * 1000):
        with pytest.raises(FairdebtError, match="not an Ed25519 public key"):
            load_public_key(bad)
