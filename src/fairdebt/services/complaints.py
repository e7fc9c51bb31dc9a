"""Use case: complaints and disputes (投诉 / 异议) — filed, held, acknowledged, answered, closed.

A borrower (through the portal) or a staff member on the borrower's behalf files a complaint
about the debt, about one contact, or about one visit; a complaint about a contact or a visit
names that contact's event in the case log (its `seq`), and it must be an event of the same case.
Filing places the hold the rule pack names, in the same transaction, so the gate stops
collection at once:
- about the debt (a wrong amount, identity theft, a wrong credit record, anything else but
  conduct): a `dispute` hold — FD-HOLD.dispute (cn; cf. 商业银行信用卡业务监督管理办法 第六十九条)
  and US-VAL-STOP.hold (us-regf; 15 U.S.C. 1692g(b));
- about conduct, a contact or a visit: a `complaint` hold — FD-HOLD.complaint.
Both holds still allow purpose `respond`, which is how the answer reaches the borrower.

Each complaint is given two deadlines when it is filed, kept with it so the borrower sees the
same dates later: to acknowledge (settings.complaint_acknowledge_days, fairdebt policy) and to
answer (settings.complaint_answer_days: 15 days, the time 《银行业保险业消费投诉处理管理办法》
(银保监会令2020年第3号) gives a bank or insurer for a simple complaint). See docs/complaints.md.

Only the compliance desk (compliance officers, supervisors, administrators) acknowledges,
assigns, answers and decides the hold: the answer is a message to the borrower, asked of the
gate with purpose `respond` and queued in the outbox in the same transaction (services.outbox);
then the hold is released (the complaint is closed) or kept with a reason (a dispute still being
verified). When several complaints hold a case, the case's hold goes only with the last one.
Every change is a case event; the complaint's text is personal data (web/event_details masks it).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from fairdebt.compliance.pack import Packs
from fairdebt.compliance.types import Verdict
from fairdebt.domain.case import Case, Hold
from fairdebt.domain.errors import DomainError
from fairdebt.domain.events import CaseEvent, NewEvent
from fairdebt.errors import FairdebtError
from fairdebt.services.contact import ContactRequest, ask
from fairdebt.services.outbox import enqueue, new_key
from fairdebt.services.ports import UnitOfWork
from fairdebt.services.ports.complaints import ABOUT, KINDS, Complaint, ComplaintFilter
from fairdebt.services.ports.evidence import EvidenceStore
from fairdebt.services.ports.identity import Role, User
from fairdebt.services.ports.outbox import NewMessage

DESK_ROLES = frozenset({Role.COMPLIANCE, Role.SUPERVISOR, Role.ADMIN})
MAX_TEXT = 5000  # characters of a complaint or an answer
MAX_REASON = 1000
MAX_ATTACHMENTS = 20
MAX_SEQ = 2**62
_REF = re.compile(r"^sha256:[0-9a-f]{64}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The case events a complaint about a contact may name; a visit's are these on channel `visit`
# or any `visit_*` event (the field-visit workflow's own).
CONTACT_EVENTS = frozenset(
    {
        "contact_attempted",
        "contact_recorded",
        "contact_queued",
        "contact_failed",
        "contact_cancelled",
        "contact_unconfirmed",
        "inbound_message",
    }
)
PACK_BY_CURRENCY = {"USD": "us-regf"}  # as services.worklist_execute: others, the default pack
LANGUAGE_BY_PACK = {"us-regf": "en"}
IN_HOUSE = "in-house"  # the gate's collector for a reply: the lender itself answers
# What every message of a pack must say that an answer typed at the desk may not: under Reg F
# the answer is still a communication about the debt, so it says it is from a debt collector
# (15 U.S.C. 1692e(11), 12 CFR 1006.18(e): US-MINIMIRANDA) and how to opt out of texts and
# e-mails (12 CFR 1006.6(e): US-OPTOUT.notice). The stored answer stays as the desk wrote it.
FOOTER = {
    "us-regf": "\n\nThis communication is from a debt collector. Reply STOP to opt out of "
    "messages to this number or address."
}


class ComplaintError(FairdebtError):
    """A complaint cannot be filed or changed as asked (nothing was written)."""


@dataclass(frozen=True, slots=True)
class Deadlines:
    """Calendar days to acknowledge and to answer (settings; docs/complaints.md)."""

    acknowledge_days: int = 2
    answer_days: int = 15


@dataclass(frozen=True, slots=True)
class Clock:
    """Where a complaint stands against its deadlines at `now` (negative: overdue)."""

    acknowledge_left: timedelta | None  # None once acknowledged
    answer_left: timedelta | None  # None once answered

    @property
    def overdue(self) -> bool:
        return any(left is not None and left < timedelta(0) for left in self._both)

    @property
    def _both(self) -> tuple[timedelta | None, timedelta | None]:
        return (self.acknowledge_left, self.answer_left)


def hold_for(about: str, kind: str) -> Hold:
    """A dispute of the debt holds as `dispute`; conduct, a contact, a visit as `complaint`."""
    return Hold.DISPUTE if about == "debt" and kind != "conduct" else Hold.COMPLAINT


def clock(complaint: Complaint, now: datetime) -> Clock:
    ack = None if complaint.acknowledged_at else complaint.acknowledge_by - now
    answer = None if complaint.answered_at else complaint.answer_by - now
    return Clock(ack, answer)


# --- filing --------------------------------------------------------------------------------


def file(
    uow: UnitOfWork,
    case_id: str,
    about: str,
    kind: str,
    text: str,
    contact_seq: int | None,
    by: User,
    now: datetime,
    attachments: tuple[str, ...] = (),
    *,
    deadlines: Deadlines = Deadlines(),
    evidence: EvidenceStore | None = None,
) -> Complaint:
    """File a complaint for the case's borrower: `by` is that borrower's user, or a staff member
    filing on their behalf. It is stored with its deadlines, and its hold is placed on the case
    in the same transaction (the gate stops collection at once). ComplaintError, nothing
    written, for a bad field, another case's contact, or a user who may not file for the case."""
    text = _clean(text, "complaint text", MAX_TEXT)
    about, kind = _choice(about, ABOUT, "about"), _choice(kind, KINDS, "kind")
    refs = _attachments(attachments, evidence)
    with uow:
        case = _case(uow, case_id)
        _may_file(by, case)
        _check_contact(uow, case_id, about, contact_seq)
        hold = hold_for(about, kind)
        complaint = Complaint(
            id=f"CP-{uuid.uuid4().hex[:12].upper()}",
            case_id=case_id,
            about=about,
            kind=kind,
            hold=hold.value,
            text=text,
            contact_seq=contact_seq,
            attachments=refs,
            filed_by=by.id,
            on_behalf=by.role is not Role.BORROWER,
            filed_at=now,
            acknowledge_by=now + timedelta(days=deadlines.acknowledge_days),
            answer_by=now + timedelta(days=deadlines.answer_days),
            updated_at=now,
        )
        uow.complaints.add(complaint)
        _log(uow, complaint, "complaint_filed", by, now, _filed_data(complaint))
        if hold not in case.holds:
            held, event = case.place_hold(hold, _actor(by), f"complaint {complaint.id}")
            uow.cases.save(held)
            uow.events.append(case_id, event, now)
        uow.commit()
    return complaint


def _filed_data(c: Complaint) -> dict[str, object]:
    return {
        "about": c.about,
        "kind": c.kind,
        "hold": c.hold,
        "contact_seq": c.contact_seq,
        "text": c.text,
        "attachments": list(c.attachments),
        "on_behalf": c.on_behalf,
        "acknowledge_by": c.acknowledge_by.isoformat(),
        "answer_by": c.answer_by.isoformat(),
    }


def _clean(text: str, what: str, limit: int) -> str:
    text = (text or "").strip()
    if not text:
        raise ComplaintError(f"the {what} is empty", hint="say what happened")
    if _CONTROL.search(text):
        raise ComplaintError(f"the {what} holds control characters", hint="plain text only")
    if len(text) > limit:
        raise ComplaintError(f"the {what} is {len(text)} characters long", hint=f"at most {limit}")
    return text


def _choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise ComplaintError(f"unknown {what} {value[:40]!r}", hint=f"one of: {', '.join(allowed)}")
    return value


def _attachments(refs: tuple[str, ...], store: EvidenceStore | None) -> tuple[str, ...]:
    unique = tuple(dict.fromkeys(refs))
    if len(unique) > MAX_ATTACHMENTS:
        raise ComplaintError(f"{len(unique)} attachments", hint=f"at most {MAX_ATTACHMENTS}")
    for ref in unique:
        if not _REF.fullmatch(ref):
            raise ComplaintError("an attachment is not an evidence reference", hint="sha256:<hex>")
        if store is not None and store.check(ref) != "ok":
            raise ComplaintError(f"attachment {ref[:19]}… is not in the evidence store")
    return unique


def _case(uow: UnitOfWork, case_id: str) -> Case:
    case = uow.cases.get(case_id)
    if case is None:
        raise ComplaintError(f"no case {case_id[:64]!r}", hint="check the case id")
    return case


def _may_file(by: User, case: Case) -> None:
    """The case's own borrower, or active staff (an agency user only for its placed cases)."""
    if not by.active:
        raise ComplaintError(f"user {by.username} is disabled")
    if by.role is Role.BORROWER:
        if by.borrower_id != case.borrower_id:
            raise ComplaintError("a borrower may complain only about their own case")
        return
    if by.role is Role.AGENCY:
        assignee = case.assignee
        if assignee is None or assignee.kind.value != "agency" or assignee.id != by.agency_id:
            raise ComplaintError("this case is not placed with your agency")


def _check_contact(uow: UnitOfWork, case_id: str, about: str, seq: int | None) -> None:
    """A complaint about a contact or a visit names one of THIS case's contact events."""
    if about == "debt":
        if seq is not None:
            raise ComplaintError("a complaint about the debt names no contact", hint="drop it")
        return
    if seq is None:
        raise ComplaintError(f"a complaint about a {about} names its event", hint="--contact SEQ")
    if not 1 <= seq <= MAX_SEQ:
        raise ComplaintError(f"no event {seq} in case {case_id}")
    event = next((e for e in uow.events.events(case_id) if e.seq == seq), None)
    if event is None or not _is_contact(event, about):
        raise ComplaintError(
            f"event {seq} of case {case_id} is not a {about}",
            hint="name a contact of this case (its seq in the case's log)",
        )


def _is_contact(event: CaseEvent, about: str) -> bool:
    visit = event.type.startswith("visit_") or (
        event.type in CONTACT_EVENTS and event.data.get("channel") == "visit"
    )
    if about == "visit":
        return visit
    return event.type in CONTACT_EVENTS and not visit


# --- the desk --------------------------------------------------------------------------------


def acknowledge(uow: UnitOfWork, complaint_id: str, by: User, now: datetime) -> Complaint:
    """Tell the borrower it was received (the desk's first step; once)."""
    with uow:
        old = _get(uow, complaint_id)
        _desk(by)
        if old.acknowledged_at is not None:
            raise ComplaintError(f"complaint {complaint_id} was acknowledged already")
        new = replace(old, status="acknowledged", acknowledged_at=now, acknowledged_by=by.id)
        _save(uow, old, new, now)
        _log(uow, new, "complaint_acknowledged", by, now, {})
        uow.commit()
    return _get_fresh(uow, complaint_id)


def assign(uow: UnitOfWork, complaint_id: str, to: str, by: User, now: datetime) -> Complaint:
    """Give the complaint to a desk user (by user name)."""
    with uow:
        old = _get(uow, complaint_id)
        _desk(by)
        _still_open(old)
        officer = uow.users.by_name(to.strip().lower())
        if officer is None or not officer.active or officer.role not in DESK_ROLES:
            raise ComplaintError(
                f"{to[:64]!r} is not an active compliance officer, supervisor or administrator"
            )
        new = replace(old, assignee=officer.username)
        _save(uow, old, new, now)
        _log(uow, new, "complaint_assigned", by, now, {"assignee": officer.username})
        uow.commit()
    return _get_fresh(uow, complaint_id)


def answer(
    uow: UnitOfWork,
    complaint_id: str,
    text: str,
    by: User,
    now: datetime,
    packs: Packs,
    default_pack: str = "cn",
) -> Complaint:
    """Answer the complaint (once): the answer is stored, and sent to the borrower as a message
    the gate is asked about with purpose `respond` (which the hold allows) and queued in the
    outbox in the same transaction. A gate that says no, or no address, is recorded in `reply`
    (the desk sees it); the answer stands either way."""
    text = _clean(text, "answer", MAX_TEXT)
    with uow:
        old = _get(uow, complaint_id)
        _desk(by)
        if old.answered_at is not None:
            raise ComplaintError(f"complaint {complaint_id} was answered already")
        reply, key = _send_answer(uow, old, text, by, now, (packs, default_pack))
        new = replace(
            old,
            status="answered",
            acknowledged_at=old.acknowledged_at or now,
            acknowledged_by=old.acknowledged_by or by.id,
            answered_at=now,
            answered_by=by.id,
            answer=text,
            reply=reply,
        )
        _save(uow, old, new, now)
        data: dict[str, object] = {"answer": text, "reply": reply}
        _log(uow, new, "complaint_answered", by, now, data | ({"key": key} if key else {}))
        uow.commit()
    return _get_fresh(uow, complaint_id)


# What became of the answer's message, as the desk shows it: `not_sent` (the gate said no, or
# no address), `queued` (in the outbox, or deferred), `sent`, `cancelled` (the gate refused it
# when the worker asked again), `failed` (the provider gave up). The first, the two last may be
# sent again: the borrower asked for the answer, and a refusal at 23:00 is no reason to drop it.
RESENDABLE = frozenset({"not_sent", "cancelled", "failed"})
_OUTBOX_ID = re.compile(r"\(outbox (\d+)\)")


@dataclass(frozen=True, slots=True)
class AnswerState:
    state: str  # "" (not answered), not_sent, queued, sent, cancelled, failed
    detail: str  # the reply's words, or the worker's reason

    @property
    def resendable(self) -> bool:
        return self.state in RESENDABLE


def answer_state(uow: UnitOfWork, c: Complaint) -> AnswerState:
    """What became of the complaint's answer, read from the case log: the newest answer or
    resend names its message by key (older answers by outbox id); the worker's events for that
    key say whether it went."""
    if c.answered_at is None:
        return AnswerState("", "")
    reply = c.reply or ""
    if reply.startswith("not sent"):
        return AnswerState("not_sent", reply)
    with uow:
        events = uow.events.events(c.case_id)
    key = _answer_key(events, c)
    outcomes = [e for e in events if key and e.data.get("key") == key]
    for event in reversed(outcomes):
        if event.type == "contact_failed":
            return AnswerState("failed", str(event.data.get("detail", "")))
        if event.type == "contact_cancelled":
            return AnswerState("cancelled", str(event.data.get("why", "")))
        if event.type == "contact_recorded" and event.data.get("outcome") != "failed":
            return AnswerState("sent", str(event.data.get("outcome", "")))
    return AnswerState("queued", reply)


def _answer_key(events: list[CaseEvent], c: Complaint) -> str:
    """The outbox key of the complaint's newest answer message ("" when none was queued)."""
    kinds = ("complaint_answered", "complaint_answer_resent")
    mine = [e for e in events if e.type in kinds and e.data.get("complaint") == c.id]
    if not mine:
        return ""
    newest = mine[-1].data
    if newest.get("key"):
        return str(newest["key"])
    found = _OUTBOX_ID.search(str(newest.get("reply", "")))
    if found is None:
        return ""
    outbox_id = int(found.group(1))
    queued = (e for e in events if e.type == "contact_queued")
    return next((str(e.data["key"]) for e in queued if e.data.get("outbox_id") == outbox_id), "")


def resend_answer(
    uow: UnitOfWork,
    complaint_id: str,
    by: User,
    now: datetime,
    packs: Packs,
    default_pack: str = "cn",
) -> Complaint:
    """Send the stored answer again when it did not reach the borrower (RESENDABLE): the gate
    is asked afresh (purpose `respond`) and, if it allows, the message is queued; either way the
    new `reply` is kept and a `complaint_answer_resent` event logged. An answer queued or sent
    is refused: the borrower gets it once."""
    with uow:
        old = _get(uow, complaint_id)
        _desk(by)
        _answered(old)
        state = answer_state(uow, old)
        if not state.resendable:
            raise ComplaintError(
                f"the answer to complaint {old.id} is {state.state}: nothing to send again",
                hint="an answer is sent again only when it was not sent, cancelled or failed",
            )
        reply, key = _send_answer(uow, old, old.answer or "", by, now, (packs, default_pack))
        new = replace(old, reply=reply)
        _save(uow, old, new, now)
        data: dict[str, object] = {"reply": reply, "was": state.state}
        _log(uow, new, "complaint_answer_resent", by, now, data | ({"key": key} if key else {}))
        uow.commit()
    return _get_fresh(uow, complaint_id)


def _send_answer(
    uow: UnitOfWork,
    c: Complaint,
    text: str,
    by: User,
    now: datetime,
    gate: tuple[Packs, str],
) -> tuple[str, str | None]:
    """Ask the gate for the reply and queue it if allowed: what happened, in words, and the
    queued message's outbox key (None when nothing was queued)."""
    packs, default_pack = gate
    address = uow.complaints.reply_to(c.case_id)
    if address is None or not (address.email or address.phone):
        return "not sent: no phone or e-mail on record", None
    channel, to = ("email", address.email) if address.email else ("sms", address.phone)
    pack = PACK_BY_CURRENCY.get(address.currency, default_pack)
    language = LANGUAGE_BY_PACK.get(pack, "zh-CN")
    text = text + FOOTER.get(pack, "")
    request = ContactRequest(
        c.case_id, channel, "debtor", "respond", str(to), IN_HOUSE, _actor(by), text
    )
    decision = ask(uow, request, now, packs, pack).decision
    if decision.decision is not Verdict.ALLOW:
        rules = ", ".join(r.id for r in decision.rules)
        return f"not sent: the gate said {decision.decision.value} ({rules})", None
    subject = f"Your complaint {c.id}" if language == "en" else f"关于您的投诉 {c.id}"
    message = NewMessage(
        key=new_key(),
        case_id=c.case_id,
        task_id=None,
        channel=channel,
        party="debtor",
        purpose="respond",
        collector=IN_HOUSE,
        actor=_actor(by),
        pack=pack,
        to=str(to),
        subject=subject,
        body=text,
        language=language,
        document="",
        decision_id=decision.id,
        due_at=now,
        created_at=now,
    )
    return f"queued {channel} (outbox {enqueue(uow, message)})", message.key


def release_hold(
    uow: UnitOfWork, complaint_id: str, reason: str, by: User, now: datetime
) -> Complaint:
    """After the answer: the complaint's hold goes and the complaint is closed. The case's hold
    goes too unless another complaint still holds it the same way."""
    reason = _clean(reason, "reason", MAX_REASON)
    with uow:
        old = _get(uow, complaint_id)
        _desk(by)
        _answered(old)
        if old.hold_state == "released":
            raise ComplaintError(f"the hold of complaint {complaint_id} was released already")
        new = replace(
            old,
            status="closed",
            hold_state="released",
            hold_reason=reason,
            hold_decided_at=now,
            hold_decided_by=by.id,
        )
        _save(uow, old, new, now)
        others = [c for c in uow.complaints.holding(old.case_id, old.hold) if c.id != old.id]
        case_released = not others and _release_case_hold(uow, old, reason, by, now)
        data = {"hold": old.hold, "reason": reason, "case_hold_released": case_released}
        _log(uow, new, "complaint_hold_released", by, now, data)
        uow.commit()
    return _get_fresh(uow, complaint_id)


def _release_case_hold(uow: UnitOfWork, c: Complaint, reason: str, by: User, now: datetime) -> bool:
    case = _case(uow, c.case_id)
    try:
        released, event = case.release_hold(Hold(c.hold), _actor(by), f"{c.id}: {reason}")
    except DomainError:  # someone released it by hand meanwhile
        return False
    uow.cases.save(released)
    uow.events.append(c.case_id, event, now)
    return True


def keep_hold(
    uow: UnitOfWork, complaint_id: str, reason: str, by: User, now: datetime
) -> Complaint:
    """After the answer: the hold stays (a dispute still being verified), with the reason."""
    reason = _clean(reason, "reason", MAX_REASON)
    with uow:
        old = _get(uow, complaint_id)
        _desk(by)
        _answered(old)
        if old.hold_state == "released":
            raise ComplaintError(f"the hold of complaint {complaint_id} was released already")
        new = replace(
            old, hold_state="kept", hold_reason=reason, hold_decided_at=now, hold_decided_by=by.id
        )
        _save(uow, old, new, now)
        _log(uow, new, "complaint_hold_kept", by, now, {"hold": old.hold, "reason": reason})
        uow.commit()
    return _get_fresh(uow, complaint_id)


def listing(uow: UnitOfWork, flt: ComplaintFilter, limit: int = 500) -> list[Complaint]:
    with uow:
        return uow.complaints.listing(flt, limit)


def get(uow: UnitOfWork, complaint_id: str) -> Complaint:
    with uow:
        return _get(uow, complaint_id)


def _get(uow: UnitOfWork, complaint_id: str) -> Complaint:
    found = uow.complaints.get(complaint_id)
    if found is None:
        raise ComplaintError(f"no complaint {complaint_id[:64]!r}", hint="fairdebt complaints list")
    return found


def _get_fresh(uow: UnitOfWork, complaint_id: str) -> Complaint:
    with uow:
        return _get(uow, complaint_id)


def _desk(by: User) -> None:
    if not by.active or by.role not in DESK_ROLES:
        raise ComplaintError(
            f"{by.role.value} {by.username} may not work complaints",
            hint="compliance officers, supervisors and administrators do",
        )


def _still_open(c: Complaint) -> None:
    if not c.is_open:
        raise ComplaintError(f"complaint {c.id} is closed")


def _answered(c: Complaint) -> None:
    if c.answered_at is None:
        raise ComplaintError(
            f"complaint {c.id} is not answered yet",
            hint="a complaint pauses collection until it is answered: answer it first",
        )


def _save(uow: UnitOfWork, old: Complaint, new: Complaint, now: datetime) -> None:
    if not uow.complaints.update(replace(new, version=old.version + 1, updated_at=now)):
        raise ComplaintError(
            f"complaint {old.id} was changed by someone else meanwhile", hint="reload and retry"
        )


def _actor(by: User) -> str:
    return f"{by.role.value}:{by.username}"


def _log(
    uow: UnitOfWork,
    c: Complaint,
    kind: str,
    by: User,
    now: datetime,
    data: dict[str, object],
) -> None:
    uow.events.append(c.case_id, NewEvent(kind, _actor(by), {"complaint": c.id} | data), now)


# --- the regulator's export ------------------------------------------------------------------

EXPORT_COLUMNS = (
    "id",
    "case_id",
    "about",
    "kind",
    "hold",
    "status",
    "hold_state",
    "filed_at",
    "acknowledge_by",
    "acknowledged_at",
    "answer_by",
    "answered_at",
    "overdue",
    "assignee",
    "text",
    "answer",
    "hold_reason",
    "contact_seq",
    "contact_type",
    "contact_at",
    "contact_channel",
    "contact_collector",
    "contact_evidence",
)


def export_rows(uow: UnitOfWork, flt: ComplaintFilter, now: datetime) -> list[dict[str, str]]:
    """Complaints with the contact each is about, as text cells (EXPORT_COLUMNS). Phone numbers,
    e-mails and ID numbers in the borrower's words and the answer are masked
    (domain.borrower.mask_text): the regulator reads what happened, not how to reach anyone."""
    from fairdebt.domain.borrower import mask_text

    with uow:
        found = uow.complaints.listing(flt, 100_000)
        logs = {c.case_id: uow.events.events(c.case_id) for c in found if c.contact_seq}
    rows = []
    for c in found:
        contact = next((e for e in logs.get(c.case_id, ()) if e.seq == c.contact_seq), None)
        data = dict(contact.data) if contact is not None else {}
        cells: dict[str, object] = {
            "id": c.id,
            "case_id": c.case_id,
            "about": c.about,
            "kind": c.kind,
            "hold": c.hold,
            "status": c.status,
            "hold_state": c.hold_state,
            "filed_at": c.filed_at.isoformat(),
            "acknowledge_by": c.acknowledge_by.isoformat(),
            "acknowledged_at": c.acknowledged_at.isoformat() if c.acknowledged_at else "",
            "answer_by": c.answer_by.isoformat(),
            "answered_at": c.answered_at.isoformat() if c.answered_at else "",
            "overdue": "yes" if clock(c, now).overdue else "no",
            "assignee": c.assignee or "",
            "text": mask_text(c.text),
            "answer": mask_text(c.answer or ""),
            "hold_reason": c.hold_reason or "",
            "contact_seq": c.contact_seq or "",
            "contact_type": contact.type if contact is not None else "",
            "contact_at": contact.at if contact is not None else "",
            "contact_channel": data.get("channel", ""),
            "contact_collector": data.get("collector", ""),
            "contact_evidence": data.get("evidence", ""),
        }
        rows.append({k: str(v) for k, v in cells.items()})
    return rows
