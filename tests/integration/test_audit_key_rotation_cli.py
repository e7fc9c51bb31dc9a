"""`fairdebt audit key --rotate`: a new active key; the checkpoints the old one signed stay
verifiable (by the local key list, by the old published key alone through the handover both
keys signed, and by the standalone verifier given the published keys); a retired key cannot
sign a checkpoint after its retirement unnoticed."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.adapters.signing import load_signing_key
from fairdebt.domain.case import Case
from fairdebt.domain.events import NewEvent
from fairdebt.services.anchor import make_checkpoint

AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
SRC = Path(__file__).resolve().parents[2] / "src" / "fairdebt" / "audit_verifier.py"


def _note(engine, case: str) -> None:  # type: ignore[no-untyped-def]
    with SqlUnitOfWork(engine) as uow:
        uow.events.append(case, NewEvent("note_added", "collector:u1", {}), AT)
        uow.commit()


@pytest.fixture
def rotated(engine, database_url: str, tmp_path: Path, fairdebt) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Checkpoint 1 signed by the first key (published as old.pub), a rotation, checkpoint 2
    by the new key (published as new.pub)."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO borrowers (id, name, phones, timezone) "
                "VALUES ('B1', '张伟', '', 'Asia/Shanghai')"
            )
        )
    with SqlUnitOfWork(engine) as uow:
        uow.cases.add(Case("C-B1", "B1", (), AT.date()))
        uow.commit()
    _note(engine, "C-B1")
    env = {"FAIRDEBT_DATABASE_URL": database_url, "FAIRDEBT_DATA_DIR": str(tmp_path)}
    key = tmp_path / "signing-key.pem"
    assert fairdebt("audit", "key", "--generate", "--out", str(key)).returncode == 0
    old_pub = fairdebt("audit", "key", "--public", env=env)
    (tmp_path / "old.pub").write_text(old_pub.stdout)
    assert fairdebt("audit", "checkpoint", env=env).returncode == 0

    rotation = fairdebt("audit", "key", "--rotate", env=env)

    assert rotation.returncode == 0, rotation.stderr
    assert "-----BEGIN PUBLIC KEY-----" in rotation.stdout
    (tmp_path / "new.pub").write_text(rotation.stdout)
    assert "retired" in rotation.stderr
    _note(engine, "C-B1")
    second = fairdebt("audit", "checkpoint", env=env)
    assert second.returncode == 0, second.stderr
    return env


def test_older_checkpoints_verify_with_the_key_list(rotated, fairdebt) -> None:
    result = fairdebt("audit", "verify", "--quiet", env=rotated)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 checkpoint(s)" in result.stdout and "every anchored head intact" in result.stdout


def test_the_old_published_key_alone_vouches_for_the_new_one(rotated, tmp_path, fairdebt) -> None:
    for given in ("old.pub", "new.pub"):
        result = fairdebt("audit", "verify", "--key", str(tmp_path / given), env=rotated)
        assert result.returncode == 0, (given, result.stdout)


def test_a_stranger_key_is_refused(rotated, tmp_path, fairdebt) -> None:
    assert fairdebt("audit", "key", "--generate", "--out", str(tmp_path / "x.pem")).returncode == 0

    stranger = load_signing_key(tmp_path / "x.pem").raw.hex()

    result = fairdebt("audit", "verify", "--quiet", "--key", stranger, env=rotated)

    assert result.returncode == 1
    assert "WRONG-KEY checkpoint 1" in result.stdout and "WRONG-KEY checkpoint 2" in result.stdout


def test_key_all_lists_every_key_with_its_period(rotated, tmp_path, fairdebt) -> None:
    listed = fairdebt("audit", "key", "--all", env=rotated)

    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.strip().splitlines()
    assert lines[0].split("\t") == ["key_id", "valid_from", "valid_until", "public_hex"]
    first, second = (line.split("\t") for line in lines[1:])
    assert first[1] == "(first key)" and first[2] == second[1]
    assert second[2] == "active"
    public = fairdebt("audit", "key", "--public", env=rotated)
    assert f"key id {second[0]}" in public.stderr
    ring = json.loads((tmp_path / "signing-key.keys.json").read_text())
    assert [k["id"] for k in ring["keys"]] == [first[0], second[0]]
    assert (tmp_path / f"signing-key.retired-{first[0]}.pem").stat().st_mode & 0o777 == 0o600


def test_a_retired_key_signing_after_its_retirement_is_seen(
    engine, rotated, tmp_path, fairdebt
) -> None:
    retired = load_signing_key(next(tmp_path.glob("signing-key.retired-*.pem")))
    new = load_signing_key(tmp_path / "signing-key.pem")
    _note(engine, "C-B1")
    from fairdebt.adapters.signing import read_keyring

    ring = read_keyring(tmp_path / "signing-key.keys.json", new)
    later = datetime.now(UTC) + timedelta(days=1)
    make_checkpoint(SqlUnitOfWork(engine), retired, later, ring.keys())

    result = fairdebt("audit", "verify", "--quiet", env=rotated)

    assert result.returncode == 1
    assert "WRONG-KEY checkpoint 3" in result.stdout
    assert "outside the period the key signed in" in result.stdout


def test_a_second_rotation_keeps_every_checkpoint_verifiable(engine, rotated, fairdebt) -> None:
    assert fairdebt("audit", "key", "--rotate", env=rotated).returncode == 0
    _note(engine, "C-B1")
    assert fairdebt("audit", "checkpoint", env=rotated).returncode == 0

    result = fairdebt("audit", "verify", "--quiet", env=rotated)

    assert result.returncode == 0, result.stdout
    assert "3 checkpoint(s)" in result.stdout


def test_bundles_verify_with_the_published_keys(rotated, tmp_path, fairdebt) -> None:
    bundle = tmp_path / "C-B1.json"
    assert fairdebt("audit", "bundle", "C-B1", "--out", str(bundle), env=rotated).returncode == 0

    built_in = fairdebt("audit", "verify-bundle", str(bundle), env=rotated)
    with_old_only = fairdebt(
        "audit", "verify-bundle", str(bundle), "--key", str(tmp_path / "old.pub"), env=rotated
    )
    standalone = subprocess.run(
        [
            sys.executable,
            str(SRC),
            str(bundle),
            "--key",
            str(tmp_path / "old.pub"),
            "--key",
            str(tmp_path / "new.pub"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    old_alone = subprocess.run(
        [sys.executable, str(SRC), str(bundle), "--key", str(tmp_path / "old.pub")],
        capture_output=True,
        text=True,
        check=False,
    )

    assert built_in.returncode == 0, built_in.stdout
    assert with_old_only.returncode == 0, with_old_only.stdout  # through the handover
    assert standalone.returncode == 0, standalone.stdout + standalone.stderr
    assert "VALID" in standalone.stdout
    assert old_alone.returncode == 1 and "not by the key given" in old_alone.stdout


def test_a_backup_carries_the_key_list_and_its_restore_verifies(
    engine, database_url, rotated, tmp_path, fairdebt
) -> None:
    made = fairdebt("backup", "--out", str(tmp_path / "b.tar.gz"), "--quiet", env=rotated)
    assert made.returncode == 0, made.stderr
    restored_dir = tmp_path / "restored"
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{restored_dir / 'fairdebt.db'}"
    else:
        url = database_url
        with engine.begin() as conn:
            for name in ("case_events", "audit_checkpoint_heads", "audit_checkpoints"):
                conn.execute(text(f"DELETE FROM {name}"))
    env = {"FAIRDEBT_DATABASE_URL": url, "FAIRDEBT_DATA_DIR": str(restored_dir)}

    restored = fairdebt("restore", str(tmp_path / "b.tar.gz"), "--force", "--quiet", env=env)

    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "2 checkpoint(s)" in restored.stdout
    assert (restored_dir / "signing-key.keys.json").exists()
    assert len(list(restored_dir.glob("signing-key.retired-*.pem"))) == 1
