"""The signing key list: a rotation's handover links the old key and the new one only while
both signatures hold; periods bound when a key may sign; a cut-short rotation is not run
over; a damaged key list is named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fairdebt.adapters.signing import (
    generate_key_file,
    read_keyring,
    rotate_key,
)
from fairdebt.domain.anchor import Checkpoint
from fairdebt.domain.events import GENESIS
from fairdebt.errors import FairdebtError, SettingsError

T1 = "2026-12-01T00:00:00.000000Z"
T2 = "2027-12-01T00:00:00.000000Z"


def _signed(key, at: str) -> Checkpoint:  # type: ignore[no-untyped-def]
    cp = Checkpoint(1, at, 1, "0" * 64, GENESIS, key.key_id)
    return Checkpoint(1, at, 1, "0" * 64, GENESIS, key.key_id, key.sign(cp.message()).hex())


@pytest.fixture
def key_path(tmp_path: Path) -> Path:
    path = tmp_path / "signing-key.pem"
    generate_key_file(path)
    return path


def test_a_rotation_links_both_keys_either_way(key_path: Path, tmp_path: Path) -> None:
    ring_path = tmp_path / "signing-key.keys.json"
    made = rotate_key(key_path, ring_path, T1)

    ring = read_keyring(ring_path, None)

    assert [r.key.key_id for r in ring.records] == [made.old.key_id, made.new.key_id]
    assert (ring.records[0].until, ring.records[1].since, ring.records[1].until) == (T1, T1, None)
    for given in (made.old, made.new):
        assert set(ring.trusted_from([given]).by_id) == {made.old.key_id, made.new.key_id}
    assert made.retired_file.exists() and not key_path.with_name(".signing-key.pem.new").exists()


def test_a_tampered_handover_links_nothing(key_path: Path, tmp_path: Path) -> None:
    ring_path = tmp_path / "signing-key.keys.json"
    made = rotate_key(key_path, ring_path, T1)
    document = json.loads(ring_path.read_text())
    document["handovers"][0]["at"] = T2  # the signatures no longer cover it
    ring_path.write_text(json.dumps(document))

    trusted = read_keyring(ring_path, None).trusted_from([made.old])

    assert set(trusted.by_id) == {made.old.key_id}


def test_a_retired_key_signing_after_its_period_is_named(key_path: Path, tmp_path: Path) -> None:
    ring_path = tmp_path / "signing-key.keys.json"
    made = rotate_key(key_path, ring_path, T1)
    keys = read_keyring(ring_path, None).keys()

    assert keys.problem(_signed(made.old, "2026-11-30T00:00:00.000000Z")) is None
    late = keys.problem(_signed(made.old, T2))
    assert late is not None and late[0] == "wrong-key" and "outside the period" in late[1]
    assert keys.problem(_signed(made.new, T2)) is None


def test_a_cut_short_rotation_is_not_run_over(key_path: Path, tmp_path: Path) -> None:
    (tmp_path / ".signing-key.pem.new").write_text("half")

    with pytest.raises(FairdebtError, match="a rotation was cut short"):
        rotate_key(key_path, tmp_path / "signing-key.keys.json", T1)

    assert not (tmp_path / "signing-key.keys.json").exists()


def test_a_clock_before_the_active_key_is_refused(key_path: Path, tmp_path: Path) -> None:
    ring_path = tmp_path / "signing-key.keys.json"
    rotate_key(key_path, ring_path, T2)

    with pytest.raises(FairdebtError, match="is before the active key's start"):
        rotate_key(key_path, ring_path, T1)


def test_a_damaged_key_list_is_named(tmp_path: Path) -> None:
    ring_path = tmp_path / "signing-key.keys.json"
    ring_path.write_text('{"format": "fairdebt-signing-keys/1", "keys": [{"public": "zz"}]}')

    with pytest.raises(SettingsError, match="is not a fairdebt key list"):
        read_keyring(ring_path, None)
