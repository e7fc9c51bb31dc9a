"""`fairdebt backup` with the evidence on S3 (moto's server): the bucket is its own backup, so the
archive holds no objects but lists every reference the events name; a restore that points at
the same bucket verifies every object."""

from __future__ import annotations

import socket
import subprocess
import tarfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

from sqlalchemy import text  # noqa: E402

from fairdebt.adapters.db.engine import make_engine  # noqa: E402
from fairdebt.adapters.db.migrate import upgrade  # noqa: E402
from fairdebt.adapters.db.uow import SqlUnitOfWork  # noqa: E402
from fairdebt.adapters.evidence import open_evidence_store  # noqa: E402
from fairdebt.domain.case import Case  # noqa: E402
from fairdebt.domain.events import NewEvent  # noqa: E402

AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
BUCKET = "fairdebt-evidence"


@pytest.fixture
def s3_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=BUCKET)
    try:
        yield f"s3://{BUCKET}/cases?endpoint={endpoint}&region=us-east-1"
    finally:
        server.stop()


def _run(monkeypatch: pytest.MonkeyPatch, capsys, env: dict[str, str], *args: str):  # type: ignore[no-untyped-def]
    from fairdebt.cli import main

    with monkeypatch.context() as patched:
        for name, value in env.items():
            patched.setenv(name, value)
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
    return subprocess.CompletedProcess(list(args), code, captured.out, captured.err)


def test_an_s3_store_is_listed_not_copied_and_the_restore_checks_it(
    s3_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    url = f"sqlite:///{tmp_path / 'source' / 'fairdebt.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO borrowers (id, name, phones, timezone) "
                "VALUES ('B1', '张伟', '', 'Asia/Shanghai')"
            )
        )
    ref = open_evidence_store(s3_url, tmp_path).put(b"%PDF-1.7 letter", "application/pdf")
    with SqlUnitOfWork(engine) as uow:
        uow.cases.add(Case("C-B1", "B1", (), AT.date()))
        uow.events.append("C-B1", NewEvent("contact_sent", "system", {"evidence": ref}), AT)
        uow.commit()
    engine.dispose()
    source = {
        "FAIRDEBT_DATABASE_URL": url,
        "FAIRDEBT_DATA_DIR": str(tmp_path / "source"),
        "FAIRDEBT_EVIDENCE_URL": s3_url,
    }

    made = _run(monkeypatch, capsys, source, "backup", "--out", str(tmp_path / "b.tar.gz"), "-q")

    assert made.returncode == 0, made.stderr
    with tarfile.open(tmp_path / "b.tar.gz") as tar:
        assert not [n for n in tar.getnames() if n.startswith("evidence/")]
        listed = tar.extractfile("evidence.txt").read().decode()  # type: ignore[union-attr]
    assert listed == f"{ref}\n"

    target = {
        "FAIRDEBT_DATABASE_URL": f"sqlite:///{tmp_path / 'restored' / 'fairdebt.db'}",
        "FAIRDEBT_DATA_DIR": str(tmp_path / "restored"),
        "FAIRDEBT_EVIDENCE_URL": s3_url,
    }
    restored = _run(monkeypatch, capsys, target, "restore", str(tmp_path / "b.tar.gz"), "-q")

    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "ok: 1 evidence objects for 1 references, all match" in restored.stdout
