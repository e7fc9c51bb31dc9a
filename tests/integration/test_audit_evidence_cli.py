"""`fairdebt audit verify` checks every evidence object the case events name, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.adapters.evidence.fs import FileEvidenceStore
from fairdebt.domain.case import Case
from fairdebt.domain.events import NewEvent

AT = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
SMS = [f"【示例银行】第{i}条提醒：请于本月底前还款。".encode() for i in range(3)]


def _logged_with_evidence(engine, store: FileEvidenceStore) -> list[str]:
    """Case C-B1: a note (seq 1), then one contact_attempted event per SMS (seq 2, 3, 4)."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO borrowers (id, name, phones, timezone) "
                "VALUES ('B1', '张伟', '', 'Asia/Shanghai')"
            )
        )
    refs = [store.put(body, "text/plain; charset=utf-8") for body in SMS]
    with SqlUnitOfWork(engine) as uow:
        uow.cases.add(Case("C-B1", "B1", (), AT.date()))
        uow.events.append("C-B1", NewEvent("note_added", "collector:u1", {"note": "hi"}), AT)
        for i, ref in enumerate(refs):
            data = {"decision_id": f"d{i}", "channel": "sms", "evidence": ref}
            uow.events.append("C-B1", NewEvent("contact_attempted", "collector:u1", data), AT)
        uow.commit()
    return refs


def _verify(fairdebt, database_url: str, evidence: Path):  # type: ignore[no-untyped-def]
    env = {"FAIRDEBT_DATABASE_URL": database_url, "FAIRDEBT_EVIDENCE_URL": f"file://{evidence}"}
    return fairdebt("audit", "verify", env=env)


def test_intact_evidence_passes(engine, database_url: str, tmp_path: Path, fairdebt) -> None:
    store = FileEvidenceStore(tmp_path / "evidence")
    _logged_with_evidence(engine, store)

    result = _verify(fairdebt, database_url, store.root)

    assert result.returncode == 0, result.stderr
    assert "4 events in 1 cases, every chain intact" in result.stdout
    assert "3 evidence objects for 3 references, all match" in result.stdout
    assert "checking evidence: 3/3" in result.stderr  # the progress, as log lines when piped


def test_a_deleted_and_an_altered_object_fail_with_case_and_event(
    engine, database_url: str, tmp_path: Path, fairdebt
) -> None:
    store = FileEvidenceStore(tmp_path / "evidence")
    refs = _logged_with_evidence(engine, store)
    store.path_of(refs[0]).unlink()
    altered = store.path_of(refs[2])
    altered.chmod(0o644)
    altered.write_bytes(SMS[2].replace("月底".encode(), "明天".encode()))

    result = _verify(fairdebt, database_url, store.root)

    assert result.returncode == 1
    assert "every chain intact" in result.stdout  # the log itself is untouched
    assert f"EVIDENCE MISSING case C-B1 at event 2: {refs[0]}" in result.stdout
    assert f"EVIDENCE MISMATCH case C-B1 at event 4: {refs[2]}" in result.stdout
    assert "event 3" not in result.stdout
    assert "2 evidence reference(s) fail" in result.stderr


def test_a_log_without_evidence_opens_no_store(
    engine, database_url: str, tmp_path: Path, fairdebt
) -> None:
    with SqlUnitOfWork(engine) as uow:
        engine_conn = uow.conn
        engine_conn.execute(
            text(
                "INSERT INTO borrowers (id, name, phones, timezone) "
                "VALUES ('B1', '张伟', '', 'Asia/Shanghai')"
            )
        )
        uow.cases.add(Case("C-B1", "B1", (), AT.date()))
        uow.events.append("C-B1", NewEvent("note_added", "collector:u1", {}), AT)
        uow.commit()
    env = {"FAIRDEBT_DATABASE_URL": database_url, "FAIRDEBT_EVIDENCE_URL": "s3://unused"}

    result = fairdebt("audit", "verify", env=env)

    assert result.returncode == 0, result.stderr
    assert "evidence" not in result.stdout
