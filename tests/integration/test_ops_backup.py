"""`fairdebt backup` / `fairdebt restore` on SQLite and PostgreSQL: a restored copy passes
`fairdebt audit verify` with the same events and evidence; a cut or altered archive, a
non-empty target and a newer schema are refused with nothing written; a backup taken while
another thread appends events is consistent (every chain verifies)."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import tarfile
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from noted_cases import add_noted_cases
from sqlalchemy import func, select, text

from fairdebt.adapters.db.engine import make_engine
from fairdebt.adapters.db.migrate import upgrade
from fairdebt.adapters.db.tables import case_events
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.adapters.evidence.fs import FileEvidenceStore
from fairdebt.domain.events import NewEvent

AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
CASES = ("C-B1", "C-B2", "C-B3")


@pytest.fixture
def world(engine, database_url: str, tmp_path: Path, fairdebt) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Three cases with evidence, a signing key, a data-encryption key file, a checkpoint."""
    data = tmp_path / "source"
    data.mkdir()
    add_noted_cases(engine, CASES, AT, notes=4, store=FileEvidenceStore(data / "evidence"))
    env = {
        "FAIRDEBT_DATABASE_URL": database_url,
        "FAIRDEBT_DATA_DIR": str(data),
        "FAIRDEBT_EVIDENCE_URL": "",
    }
    made = fairdebt("audit", "key", "--generate", "--out", str(data / "signing-key.pem"))
    assert made.returncode == 0, made.stderr
    (data / "keys").mkdir()
    (data / "keys" / "data.key").write_bytes(b"\x01" * 32)
    first = fairdebt("audit", "checkpoint", env=env)
    assert first.returncode == 0, first.stderr
    return env


def _fresh_target(database_url: str, tmp_path: Path) -> tuple[str, dict[str, str]]:
    """An empty database of the same kind and a new data folder."""
    data = tmp_path / "restored"
    # PostgreSQL: the same database, emptied by the test
    url = f"sqlite:///{data / 'fairdebt.db'}" if database_url.startswith("sqlite") else database_url
    return url, {"FAIRDEBT_DATABASE_URL": url, "FAIRDEBT_DATA_DIR": str(data)}


def _empty_postgres(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        for name in reversed(list(_table_names(conn))):
            conn.execute(text(f'DROP TABLE IF EXISTS "{name}" CASCADE'))


def _table_names(conn) -> list[str]:  # type: ignore[no-untyped-def]
    from sqlalchemy import inspect

    return inspect(conn).get_table_names()


def _events(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(case_events)).scalar_one())
    finally:
        engine.dispose()


def _backup(fairdebt, env: dict[str, str], out: Path) -> Path:  # type: ignore[no-untyped-def]
    made = fairdebt("backup", "--out", str(out), "--quiet", env=env)
    assert made.returncode == 0, made.stderr
    assert "the archive holds private keys" in made.stderr
    return next(out.glob("fairdebt-backup-*.tar.gz")) if out.is_dir() else out


def test_backup_then_restore_into_a_fresh_place_verifies(
    engine, database_url, world, tmp_path, fairdebt
) -> None:
    archive = _backup(fairdebt, world, tmp_path)
    before = _events(database_url)
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert names[-1] == "manifest.json"
    assert manifest["database"] == engine.dialect.name
    assert manifest["alembic_revision"]
    assert manifest["evidence_objects"] == 3
    assert sorted(manifest["secret_members"]) == [
        "secrets/data/keys/data.key",
        "secrets/data/signing-key.pem",
    ]
    assert set(manifest["members"]) == set(names[:-1])

    url, env = _fresh_target(database_url, tmp_path)
    if not database_url.startswith("sqlite"):
        _empty_postgres(engine)
    restored = fairdebt("restore", str(archive), "--quiet", env=env)

    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "every chain intact" in restored.stdout
    assert "ok: 3 evidence objects" in restored.stdout
    assert "every anchored head intact" in restored.stdout
    assert _events(url) == before
    data = Path(env["FAIRDEBT_DATA_DIR"])
    assert (data / "signing-key.pem").stat().st_mode & 0o777 == 0o600
    assert (data / "keys" / "data.key").read_bytes() == b"\x01" * 32
    assert len(list((data / "evidence" / "sha256").glob("??/*"))) == 3
    again = fairdebt("audit", "verify", "--quiet", env=env)
    assert again.returncode == 0, again.stdout


def test_a_cut_archive_is_refused_and_nothing_written(
    database_url, world, tmp_path, fairdebt
) -> None:
    archive = _backup(fairdebt, world, tmp_path)
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size * 2 // 3])
    _, env = _fresh_target("sqlite", tmp_path)

    refused = fairdebt("restore", str(cut), env=env)

    assert refused.returncode == 2
    assert "cut short or damaged" in refused.stderr and "nothing was restored" in refused.stderr
    data = Path(env["FAIRDEBT_DATA_DIR"])
    assert not (data / "fairdebt.db").exists() and not (data / "signing-key.pem").exists()


def test_a_flipped_byte_inside_a_member_is_refused(database_url, world, tmp_path, fairdebt) -> None:
    archive = _backup(fairdebt, world, tmp_path)
    # Re-pack with one evidence object's byte changed and the gzip made valid again: only the
    # manifest's hash can tell.
    altered = tmp_path / "altered.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(altered, "w:gz") as dst:
        for member in src:
            data = src.extractfile(member).read()  # type: ignore[union-attr]
            if member.name.startswith("evidence/sha256/"):
                data = bytes([data[0] ^ 1]) + data[1:]
            dst.addfile(member, io.BytesIO(data))
    _, env = _fresh_target("sqlite", tmp_path)

    refused = fairdebt("restore", str(altered), env=env)

    assert refused.returncode == 2
    assert "does not match its manifest" in refused.stderr
    assert "SHA-256 is not the manifest's (altered)" in refused.stderr
    assert not Path(env["FAIRDEBT_DATA_DIR"], "fairdebt.db").exists()


def test_a_flipped_byte_in_the_compressed_file_is_refused(
    database_url, world, tmp_path, fairdebt
) -> None:
    archive = _backup(fairdebt, world, tmp_path)
    raw = bytearray(archive.read_bytes())
    raw[len(raw) // 2] ^= 0x40
    flipped = tmp_path / "flipped.tar.gz"
    flipped.write_bytes(bytes(raw))
    _, env = _fresh_target("sqlite", tmp_path)

    refused = fairdebt("restore", str(flipped), env=env)

    assert refused.returncode == 2
    assert "nothing was restored" in refused.stderr


def test_restore_onto_a_database_that_is_not_empty_needs_force(
    engine, database_url, world, tmp_path, fairdebt
) -> None:
    archive = _backup(fairdebt, world, tmp_path)
    with SqlUnitOfWork(engine) as uow:
        uow.events.append("C-B1", NewEvent("note_added", "collector:u1", {"late": 1}), AT)
        uow.commit()
    after = _events(database_url)

    refused = fairdebt("restore", str(archive), env=world)

    assert refused.returncode == 2
    assert "the target database is not empty" in refused.stderr
    assert "--force" in refused.stderr
    assert _events(database_url) == after
    engine.dispose()

    forced = fairdebt("restore", str(archive), "--force", "--quiet", env=world)

    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert _events(database_url) == after - 1
    assert "every chain intact" in forced.stdout


def test_an_archive_of_a_newer_schema_is_refused(database_url, world, tmp_path, fairdebt) -> None:
    archive = _backup(fairdebt, world, tmp_path)
    newer = tmp_path / "newer.tar.gz"
    _rewrite_manifest(archive, newer, alembic_revision="9999_from_the_future")
    _, env = _fresh_target("sqlite", tmp_path)

    refused = fairdebt("restore", str(newer), env=env)

    assert refused.returncode == 2
    assert "newer than this program's" in refused.stderr
    assert not Path(env["FAIRDEBT_DATA_DIR"], "fairdebt.db").exists()


def _rewrite_manifest(archive: Path, out: Path, **changes: object) -> None:
    with tarfile.open(archive) as src, tarfile.open(out, "w:gz") as dst:
        for member in src:
            data = src.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest.update(changes)
                data = json.dumps(manifest).encode()
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data))


def test_a_backup_while_another_thread_appends_events_is_consistent(
    engine, database_url, world, tmp_path, fairdebt
) -> None:
    stop = threading.Event()
    written = [0]

    def append() -> None:
        writer = make_engine(database_url, timeout=30)
        try:
            while not stop.is_set():
                with SqlUnitOfWork(writer) as uow:
                    for case in CASES:
                        uow.events.append(case, NewEvent("note_added", "system", {}), AT)
                    uow.commit()
                written[0] += 1
        finally:
            writer.dispose()

    thread = threading.Thread(target=append)
    thread.start()
    try:
        archive = _backup(fairdebt, world, tmp_path)
    finally:
        stop.set()
        thread.join()
    assert written[0] > 0
    url, env = _fresh_target(database_url, tmp_path)
    if not database_url.startswith("sqlite"):
        _empty_postgres(engine)

    restored = fairdebt("restore", str(archive), "--quiet", env=env)

    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "every chain intact" in restored.stdout
    assert _events(url) % 3 == 0  # whole transactions only: 3 events each


def test_backup_refuses_to_overwrite_a_file(world, tmp_path, fairdebt) -> None:
    taken = tmp_path / "taken.tar.gz"
    taken.write_bytes(b"keep me")

    refused = fairdebt("backup", "--out", str(taken), env=world)

    assert refused.returncode == 2 and "never overwrites" in refused.stderr
    assert taken.read_bytes() == b"keep me"


def test_a_gzip_that_is_not_a_backup_is_refused(tmp_path, fairdebt) -> None:
    bogus = tmp_path / "bogus.tar.gz"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("../../etc/passwd")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    bogus.write_bytes(gzip.compress(buffer.getvalue()))
    url = f"sqlite:///{tmp_path / 'x' / 'fairdebt.db'}"
    upgrade(make_engine(url))

    refused = fairdebt("restore", str(bogus), env={"FAIRDEBT_DATABASE_URL": url})

    assert refused.returncode == 2
    assert "which no fairdebt backup holds" in refused.stderr


def test_no_room_to_unpack_is_said_and_nothing_restored(
    database_url, world, tmp_path, fairdebt
) -> None:
    archive = _backup(fairdebt, world, tmp_path)
    data = tmp_path / "tiny"
    data.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(data)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        env = {"FAIRDEBT_DATABASE_URL": f"sqlite:///{data / 'fairdebt.db'}"}
        env["FAIRDEBT_DATA_DIR"] = str(data)

        refused = fairdebt("restore", str(archive), env=env)

        assert refused.returncode == 2
        assert f"cannot unpack the archive into {data}" in refused.stderr
        assert "nothing was restored" in refused.stderr and "free space" in refused.stderr
        assert list(data.iterdir()) == []  # the staging folder is gone too
    finally:
        subprocess.run(["umount", str(data)], check=False)


def test_the_personal_data_key_file_travels_with_the_backup(
    engine, database_url, tmp_path, fairdebt, monkeypatch
) -> None:
    """With no keys in the settings, phones are sealed under <data_dir>/data-keys: the archive
    must carry that file, or the restored phones and addresses could never be read again."""
    from fairdebt.adapters.db import crypto
    from fairdebt.adapters.db.tables import borrowers
    from fairdebt.settings import load_settings

    monkeypatch.delenv("FAIRDEBT_DATA_KEYS")
    monkeypatch.delenv("FAIRDEBT_INDEX_KEY")
    data = tmp_path / "source"
    data.mkdir()
    env = {"FAIRDEBT_DATABASE_URL": database_url, "FAIRDEBT_DATA_DIR": str(data)}
    monkeypatch.setenv("FAIRDEBT_DATA_DIR", str(data))
    crypto.use_keyring(crypto.load_keyring(load_settings()))  # makes data/data-keys
    try:
        with engine.begin() as conn:
            conn.execute(
                borrowers.insert().values(
                    id="B9", name="李娜", phones="+8613800000009", timezone="Asia/Shanghai"
                )
            )
        archive = _backup(fairdebt, env, tmp_path / "out.tar.gz")
        with tarfile.open(archive) as tar:
            assert "secrets/data/data-keys" in tar.getnames()

        url, target = _fresh_target(database_url, tmp_path)
        if not database_url.startswith("sqlite"):
            _empty_postgres(engine)
        restored = fairdebt("restore", str(archive), "--quiet", env=target)
        assert restored.returncode == 0, restored.stdout + restored.stderr

        monkeypatch.setenv("FAIRDEBT_DATA_DIR", target["FAIRDEBT_DATA_DIR"])
        crypto.use_keyring(crypto.load_keyring(load_settings()))
        copy = make_engine(url)
        try:
            with copy.connect() as conn:
                phones = conn.execute(select(borrowers.c.phones)).scalar_one()
        finally:
            copy.dispose()
        assert phones == "+8613800000009"
    finally:
        crypto.use_keyring(None)
