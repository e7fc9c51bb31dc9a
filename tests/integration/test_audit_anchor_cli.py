"""`fairdebt audit checkpoint / verify / bundle / verify-bundle / key` on SQLite and PostgreSQL:
every tampering the chains alone miss makes `audit verify` exit 1 naming it; an untouched log
exits 0; the CLI's errors are one cause and one hint.

The commands run in-process (`fairdebt.cli.main`, as the console script calls it) to spare a
Python start per command; the standalone verifier runs as the separate program it is."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from noted_cases import add_noted_cases
from sqlalchemy import text

from fairdebt.adapters.db.repositories import event_row
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.domain.events import NewEvent, chain

AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
CASES = ("C-B1", "C-B2", "C-B3")
SRC = Path(__file__).resolve().parents[2] / "src" / "fairdebt" / "audit_verifier.py"


@pytest.fixture
def world(engine, database_url: str, tmp_path: Path, fairdebt) -> dict[str, str]:
    """Three cases of 5 events each, a signing key, one checkpoint; the environment to run in."""
    add_noted_cases(engine, CASES, AT, notes=5)
    env = {
        "FAIRDEBT_DATABASE_URL": database_url,
        "FAIRDEBT_DATA_DIR": str(tmp_path),
        "FAIRDEBT_EVIDENCE_URL": str(tmp_path / "evidence"),
    }
    made = fairdebt("audit", "key", "--generate", "--out", str(tmp_path / "signing-key.pem"))
    assert made.returncode == 0, made.stderr
    first = fairdebt("audit", "checkpoint", env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("fairdebt-checkpoint v1 number=1 ")
    return env


@pytest.fixture
def verify(fairdebt):  # type: ignore[no-untyped-def]
    return lambda env, *args: fairdebt("audit", "verify", *args, env=env)


def _sql(engine, statement: str, **params: object) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        conn.execute(text(statement), params)


def test_an_untouched_log_passes_and_names_what_is_not_yet_anchored(engine, world, verify) -> None:
    with SqlUnitOfWork(engine) as uow:
        uow.events.append("C-B2", NewEvent("note_added", "collector:u1", {}), AT)
        uow.commit()

    result = verify(world)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "15 events" not in result.stdout and "16 events in 3 cases" in result.stdout
    assert "checkpoint(s), the latest 1 of" in result.stdout
    assert "not yet anchored: 1 event(s) in 1 case(s) appended after checkpoint 1" in result.stdout


def test_deleting_the_last_event(engine, world, verify) -> None:
    _sql(engine, "DELETE FROM case_events WHERE case_id = 'C-B1' AND seq = 5")

    result = verify(world)

    assert result.returncode == 1
    assert "every chain intact" in result.stdout  # what verify said before checkpoints
    assert "TRUNCATED case C-B1: event 5 deleted since checkpoint 1" in result.stdout


def test_deleting_the_last_three(engine, world, verify) -> None:
    _sql(engine, "DELETE FROM case_events WHERE case_id = 'C-B2' AND seq >= 3")

    result = verify(world)

    assert result.returncode == 1
    assert "TRUNCATED case C-B2: events 3-5 deleted since checkpoint 1" in result.stdout


def test_deleting_the_last_event_of_every_case(engine, world, verify) -> None:
    _sql(engine, "DELETE FROM case_events WHERE seq = 5")

    result = verify(world)

    assert result.returncode == 1
    for case in CASES:
        assert f"TRUNCATED case {case}: event 5 deleted" in result.stdout


def test_deleting_a_whole_chain(engine, world, verify) -> None:
    _sql(engine, "DELETE FROM case_events WHERE case_id = 'C-B3'")

    result = verify(world)

    assert result.returncode == 1
    assert "DELETED case C-B3: its whole chain (events 1-5" in result.stdout


def test_an_edit_with_the_later_hashes_recomputed(engine, world, verify) -> None:
    """Event 3 of C-B1 edited, and events 3-5 resealed: the chain alone is consistent again."""
    with SqlUnitOfWork(engine) as uow:
        old = uow.events.events("C-B1")
    prev = old[1].hash
    resealed = []
    for e in old[2:]:
        data = {"n": "forged"} if e.seq == 3 else dict(e.data)
        new = chain(e.case, e.seq, prev, AT, NewEvent(e.type, e.actor, data))
        resealed.append(event_row(new))
        prev = new.hash
    update = text(
        "UPDATE case_events SET data = :data, prev = :prev, hash = :hash "
        "WHERE case_id = :case_id AND seq = :seq"
    )
    with engine.begin() as conn:
        for row in resealed:
            conn.execute(update, row)

    result = verify(world)

    assert result.returncode == 1
    assert "BROKEN" not in result.stdout  # the chain alone is consistent again
    assert "REWRITTEN case C-B1: event 5 is not the one checkpoint 1 signed" in result.stdout


def test_a_forged_checkpoint(engine, world, verify) -> None:
    _sql(engine, "UPDATE audit_checkpoints SET size = 2 WHERE number = 1")

    result = verify(world)

    assert result.returncode == 1
    assert "FORGED checkpoint 1: its signature does not verify" in result.stdout


def test_a_removed_checkpoint(engine, world, fairdebt, verify) -> None:
    for _ in range(2):
        with SqlUnitOfWork(engine) as uow:
            uow.events.append("C-B1", NewEvent("note_added", "collector:u1", {}), AT)
            uow.commit()
        made = fairdebt("audit", "checkpoint", env=world)
        assert made.returncode == 0, made.stderr
    latest = made.stdout
    _sql(engine, "DELETE FROM audit_checkpoints WHERE number = 2")

    result = verify(world)

    assert result.returncode == 1
    assert "REMOVED checkpoint 2" in result.stdout

    _sql(engine, "DELETE FROM audit_checkpoint_heads WHERE checkpoint >= 2")
    _sql(engine, "DELETE FROM audit_checkpoints WHERE number = 3")
    published = Path(world["FAIRDEBT_DATA_DIR"]) / "published.txt"
    published.write_text(f"Subject: checkpoint\n\n{latest}\n", encoding="utf-8")
    after = verify(world, "--published", str(published))
    assert after.returncode == 1
    assert (
        "REMOVED checkpoint 3: it was published, but is not in the checkpoint log" in after.stdout
    )


def test_a_checkpoint_refuses_a_truncated_log(engine, world, fairdebt) -> None:
    _sql(engine, "DELETE FROM case_events WHERE case_id = 'C-B1' AND seq = 5")

    result = fairdebt("audit", "checkpoint", env=world)

    assert result.returncode == 2
    assert "error: 1 case(s) lost anchored events" in result.stderr
    assert "hint: run `fairdebt audit verify`" in result.stderr
    assert "Traceback" not in result.stderr


def test_bundle_and_both_verifiers(engine, world, tmp_path: Path, fairdebt) -> None:
    bundle, pub = tmp_path / "C-B2.json", tmp_path / "institution.pub"
    made = fairdebt("audit", "bundle", "C-B2", "--out", str(bundle), "--with-evidence", env=world)
    assert made.returncode == 0, made.stderr
    public = fairdebt("audit", "key", "--public", env=world)
    assert public.returncode == 0 and public.stdout.startswith("-----BEGIN PUBLIC KEY-----")
    pub.write_text(public.stdout, encoding="utf-8")

    built_in = fairdebt("audit", "verify-bundle", str(bundle), "--key", str(pub), env=world)
    standalone = subprocess.run(
        [sys.executable, str(SRC), str(bundle), "--key", str(pub)],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": os.environ.get("PATH", "")},
    )

    assert built_in.returncode == 0, built_in.stdout
    assert "ok: case C-B2, 5 events, event 5 anchored by checkpoint 1" in built_in.stdout
    assert standalone.returncode == 0, standalone.stdout + standalone.stderr
    assert "VALID" in standalone.stdout

    bundle.write_bytes(bundle.read_bytes().replace(b'"n":2', b'"n":7'))
    assert fairdebt("audit", "verify-bundle", str(bundle), "--key", str(pub)).returncode == 1
    again = subprocess.run(
        [sys.executable, str(SRC), str(bundle), "--key", str(pub)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert again.returncode == 1 and "FAIL     event chain" in again.stdout


def test_plain_errors(world, tmp_path: Path, fairdebt) -> None:
    missing = {**world, "FAIRDEBT_SIGNING_KEY_FILE": str(tmp_path / "nope.pem")}

    no_key = fairdebt("audit", "checkpoint", env=missing)
    no_key_verify = fairdebt("audit", "verify", env=missing)
    again = fairdebt("audit", "key", "--generate", "--out", str(tmp_path / "signing-key.pem"))
    no_case = fairdebt("audit", "bundle", "C-NONE", "--out", str(tmp_path / "x.json"), env=world)

    assert no_key.returncode == 2
    assert f"error: no signing key at {tmp_path / 'nope.pem'}" in no_key.stderr
    # the hint is the exact command for the path the settings name
    wanted = f"hint: create it with `fairdebt audit key --generate --out {tmp_path / 'nope.pem'}`"
    assert wanted in no_key.stderr.replace("\n", " ")
    assert no_key_verify.returncode == 2
    assert "checkpoints need a key" in no_key_verify.stderr
    assert again.returncode == 2 and "is never overwritten" in again.stderr
    assert no_case.returncode == 2 and "has no events" in no_case.stderr
    for result in (no_key, no_key_verify, again, no_case):
        assert "Traceback" not in result.stderr
    mode = stat.S_IMODE((tmp_path / "signing-key.pem").stat().st_mode)
    assert mode == 0o600
