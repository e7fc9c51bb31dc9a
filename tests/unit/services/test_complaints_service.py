"""Complaints on in-memory ports: filing holds the case at once (the gate denies collection and
still allows a reply), deadlines are kept with the complaint, another case's contact is refused
with nothing written, the desk acknowledges, assigns, answers through the outbox, releases."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from fakes import FakeUnitOfWork
from fakes.repayment import open_account
from repayment_world import NOW, account, world

from fairdebt.compliance.pack import builtin_packs
from fairdebt.domain.case import Hold
from fairdebt.domain.events import NewEvent
from fairdebt.services import complaints
from fairdebt.services.complaints import ComplaintError, Deadlines, clock, hold_for
from fairdebt.services.contact import ContactRequest, ask
from fairdebt.services.ports.complaints import ComplaintFilter, ReplyTo
from fairdebt.services.ports.identity import Role, User
from fairdebt.services.ports.worklist import DebtRow, Person

PACKS = builtin_packs()
CASE = "C-B1"
PHONE = "+8613800000001"
BORROWER = User("ub", "b1", "张三", Role.BORROWER, borrower_id="B1")
STRANGER = User("ux", "b9", "王五", Role.BORROWER, borrower_id="B9")
OFFICER = User("uc", "cmp1", "合规 甲", Role.COMPLIANCE)
COLLECTOR = User("u1", "col1", "李雷", Role.COLLECTOR)
AT_NOON = NOW.replace(hour=4)  # 12:00 in Shanghai


def complaint_world() -> FakeUnitOfWork:
    """C-B1 (borrower B1 in Shanghai, one CNY account), one recorded SMS (seq 2), a second case
    C-B2 with a call of its own, and the officer as a user."""
    uow = world()
    open_account(uow, replace(account(), id="A2", borrower_id="B2"), "C-B2", NOW.date())
    with uow:
        for borrower in ("B1", "B2"):
            uow.directory.people[borrower] = Person("Asia/Shanghai", None, None, None)
        uow.directory.accounts["B1"] = [DebtRow("A1", "CNY", 64, 500_000)]
        uow.complaints.addresses[CASE] = ReplyTo(PHONE, None, "CNY")
        for n in range(3):  # C-B2's call comes later in its log than C-B1's SMS in C-B1's
            uow.events.append("C-B2", NewEvent("note", "col2", {"n": n}), NOW)
        for case, channel in ((CASE, "sms"), ("C-B2", "call")):
            data = {
                "at": NOW.isoformat(),
                "channel": channel,
                "direction": "out",
                "party": "debtor",
                "outcome": "delivered",
                "to": PHONE,
                "decision_id": f"d-{case}",
            }
            uow.events.append(case, NewEvent("contact_recorded", "worker", data), NOW)
        uow.users.add(OFFICER, "x")
        uow.commit()
    return uow


def seq_of(uow: FakeUnitOfWork, case: str, kind: str = "contact_recorded") -> int:
    return next(e.seq for e in uow.events.events(case) if e.type == kind)


def filed(uow: FakeUnitOfWork, about: str = "contact", kind: str = "conduct", **kw):
    seq = kw.pop("contact_seq", seq_of(uow, CASE) if about != "debt" else None)
    by = kw.pop("by", BORROWER)
    return complaints.file(uow, CASE, about, kind, "他半夜打电话辱骂我", seq, by, NOW, **kw)


def sms(uow: FakeUnitOfWork, purpose: str):
    request = ContactRequest(CASE, "sms", "debtor", purpose, PHONE, "in-house", "t", "您好")
    return ask(uow, request, AT_NOON, PACKS, "cn").decision


def test_filing_holds_the_case_at_once_collection_denied_and_a_reply_allowed() -> None:
    uow = complaint_world()

    complaint = filed(uow)

    assert uow.cases.get(CASE).holds == {Hold.COMPLAINT}
    collect = sms(uow, "collect")
    respond = sms(uow, "respond")
    assert collect.decision.value == "deny"
    assert "FD-HOLD.complaint" in {r.id for r in collect.rules}
    assert respond.decision.value == "allow"
    types = [e.type for e in uow.events.events(CASE)]
    assert types[-4:-2] == ["complaint_filed", "hold_placed"]
    assert complaint.status == "open" and complaint.hold_state == "held"


def test_a_debt_dispute_holds_as_dispute_and_conduct_as_complaint() -> None:
    assert hold_for("debt", "amount") is Hold.DISPUTE
    assert hold_for("debt", "identity_theft") is Hold.DISPUTE
    assert hold_for("debt", "conduct") is Hold.COMPLAINT
    assert hold_for("visit", "amount") is Hold.COMPLAINT
    uow = complaint_world()
    filed(uow, about="debt", kind="amount")
    denied = sms(uow, "collect")
    assert "FD-HOLD.dispute" in {r.id for r in denied.rules}


def test_the_deadlines_are_stored_with_the_complaint_and_the_clock_runs() -> None:
    uow = complaint_world()
    complaint = filed(uow, deadlines=Deadlines(2, 15))

    assert complaint.acknowledge_by == NOW + timedelta(days=2)
    assert complaint.answer_by == NOW + timedelta(days=15)
    assert uow.complaints.get(complaint.id).answer_by == NOW + timedelta(days=15)
    late = clock(complaint, NOW + timedelta(days=3))
    assert late.overdue and late.acknowledge_left == timedelta(days=-1)
    assert not clock(complaint, NOW).overdue


def test_another_cases_contact_is_refused_and_nothing_is_written() -> None:
    uow = complaint_world()
    before = len(uow.events.events(CASE))
    other = seq_of(uow, "C-B2")
    assert other != seq_of(uow, CASE)

    with pytest.raises(ComplaintError, match="is not a contact"):
        filed(uow, contact_seq=other)
    with pytest.raises(ComplaintError, match="not a contact"):
        filed(uow, contact_seq=999)
    with pytest.raises(ComplaintError, match="names its event"):
        filed(uow, contact_seq=None)
    with pytest.raises(ComplaintError, match="not a visit"):
        filed(uow, about="visit")  # an SMS is not a visit

    assert len(uow.events.events(CASE)) == before
    assert uow.complaints.rows == {} and uow.cases.get(CASE).holds == frozenset()


@pytest.mark.parametrize(
    ("text", "match"),
    [("", "empty"), ("   ", "empty"), ("a\x00b", "control"), ("x" * 5001, "5001 characters")],
)
def test_bad_text_is_refused(text: str, match: str) -> None:
    uow = complaint_world()
    with pytest.raises(ComplaintError, match=match):
        complaints.file(uow, CASE, "debt", "amount", text, None, BORROWER, NOW)
    assert uow.complaints.rows == {}


def test_bad_fields_attachments_and_strangers_are_refused() -> None:
    uow = complaint_world()
    with pytest.raises(ComplaintError, match="unknown about"):
        filed(uow, about="weather")
    with pytest.raises(ComplaintError, match="unknown kind"):
        filed(uow, kind="x" * 10**6)
    with pytest.raises(ComplaintError, match="evidence reference"):
        filed(uow, attachments=("../../etc/passwd",))
    with pytest.raises(ComplaintError, match="own case"):
        filed(uow, by=STRANGER)
    with pytest.raises(ComplaintError, match="no case"):
        complaints.file(uow, "C-NOPE", "debt", "amount", "x", None, BORROWER, NOW)
    with pytest.raises(ComplaintError, match="names no contact"):
        complaints.file(uow, CASE, "debt", "amount", "x", 2, BORROWER, NOW)
    with pytest.raises(ComplaintError, match="no event"):
        filed(uow, contact_seq=10**30)
    assert uow.complaints.rows == {}


def test_staff_files_on_the_borrowers_behalf_with_evidence() -> None:
    uow = complaint_world()
    ref = "sha256:" + "a" * 64
    complaint = filed(uow, by=COLLECTOR, attachments=(ref, ref))
    assert complaint.on_behalf and complaint.attachments == (ref,)


def test_the_desk_acknowledges_assigns_answers_through_the_outbox_and_releases() -> None:
    uow = complaint_world()
    complaint = filed(uow)
    later = AT_NOON + timedelta(hours=1)

    complaints.acknowledge(uow, complaint.id, OFFICER, later)
    complaints.assign(uow, complaint.id, "cmp1", OFFICER, later)
    answered = complaints.answer(uow, complaint.id, "已核实，向您致歉。", OFFICER, later, PACKS)
    released = complaints.release_hold(uow, complaint.id, "answered, apology", OFFICER, later)

    assert answered.status == "answered" and answered.reply.startswith("queued sms (outbox")
    queued = list(uow.outbox.rows.values())
    assert [(m.message.purpose, m.message.body) for m in queued] == [
        ("respond", "已核实，向您致歉。")
    ]
    assert released.status == "closed" and released.hold_state == "released"
    assert uow.cases.get(CASE).holds == frozenset()
    types = [e.type for e in uow.events.events(CASE)]
    for kind in ("complaint_acknowledged", "complaint_assigned", "complaint_answered"):
        assert kind in types
    assert types[-2:] == ["hold_released", "complaint_hold_released"]
    assert complaints.listing(uow, ComplaintFilter(open_only=True)) == []


def test_the_hold_stays_until_the_last_complaint_holding_it_is_released() -> None:
    uow = complaint_world()
    first, second = filed(uow), filed(uow)
    for c in (first, second):
        complaints.answer(uow, c.id, "答复", OFFICER, AT_NOON, PACKS)
    complaints.release_hold(uow, first.id, "done", OFFICER, AT_NOON)
    assert uow.cases.get(CASE).holds == {Hold.COMPLAINT}
    kept = complaints.keep_hold(uow, second.id, "still checking", OFFICER, AT_NOON)
    assert kept.hold_state == "kept" and kept.is_open
    complaints.release_hold(uow, second.id, "checked", OFFICER, AT_NOON)
    assert uow.cases.get(CASE).holds == frozenset()


def test_only_the_desk_works_complaints_and_the_order_is_kept() -> None:
    uow = complaint_world()
    complaint = filed(uow)
    with pytest.raises(ComplaintError, match="may not work complaints"):
        complaints.acknowledge(uow, complaint.id, COLLECTOR, NOW)
    with pytest.raises(ComplaintError, match="may not work complaints"):
        complaints.answer(uow, complaint.id, "x", BORROWER, NOW, PACKS)
    with pytest.raises(ComplaintError, match="not answered yet"):
        complaints.release_hold(uow, complaint.id, "why not", OFFICER, NOW)
    with pytest.raises(ComplaintError, match="not an active compliance"):
        complaints.assign(uow, complaint.id, "col1", OFFICER, NOW)
    complaints.answer(uow, complaint.id, "答复", OFFICER, AT_NOON, PACKS)
    with pytest.raises(ComplaintError, match="answered already"):
        complaints.answer(uow, complaint.id, "again", OFFICER, AT_NOON, PACKS)
    assert uow.cases.get(CASE).holds == {Hold.COMPLAINT}


def test_a_stale_version_loses_and_writes_nothing() -> None:
    uow = complaint_world()
    complaint = filed(uow)
    with uow:
        assert not uow.complaints.update(replace(complaint, status="closed", version=5))
    assert uow.complaints.get(complaint.id).status == "open"


def test_an_answer_the_gate_does_not_allow_is_recorded_not_sent() -> None:
    uow = complaint_world()
    complaint = filed(uow)
    midnight = NOW.replace(hour=16)  # 00:00 in Shanghai: quiet hours
    answered = complaints.answer(uow, complaint.id, "答复", OFFICER, midnight, PACKS)
    assert answered.reply.startswith("not sent: the gate said deny")
    assert uow.outbox.rows == {}


def test_an_answer_refused_at_night_is_shown_and_sent_again_by_day() -> None:
    uow = complaint_world()
    complaint = filed(uow)
    midnight = NOW.replace(hour=16)  # 00:00 in Shanghai
    answered = complaints.answer(uow, complaint.id, "答复", OFFICER, midnight, PACKS)
    # the quiet hours refused it, not the hold the complaint placed (it allows `respond`)
    assert answered.reply == "not sent: the gate said deny (CBA26-TIME, NIFA25-TIME)"
    state = complaints.answer_state(uow, answered)
    assert state.state == "not_sent" and state.resendable
    with pytest.raises(ComplaintError, match="may not work complaints"):
        complaints.resend_answer(uow, complaint.id, COLLECTOR, AT_NOON, PACKS)

    again = complaints.resend_answer(uow, complaint.id, OFFICER, AT_NOON, PACKS)

    assert again.reply.startswith("queued sms (outbox") and again.answer == "答复"
    (queued,) = uow.outbox.rows.values()
    assert (queued.message.purpose, queued.message.body) == ("respond", "答复")
    assert complaints.answer_state(uow, again).state == "queued"
    resent = [e for e in uow.events.events(CASE) if e.type == "complaint_answer_resent"]
    assert [e.data["was"] for e in resent] == ["not_sent"]
    assert resent[0].data["key"] == queued.message.key
    with pytest.raises(ComplaintError, match="queued: nothing to send again"):
        complaints.resend_answer(uow, complaint.id, OFFICER, AT_NOON, PACKS)


@pytest.mark.parametrize(
    ("kind", "data", "state"),
    [
        ("contact_cancelled", {"status": "cancelled", "why": "CBA26-TIME"}, "cancelled"),
        ("contact_failed", {"tries": 5, "detail": "provider down"}, "failed"),
        ("contact_recorded", {"outcome": "delivered"}, "sent"),
    ],
)
def test_what_the_worker_did_with_the_answer_decides_whether_it_goes_again(
    kind: str, data: dict, state: str
) -> None:
    uow = complaint_world()
    complaint = filed(uow)
    answered = complaints.answer(uow, complaint.id, "答复", OFFICER, AT_NOON, PACKS)
    (queued,) = uow.outbox.rows.values()
    with uow:
        uow.events.append(CASE, NewEvent(kind, "worker", {"key": queued.message.key} | data), NOW)
        uow.commit()
    shown = complaints.answer_state(uow, answered)
    assert shown.state == state and shown.resendable == (state != "sent")
    if state == "sent":
        with pytest.raises(ComplaintError, match="sent: nothing to send again"):
            complaints.resend_answer(uow, complaint.id, OFFICER, AT_NOON, PACKS)
        return
    complaints.resend_answer(uow, complaint.id, OFFICER, AT_NOON, PACKS)
    assert len(uow.outbox.rows) == 2
    assert complaints.answer_state(uow, complaints.get(uow, complaint.id)).state == "queued"


def test_an_answer_under_reg_f_says_it_is_from_a_debt_collector_and_how_to_opt_out() -> None:
    uow = complaint_world()
    with uow:
        uow.complaints.addresses[CASE] = ReplyTo(PHONE, None, "USD")
        uow.commit()
    complaint = filed(uow, about="debt", kind="amount")  # a dispute hold: it allows `respond`

    answered = complaints.answer(
        uow, complaint.id, "We checked the amount.", OFFICER, AT_NOON, PACKS
    )

    assert answered.reply.startswith("queued sms"), answered.reply  # not US-MINIMIRANDA/OPTOUT
    (queued,) = uow.outbox.rows.values()
    assert queued.message.pack == "us-regf"
    assert queued.message.body.startswith("We checked the amount.")
    assert "from a debt collector" in queued.message.body and "Reply STOP" in queued.message.body
    assert answered.answer == "We checked the amount."  # kept as the desk wrote it
