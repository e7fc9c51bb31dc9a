"""Backups of a sealed evidence store: the archive keeps the objects as stored (no message in
the clear), a restore puts them back unchanged and verifies; an object moved under another name
inside an archive whose manifest was made to match is refused before anything is written."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

from test_ops_backup import (  # noqa: F401  (`world`: the same fixture)
    _backup,
    _empty_postgres,
    _fresh_target,
    world,
)

from fairdebt.adapters.evidence import sealing


def _members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}  # type: ignore[union-attr]


def _repack(members: dict[str, bytes], out: Path) -> Path:
    """An archive of `members` with a manifest made to match them (what a forger would do)."""
    manifest = json.loads(members["manifest.json"])
    manifest["members"] = {
        name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        for name, data in members.items()
        if name != "manifest.json"
    }
    members = {**members, "manifest.json": json.dumps(manifest).encode()}
    with tarfile.open(out, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out


def test_the_archive_keeps_sealed_objects_and_a_restore_verifies(
    engine, database_url, request, tmp_path, fairdebt
) -> None:
    archive = _backup(fairdebt, request.getfixturevalue("world"), tmp_path)
    objects = {n: d for n, d in _members(archive).items() if n.startswith("evidence/sha256/")}
    assert objects and all(sealing.key_of(data) == "t1" for data in objects.values())
    assert not any("短信正文".encode() in data for data in objects.values())  # noted_cases' text
    _, env = _fresh_target(database_url, tmp_path)
    if not database_url.startswith("sqlite"):
        _empty_postgres(engine)

    restored = fairdebt("restore", str(archive), "--quiet", env=env)

    assert restored.returncode == 0, restored.stderr
    assert "ok: 3 evidence objects" in restored.stdout
    root = Path(env["FAIRDEBT_DATA_DIR"], "evidence")
    assert all((root / n.removeprefix("evidence/")).read_bytes() == d for n, d in objects.items())
    verified = fairdebt("audit", "verify", env={**env, "FAIRDEBT_EVIDENCE_URL": ""})
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "ok: 3 evidence objects" in verified.stdout


def test_an_object_moved_under_another_name_is_refused_before_writing(
    database_url, request, tmp_path, fairdebt
) -> None:
    members = _members(_backup(fairdebt, request.getfixturevalue("world"), tmp_path))
    first, second = sorted(n for n in members if n.startswith("evidence/sha256/"))[:2]
    forged = _repack({**members, second: members[first]}, tmp_path / "forged.tar.gz")
    _, env = _fresh_target(database_url, tmp_path)

    refused = fairdebt("restore", str(forged), "--force", env=env)  # past every other refusal

    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert f"{second} does not hash to its name; nothing was restored" in refused.stderr
    assert not Path(env["FAIRDEBT_DATA_DIR"], "fairdebt.db").exists() or "postgres" in database_url
    assert not Path(env["FAIRDEBT_DATA_DIR"], "evidence").exists()
