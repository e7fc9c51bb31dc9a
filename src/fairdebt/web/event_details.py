"""An event's data as the case page shows it: labelled fields a person reads, masked per role.

The stored data stays as it was written (the hash chain covers it); this is only its display.
Personal data is masked by the field, whatever the event type (domain.borrower's
`mask_personal_data`), before any field is chosen, so a new event type cannot leak through the
generic rendering. Labels are English msgids, translated where they are shown; a field marked
`code` holds a code word (verdict, channel, party, ...) translated the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from fairdebt.domain.borrower import mask_personal_data
from fairdebt.web.i18n import N_
from fairdebt.web.rendering import LABELS, money


@dataclass(frozen=True, slots=True)
class Detail:
    label: str  # an English msgid
    value: str
    code: bool = False  # a code word, shown through its translated label
    mono: bool = False  # an identifier, shown in a fixed-width font
    instant: bool = False  # an ISO UTC time, shown in the deployment's zone


EVENT_TITLES: dict[str, str] = {
    "contact_attempted": N_("Contact attempted"),
    "contact_unconfirmed": N_("Contact outcome unconfirmed"),
    "opt_out": N_("Opted out"),
    "inbound_message": N_("Reply received"),
    "delivery_receipt": N_("Delivery receipt"),
    "contact_queued": N_("Message queued"),
    "contact_deferred": N_("Message deferred by the gate"),
    "contact_cancelled": N_("Message not sent"),
    "contact_failed": N_("Message failed"),
    "legal_stage_set": N_("Legal stage set"),
    "credit_reporting_set": N_("Credit reporting noted"),
    "complaint_filed": N_("Complaint filed"),
    "complaint_acknowledged": N_("Complaint acknowledged"),
    "complaint_assigned": N_("Complaint assigned"),
    "complaint_answered": N_("Complaint answered"),
    "complaint_answer_resent": N_("Complaint answer sent again"),
    "complaint_hold_released": N_("Complaint closed, hold released"),
    "complaint_hold_kept": N_("Complaint hold kept"),
    "review_approved": N_("Review approved"),
    "review_rejected": N_("Review rejected"),
    # field visits (services.visits)
    "visit_approved": N_("Visit approved"),
    "visit_rejected": N_("Visit rejected"),
    "visit_scheduled": N_("Visit scheduled"),
    "visit_unassigned": N_("Visit not planned"),
    "visit_noticed": N_("Visit notice sent"),
    "visit_check_in_refused": N_("Visit check-in refused"),
    "visit_checked_in": N_("Visit check-in"),
    "visit_checked_out": N_("Visit check-out"),
    "visit_reported": N_("Visit reported"),
    "visit_money_alert": N_("Money mentioned at a visit"),
    "visit_cancelled": N_("Visit cancelled"),
    # the field app (services.field_app)
    "visit_id_shown": N_("Certificates shown at the door"),
    "visit_contact_update": N_("New contact details from a visit"),
    "visit_notice_refused": N_("Notice delivered, signature refused"),
    "demand_delivered": N_("Demand delivered (signed)"),
    "visit_media_manifest": N_("Visit recording and photos"),
    "visit_report_signed": N_("Visit report signed"),
    # the borrower portal (services.portal, services.portal_collectors)
    "portal_preferences": N_("Borrower's preferences (portal)"),
    "plan_signed": N_("Plan signed by the borrower"),
    "impostor_reported": N_("Impostor reported by the borrower"),
    # minimum necessary access (services.access)
    "personal_data_viewed": N_("Personal data viewed"),
    "case_access_granted": N_("Case access granted"),
}

# Code words in event data, shown translated.
VALUES: dict[str, str] = {
    "allow": N_("Allowed"),
    "deny": N_("Denied"),
    "review": N_("Needs review"),
    "call": N_("Phone call"),
    "sms": N_("SMS"),
    "email": N_("E-mail"),
    "letter": N_("Letter"),
    "visit": N_("Visit"),
    "voicemail": N_("Voicemail"),
    "debtor": N_("Debtor"),
    "guarantor": N_("Guarantor"),
    "spouse": N_("Spouse"),
    "co_resident_relative": N_("Relative living with the debtor"),
    "emergency_contact": N_("Emergency contact"),
    "third_party": N_("Third party"),
    "attorney": N_("Attorney"),
    "collect": N_("Collect"),
    "remind": N_("Remind"),
    "locate": N_("Locate the debtor"),
    "relay": N_("Relay a call-back request"),
    "respond": N_("Respond to the borrower"),
    "legal_notice": N_("Legal notice"),
    "out": N_("Outbound"),
    "in": N_("Inbound"),
    "no_answer": N_("No answer"),
    "busy": N_("Busy"),
    "not_in_service": N_("Number not in service"),
    "conversation": N_("Conversation"),
    "delivered": N_("Delivered"),
    "failed": N_("Failed"),
    "refused_contact": N_("Refused contact"),
    "sending": N_("Sending"),
    "cancelled": N_("Cancelled"),
    # a call's detailed outcome (services.calls.OUTCOMES)
    "connected": N_("Connected"),
    "wrong_party": N_("Wrong party answered"),
    "refused_to_talk": N_("Borrower refused to talk"),
    "promise_to_pay": N_("Promise to pay"),
    "plan_proposed": N_("Repayment plan proposed"),
    "inconvenient_time": N_("Borrower named an inconvenient time"),
    "callback_at": N_("Borrower asked to be called back"),
    # a borrower field unmasked (services.access.UNMASK_FIELDS) and the viewer's role
    "phones": N_("Phones"),
    "address": N_("Address"),
    "supervisor": N_("Supervisor"),
    "compliance": N_("Compliance"),
}

# Keys of event data with a label; others are shown by their key.
FIELDS: dict[str, str] = {
    "verdict": N_("Verdict"),
    "rules": N_("Rules"),
    "allowed_from": N_("Allowed from"),
    "channel": N_("Channel"),
    "party": N_("Party"),
    "purpose": N_("Purpose"),
    "to": N_("To"),
    "collector": N_("Collector"),
    "outcome": N_("Outcome"),
    "direction": N_("Direction"),
    "decision_id": N_("Decision"),
    "provider_ref": N_("Provider reference"),
    "account": N_("Account"),
    "accounts": N_("Accounts"),
    "payment": N_("Payment"),
    "borrower": N_("Borrower ID"),
    "kind": N_("Kind"),
    "assignee": N_("Assignee"),
    "hold": N_("Hold"),
    "reason": N_("Reason"),
    "changed": N_("Changed"),
    "paid_on": N_("Paid on"),
    "due_on": N_("Due on"),
    "amount_cents": N_("Amount"),
    "call_outcome": N_("Call outcome"),
    "notes": N_("Notes"),
    "promise": N_("Promise"),
    "callback_at": N_("Call back at"),
    "inconvenient": N_("Inconvenient time"),
    "evidence": N_("Evidence (SHA-256)"),
    "key": N_("Message key"),
    "due_at": N_("Due at"),
    "until": N_("Deferred until"),
    "why": N_("Why"),
    "status": N_("Status"),
    "tries": N_("Tries"),
    "detail": N_("Provider's answer"),
    "stage": N_("Stage"),
    "complaint": N_("Complaint"),
    "about": N_("About"),
    "contact_seq": N_("Contact (event no.)"),
    "text": N_("Complaint text"),
    "answer": N_("Answer"),
    "reply": N_("Reply message"),
    "was": N_("Before sending again"),
    "attachments": N_("Attachments"),
    "on_behalf": N_("Filed by staff for the borrower"),
    "acknowledge_by": N_("Acknowledge by"),
    "answer_by": N_("Answer by"),
    "case_hold_released": N_("Case hold released"),
    "task": N_("Task"),
    "visit_id": N_("Visit"),
    "visit_date": N_("Visit date"),
    "window": N_("Time window"),
    "team": N_("Team"),
    "order": N_("Stop"),
    "distance_m": N_("Distance (m)"),
    "radius_m": N_("Allowed radius (m)"),
    "words": N_("Words found"),
    "relationship": N_("Relationship"),
    "arrears_reason": N_("Reason for arrears"),
    "plan_proposal": N_("Plan proposed"),
    "preferred_channel": N_("Preferred channel"),
    "withdrawn": N_("Withdraws the window of event no."),
    "said_at": N_("Said at"),
    "source": N_("Source"),
    "plan": N_("Plan"),
    "document_sha256": N_("Signed document (SHA-256)"),
    "signed_name": N_("Signed name"),
    "method": N_("Signed with"),
    "decision": N_("Decision"),
    "approver_role": N_("Approver role"),
    "how": N_("How they reached the borrower"),
    "when": N_("When"),
    "said_name": N_("Name they gave"),
    "said_organisation": N_("Company they named"),
    "said_code": N_("Code or certificate they showed"),
    "code_check": N_("Code check"),
    "reported_at": N_("Reported at"),
    "days": N_("Days"),
    "role": N_("Role"),
}

_CODED = frozenset(
    {
        "channel",
        "party",
        "purpose",
        "direction",
        "outcome",
        "call_outcome",
        "kind",
        "hold",
        "status",
        "preferred_channel",
        "how",
        "role",
    }
)
_INSTANTS = frozenset(
    {
        "allowed_from",
        "at",
        "callback_at",
        "due_at",
        "until",
        "acknowledge_by",
        "answer_by",
        "said_at",
        "reported_at",
    }
)
_MONO = frozenset(
    {
        "decision_id",
        "account",
        "payment",
        "borrower",
        "collector",
        "to",
        "evidence",
        "key",
        "complaint",
        "attachments",
        "document_sha256",
        "said_code",
    }
)


def _field(key: str, value: Any) -> Detail:
    """One field, labelled and formatted by its key."""
    label = FIELDS.get(key, key) or "—"
    if key.endswith("_cents") and isinstance(value, int) and not isinstance(value, bool):
        return Detail(label, money(value))
    if isinstance(value, list):
        return Detail(label, ", ".join(_text(v) for v in value), mono=key in _MONO)
    text = _text(value)
    if key in _INSTANTS and isinstance(value, str):
        return Detail(label, text, instant=True)
    word = VALUES.get(text) or LABELS.get(text) if key in _CODED else None
    return Detail(label, word or text, code=word is not None, mono=key in _MONO)


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return str(value)


def _pick(data: dict[str, Any], keys: tuple[str, ...]) -> list[Detail]:
    return [_field(k, data[k]) for k in keys if data.get(k) not in (None, "", [])]


def _gate_decision(data: dict[str, Any]) -> list[Detail]:
    decision = data.get("decision") or {}
    attempt = data.get("attempt") or {}
    verdict = str(decision.get("decision", ""))
    rules = [str(r.get("id", "")) for r in decision.get("rules") or [] if isinstance(r, dict)]
    found = [Detail(N_("Verdict"), VALUES.get(verdict, verdict), code=verdict in VALUES)]
    if rules:
        found.append(Detail(N_("Rules"), ", ".join(rules), mono=True))
    if decision.get("allowed_from"):
        found.append(_field("allowed_from", decision["allowed_from"]))
    found += _pick(attempt, ("channel", "party", "purpose", "to", "collector"))
    return found + _pick(data, ("decision_id",))


def _contact(data: dict[str, Any]) -> list[Detail]:
    keys = (
        "channel", "direction", "party", "to", "outcome", "collector", "provider_ref", "due_at",
        "evidence",
    )  # fmt: skip
    call = ("call_outcome", "promise", "callback_at", "notes")  # a call's (services.calls)
    found = _pick(data, keys) + _pick(data, call)
    named = data.get("inconvenient")
    if isinstance(named, dict) and named.get("window"):
        window = "–".join(str(w) for w in named["window"])
        found.append(Detail(N_("Inconvenient time"), f"{window} ({named.get('zone', '')})"))
    return found + _pick(data, ("decision_id",))


def _flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Nested dicts as dotted keys; lists of plain values stay one field."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _flatten(inner, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        for index, inner in enumerate(value):
            yield from _flatten(inner, f"{prefix}[{index}]")
    else:
        yield prefix, value


def _viewed(data: dict[str, Any]) -> list[Detail]:
    """Which borrower field was unmasked, by which role, why; never the value (not stored)."""
    what = str(data.get("field", ""))
    label = N_("Name") if what == "name" else VALUES.get(what)
    found = [Detail(N_("Field"), label or what, code=label is not None)]
    return found + _pick(data, ("role", "reason"))


def _granted(data: dict[str, Any]) -> list[Detail]:
    found = _pick(data, ("collector", "days"))
    if data.get("until"):
        found.append(Detail(N_("Access until"), _text(data["until"]), instant=True))
    return found + _pick(data, ("reason",))


def _generic(data: dict[str, Any]) -> list[Detail]:
    return [_field(key, value) for key, value in _flatten(data)]


def _preferences(data: dict[str, Any]) -> list[Detail]:
    found = _pick(data, ("preferred_channel", "withdrawn", "source", "said_at"))
    named = data.get("inconvenient")
    if isinstance(named, dict) and named.get("window"):
        window = "–".join(str(w) for w in named["window"])
        days = named.get("weekdays") or []
        shown = window if len(days) in (0, 7) else f"{window} ({', '.join(map(str, days))})"
        found.insert(0, Detail(N_("Inconvenient time"), shown))
    return found


def _plan_signed(data: dict[str, Any]) -> list[Detail]:
    keys = ("plan", "signed_name", "method", "decision", "approver_role", "answer_by")
    return _pick(data, keys) + _pick(data, ("document_sha256",))


def _impostor(data: dict[str, Any]) -> list[Detail]:
    keys = ("how", "when", "said_name", "said_organisation", "said_code", "code_check", "text")
    return _pick(data, keys) + _pick(data, ("reported_at",))


RENDERERS: dict[str, Callable[[dict[str, Any]], list[Detail]]] = {
    "portal_preferences": _preferences,
    "plan_signed": _plan_signed,
    "impostor_reported": _impostor,
    "gate_decision": _gate_decision,
    "contact_attempted": _contact,
    "contact_recorded": _contact,
    "contact_unconfirmed": _contact,
    "contact_queued": _contact,
    "personal_data_viewed": _viewed,
    "case_access_granted": _granted,
}


# Free text a person wrote about themselves or their debt (a complaint, its answer): shown
# whole only to the roles that reveal personal data, to others as its length.
FREE_TEXT = ("text", "answer")


def hide_free_text(data: dict[str, Any]) -> dict[str, Any]:
    """`data` with each FREE_TEXT field replaced by how long it was."""
    return {
        k: f"•••• ({len(v)})" if k in FREE_TEXT and isinstance(v, str) else v
        for k, v in data.items()
    }


def event_title(event_type: str) -> str:
    """The event type's label (an English msgid), or the type itself when it has none."""
    return LABELS.get(event_type) or EVENT_TITLES.get(event_type) or event_type


# A field visit's free-text fields may name the people met at the door: shown only to roles
# that see the borrower's contact details.
_VISIT_FREE_TEXT = frozenset({"notes", "arrears_reason", "plan_proposal", "relationship"})


def _hide_visit_text(data: dict[str, Any]) -> dict[str, Any]:
    return {k: ("•••" if k in _VISIT_FREE_TEXT and v else v) for k, v in data.items()}


# Names a person typed in the portal: the borrower's own (a signature) and the one an impostor
# gave (it may be a real person's). Shown only to roles that see personal data.
_PORTAL_NAMES = {
    "plan_signed": frozenset({"signed_name"}),
    "impostor_reported": frozenset({"said_name", "when"}),
}


def _hide_portal_names(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    names = _PORTAL_NAMES.get(event_type, frozenset())
    return {k: ("•••" if k in names and v else v) for k, v in data.items()}


def event_details(event_type: str, data: Any, *, reveal: bool) -> tuple[Detail, ...]:
    """The fields of one event's data to show, personal data masked unless `reveal`."""
    masked = mask_personal_data(data, keep_contact=reveal)
    if not reveal and isinstance(masked, dict):
        masked = hide_free_text(masked)
    if not reveal and event_type.startswith("visit_") and isinstance(masked, dict):
        masked = _hide_visit_text(masked)
    if not reveal and isinstance(masked, dict):
        masked = _hide_portal_names(event_type, masked)
    if not isinstance(masked, dict):
        return (Detail(N_("Details"), _text(masked)),)
    return tuple(RENDERERS.get(event_type, _generic)(masked))
