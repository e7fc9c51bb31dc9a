"""Complaints on SQLite and PostgreSQL: the hold stops collection at once and a reply still goes,
a stale change loses, the answer is queued in the outbox, the CLI works them and exports CSV and
PDF (formula cells made inert, personal data masked)."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from repayment_seed import seed
from sqlalchemy import select, update
from typer.testing import CliRunner

from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.outbox_tables import outbox
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.compliance.pack import builtin_packs
from fairdebt.domain.events import NewEvent
from fairdebt.errors import FairdebtError
from fairdebt.services import complaints
from fairdebt.services.complaints import ComplaintError
from fairdebt.services.contact import ContactRequest, ask
from fairdebt.services.ports.complaints import ComplaintFilter, DecisionFilter
from fairdebt.services.users import create_user, get_user_by_name

NOW = datetime(2026, 4, 20, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
PHONE = "+8613800000001"
PACKS = builtin_packs()


def prepared(engine):
    """repayment_seed's C-B1 with a phone, one recorded SMS (its seq), a borrower user and an
    officer."""
    with engine.begin() as conn:
        seed(conn)
        conn.execute(update(t.borrowers).values(phones=PHONE))
    uow = SqlUnitOfWork(engine)
    data = {"at": NOW.isoformat(), "channel": "sms", "direction": "out", "party": "debtor",
            "outcome": "delivered", "to": PHONE, "decision_id": "d0"}  # fmt: skip
    with uow:
        seq = uow.events.append("C-B1", NewEvent("contact_recorded", "w", data), NOW).seq
        uow.commit()
    create_user(uow, "b1", "borrower", "correct-horse-9", "张伟", borrower_id="B1")
    create_user(uow, "cmp1", "compliance", "correct-horse-9", "合规")
    return uow, seq


def test_filing_holds_the_case_in_the_database_and_the_gate_sees_it(engine) -> None:
    uow, seq = prepared(engine)
    borrower = get_user_by_name(uow, "b1")

    filed = complaints.file(uow, "C-B1", "contact", "conduct", "辱骂", seq, borrower, NOW)

    def sms(purpose: str):
        request = ContactRequest("C-B1", "sms", "debtor", purpose, PHONE, "in-house", "t", "您好")
        return ask(uow, request, NOW, PACKS, "cn").decision

    collect, respond = sms("collect"), sms("respond")
    assert collect.decision.value == "deny" and "FD-HOLD.complaint" in {r.id for r in collect.rules}
    assert respond.decision.value == "allow"
    with uow:
        assert uow.complaints.get(filed.id) == filed
        assert uow.complaints.holding("C-B1", "complaint") == [filed]
        found = uow.desk.decisions(DecisionFilter(case_id="C-B1", rule="FD-HOLD.complaint"), 10)
    assert [d["verdict"] for d in found] == ["deny"]
    with engine.connect() as conn:
        assert conn.execute(select(t.cases.c.holds)).scalar_one() == "complaint"


def test_another_cases_event_and_a_stale_update_write_nothing(engine) -> None:
    uow, _seq = prepared(engine)
    borrower = get_user_by_name(uow, "b1")
    with pytest.raises(ComplaintError, match="not a contact"):
        complaints.file(uow, "C-B1", "contact", "conduct", "x", 1, borrower, NOW)  # case_opened
    filed = complaints.file(uow, "C-B1", "debt", "amount", "x", None, borrower, NOW)
    with uow:
        assert not uow.complaints.update(replace(filed, status="closed", version=9))
        assert len(uow.complaints.listing(ComplaintFilter(open_only=True), 10)) == 1


def test_the_answer_is_queued_and_release_closes(engine) -> None:
    uow, seq = prepared(engine)
    borrower, officer = get_user_by_name(uow, "b1"), get_user_by_name(uow, "cmp1")
    filed = complaints.file(uow, "C-B1", "contact", "conduct", "辱骂", seq, borrower, NOW)

    answered = complaints.answer(uow, filed.id, "已核实，致歉。", officer, NOW, PACKS)
    closed = complaints.release_hold(uow, filed.id, "resolved", officer, NOW)

    assert answered.reply.startswith("queued sms")
    with engine.connect() as conn:
        row = conn.execute(select(outbox)).one()
        assert (row.purpose, row.body, row.status) == ("respond", "已核实，致歉。", "queued")
        assert conn.execute(select(t.cases.c.holds)).scalar_one() == ""
    assert closed.status == "closed"


def test_the_cli_files_lists_and_exports(engine, use_database, tmp_path) -> None:
    _uow, seq = prepared(engine)
    from fairdebt.cli import app

    def cli(*args: str) -> str:
        result = CliRunner().invoke(app, list(args), catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    filed = cli(
        "complaints", "file", "C-B1", "--about", "contact", "--contact", str(seq),
        "--kind", "conduct", "--text", "=HYPERLINK(1) 他说 13912345678", "--as", "cmp1",
    )  # fmt: skip
    complaint_id = filed.split(":")[0].strip()
    listed = cli("complaints", "list", "--open", "--json")
    cli("complaints", "acknowledge", complaint_id, "--as", "cmp1")
    cli("complaints", "answer", complaint_id, "--text", "已处理", "--as", "cmp1")
    cli("complaints", "release", complaint_id, "--reason", "ok", "--as", "cmp1")
    today = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    cli("complaints", "export", "--format", "csv", "--out", str(tmp_path / "c.csv"),
        "--from", "2000-01-01", "--to", today)  # fmt: skip
    cli("complaints", "export", "--format", "pdf", "--out", str(tmp_path / "c.pdf"))

    assert complaint_id in listed
    rows = list(csv.DictReader(io.StringIO((tmp_path / "c.csv").read_text("utf-8-sig"))))
    assert len(rows) == 1 and rows[0]["status"] == "closed"
    assert rows[0]["text"].startswith("'=HYPERLINK")  # inert in a spreadsheet
    assert "13912345678" not in rows[0]["text"]  # masked
    assert rows[0]["contact_type"] == "contact_recorded" and rows[0]["contact_channel"] == "sms"
    assert (tmp_path / "c.pdf").read_bytes().startswith(b"%PDF")


def test_an_answer_the_gate_refused_is_sent_again_from_the_cli(engine, use_database) -> None:
    uow, seq = prepared(engine)
    borrower, officer = get_user_by_name(uow, "b1"), get_user_by_name(uow, "cmp1")
    filed = complaints.file(uow, "C-B1", "contact", "conduct", "辱骂", seq, borrower, NOW)
    midnight = NOW.replace(hour=16)  # 00:00 in Shanghai: the quiet hours refuse it
    answered = complaints.answer(uow, filed.id, "已处理", officer, midnight, PACKS)
    assert complaints.answer_state(uow, answered).state == "not_sent"
    from fairdebt.cli import app

    runner = CliRunner()
    neither = runner.invoke(app, ["complaints", "answer", filed.id, "--as", "cmp1"])
    both = runner.invoke(
        app, ["complaints", "answer", filed.id, "--text", "x", "--resend", "--as", "cmp1"]
    )
    for refused in (neither, both):  # the entry point turns these into one line and exit 2
        assert isinstance(refused.exception, FairdebtError) and "--resend" in str(refused.exception)
    again = runner.invoke(app, ["complaints", "answer", filed.id, "--resend", "--as", "cmp1"])
    assert again.exit_code == 0, again.output
    assert "answer sent again" in again.output  # queued, or refused again by the hour now
    with uow:
        kinds = [e.type for e in uow.events.events("C-B1")]
    assert kinds.count("complaint_answer_resent") == 1
