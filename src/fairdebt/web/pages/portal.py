"""The borrower portal, /portal/: sign in by phone and one-time code, my debt, my record (with
a JSON export carrying the events' hashes), negotiate a plan and sign it, preferences, and the
guide to my case. docs/portal.md describes it.

Every page depends on `PortalUser` (web/auth.py: a borrower user; staff get 403) and finds the
case through `services.portal.case_of_user`, never from the URL, so no id a borrower types can
open another borrower's case: an account id in a form is checked to be theirs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from fairdebt.domain.repayment import PlanKind, PlanTerms
from fairdebt.errors import FairdebtError
from fairdebt.services import portal as portal_service
from fairdebt.services import portal_codes as codes
from fairdebt.services.users import User
from fairdebt.web.auth import PORTAL_HOME, PortalUser, services_of, sign_in, signed_in
from fairdebt.web.i18n import N_, gettext_for, locale_of
from fairdebt.web.rendering import render

router = APIRouter(prefix="/portal", include_in_schema=False)

CHALLENGE = "portal_challenge"  # the sign-in code's challenge token, in the signed session
SIGN_CHALLENGE = "portal_sign_challenge"  # the plan-signing code's
FIELD_LIMIT = 64
SMS_TEXT = {
    "zh-CN": "【fairdebt】您的登录验证码为 {code}，5 分钟内有效，仅限本人使用，"
    "请勿告诉任何人（包括催收人员）。",
    "en": "fairdebt: your sign-in code is {code}. It works for 5 minutes, for you only: "
    "never tell it to anyone, collectors included.",
}
SIGN_TEXT = {
    "zh-CN": "【fairdebt】您正在签署还款计划，验证码为 {code}，5 分钟内有效。非本人操作请忽略。",
    "en": "fairdebt: your code to sign the repayment plan is {code} (5 minutes). "
    "If you did not ask for it, ignore this message.",
}
NOT_FOUND = N_("Nothing of yours was found here.")
NOT_ANCHORED = N_(
    "Your signed record is not ready yet: the institution signs every case's log at its next "
    "checkpoint (usually daily). The JSON and PDF downloads are available now."
)


def _client(request: Request) -> str:
    return request.client.host if request.client else "-"


def _case(request: Request, user: User) -> str:
    case_id = portal_service.case_of_user(services_of(request).uow(), user)
    if case_id is None:
        raise HTTPException(404, gettext_for(locale_of(request))(NOT_FOUND))
    return case_id


# --- sign-in ----------------------------------------------------------------------------------


@router.get("/sign-in", name="portal_sign_in")
def sign_in_form(request: Request) -> Response:
    user = signed_in(request)
    if user is not None and not user.is_staff:
        return RedirectResponse(PORTAL_HOME, status_code=303)
    return render(request, "portal/sign_in.html", {"step": "phone", "phone": ""})


@router.post("/sign-in", name="portal_request_code")
async def request_code(request: Request, tasks: BackgroundTasks) -> Response:
    """Make a code and answer at once, the same words whoever holds the number; the SMS goes
    out after the answer (a background task), so the answer's timing says nothing either."""
    form = await request.form()
    phone = str(form.get("phone") or "")[:FIELD_LIMIT]
    services = services_of(request)
    now = services.clock.now()
    key = services.settings.secret_key.get_secret_value()
    try:
        issued = codes.request_sign_in(services.uow(), phone, _client(request), now, key)
    except codes.PortalCodeError:
        context = {"step": "phone", "phone": phone, "error": "phone"}
        return render(request, "portal/sign_in.html", context, status_code=422)
    if issued.throttled:
        context = {"step": "phone", "phone": phone, "error": "throttled"}
        return render(request, "portal/sign_in.html", context, status_code=429)
    request.session[CHALLENGE] = issued.challenge
    if issued.code and issued.case_id:
        body = SMS_TEXT[locale_of(request)].format(code=issued.code)
        tasks.add_task(_send, request, issued.case_id, issued.to, body, now)
    return render(request, "portal/sign_in.html", {"step": "code", "phone": phone})


def _send(request: Request, case_id: str, to: str, body: str, now: datetime) -> None:
    services = services_of(request)
    codes.send_code(
        services.uow(),
        services.channels,
        services.evidence,
        case_id,
        to,
        body,
        now,
        locale_of(request),
    )


@router.post("/sign-in/code", name="portal_check_code")
async def check_code(request: Request) -> Response:
    form = await request.form()
    code = str(form.get("code") or "")[:16]
    services = services_of(request)
    key = services.settings.secret_key.get_secret_value()
    challenge = request.session.get(CHALLENGE)
    checked = codes.check_code(
        services.uow(),
        challenge if isinstance(challenge, str) else None,
        code,
        _client(request),
        services.clock.now(),
        key,
    )
    if not checked.ok or checked.borrower_id is None:
        status = 429 if checked.status == "locked" else 401
        context = {"step": "code", "phone": "", "error": checked.status}
        return render(request, "portal/sign_in.html", context, status_code=status)
    user = portal_service.borrower_user(services.uow(), checked.borrower_id)
    sign_in(request, user)
    return RedirectResponse(PORTAL_HOME, status_code=303)


LETTER_CHALLENGE = "portal_letter_challenge"  # the letter's link token, in the signed session
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


@router.get("/letter/{token}", name="portal_letter_link")
def letter_link(request: Request, token: str) -> Response:
    """The case link printed in a letter: its token goes into the session and the browser to
    /portal/letter, so the token leaves the address bar (and any Referer) at once."""
    if _TOKEN.fullmatch(token):
        request.session[LETTER_CHALLENGE] = token
    return RedirectResponse("/portal/letter", status_code=303)


@router.get("/letter", name="portal_letter")
def letter_form(request: Request) -> Response:
    return render(request, "portal/sign_in.html", {"step": "letter", "phone": ""})


@router.post("/letter", name="portal_letter_check")
async def letter_check(request: Request) -> Response:
    """The code printed in the letter, with the link's token: once, behind the phone code's
    limits (services.portal_codes.issue_letter_code)."""
    form = await request.form()
    services = services_of(request)
    challenge = request.session.get(LETTER_CHALLENGE)
    checked = codes.check_code(
        services.uow(),
        challenge if isinstance(challenge, str) else None,
        str(form.get("code") or "")[:32],
        _client(request),
        services.clock.now(),
        services.settings.secret_key.get_secret_value(),
        purpose=codes.LETTER,
    )
    if not checked.ok or checked.borrower_id is None:
        status = 429 if checked.status == "locked" else 401
        context = {"step": "letter", "phone": "", "error": checked.status}
        return render(request, "portal/sign_in.html", context, status_code=status)
    request.session.pop(LETTER_CHALLENGE, None)
    sign_in(request, portal_service.borrower_user(services.uow(), checked.borrower_id))
    return RedirectResponse(PORTAL_HOME, status_code=303)


# --- my debt ----------------------------------------------------------------------------------


@router.get("/", name="portal_home")
def my_debt(request: Request, user: PortalUser) -> Response:
    from fairdebt.domain.payment_channel import OFFICIAL_CHANNELS
    from fairdebt.services.charges import account_charges
    from fairdebt.web.case_query import case_detail

    services = services_of(request)
    case_id = _case(request, user)
    today = _today(request)
    with services.engine.connect() as conn:
        detail = case_detail(conn, case_id, today=today, reveal=True)
    if detail is None:
        raise HTTPException(404, gettext_for(locale_of(request))(NOT_FOUND))
    uow = services.uow()
    charges = {
        a.id: account_charges(uow, a.id, today, services.allocation_order) for a in detail.accounts
    }
    with uow:
        plans = [p for a in detail.accounts for p in uow.plans.find(account_id=a.id)]
        events = uow.events.events(case_id)
    context = {
        "detail": detail,
        "charges": charges,
        "plans": plans,
        "promises": [e for e in events if e.type.startswith("promise_")],
        "limitation": _limitation(uow, user, events, today),
        "channels": OFFICIAL_CHANNELS,
        "today": today,
    }
    return render(request, "portal/debt.html", context)


def _today(request: Request) -> date:
    services = services_of(request)
    return services.clock.now().astimezone(ZoneInfo(services.settings.timezone)).date()


def _limitation(uow: Any, user: User, events: Any, today: date) -> dict[str, Any]:
    from fairdebt.services.debt_state import account_facts, limitations

    with uow:
        person = uow.directory.person(user.borrower_id)
    from fairdebt.services.debt_state import us_state_of

    state = us_state_of(person.address, person.city)
    return limitations(account_facts(uow, user.borrower_id or ""), events, state, today)


# --- my record --------------------------------------------------------------------------------

CONTACT_TYPES = ("contact_recorded", "contact_attempted")


@dataclass(frozen=True, slots=True)
class Contact:
    seq: int
    at: str
    channel: str
    direction: str
    who: str
    outcome: str
    text: str
    evidence: str
    verdict: str
    rules: tuple[str, ...]
    hash: str

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "channel": self.channel,
            "direction": self.direction,
            "who": self.who,
            "outcome": self.outcome,
            "message": self.text,
            "evidence": self.evidence,
            "gate": {"decision": self.verdict, "rules": list(self.rules)},
            "hash": self.hash,
        }


def contacts_of(events: list[Any], evidence: Any) -> list[Contact]:
    """Every contact and visit in the log: a recorded one, or an attempt whose outcome is not
    recorded; with the decision that allowed it and the text as sent (evidence store)."""
    decisions = {e.data.get("decision_id"): e for e in events if e.type == "gate_decision"}
    recorded = {e.data.get("decision_id") for e in events if e.type == "contact_recorded"}
    attempted = {e.data.get("decision_id"): e.data for e in events if e.type == "contact_attempted"}
    out = []
    for e in events:
        if e.type == "contact_attempted" and e.data.get("decision_id") in recorded:
            continue
        if e.type not in CONTACT_TYPES and not e.type.startswith("visit"):
            continue
        decision = decisions.get(e.data.get("decision_id"))
        logged = decision.data["decision"] if decision is not None else {}
        ref = str(
            e.data.get("evidence")
            or attempted.get(e.data.get("decision_id"), {}).get("evidence")
            or (decision.data.get("evidence") if decision is not None else "")
            or ""
        )
        out.append(
            Contact(
                seq=e.seq,
                at=e.at,
                channel=str(e.data.get("channel", "visit" if e.type.startswith("visit") else "")),
                direction=str(e.data.get("direction", "out")),
                who=str(e.data.get("collector") or e.actor),
                outcome=str(e.data.get("outcome", e.type)),
                text=_text(evidence, ref),
                evidence=ref,
                verdict=str(logged.get("decision", "")),
                rules=tuple(str(r.get("id")) for r in logged.get("rules", ())),
                hash=e.hash,
            )
        )
    return out


def _text(evidence: Any, ref: str) -> str:
    if not ref or evidence is None:
        return ""
    try:
        data = evidence.get(ref)
    except FairdebtError:
        return ""
    if data.startswith(b"%PDF"):
        return f"[PDF {ref}]"
    return str(data.decode("utf-8", errors="replace"))[:4000]


def _record(request: Request, user: User) -> tuple[str, list[Any], list[Contact]]:
    services = services_of(request)
    case_id = _case(request, user)
    with services.uow() as uow:
        events = uow.events.events(case_id)
    return case_id, events, contacts_of(events, services.evidence)


@router.get("/record", name="portal_record")
def my_record(request: Request, user: PortalUser) -> Response:
    return _record_page(request, user)


def _record_page(request: Request, user: User, notice: str = "", status: int = 200) -> Response:
    _case_id, events, contacts = _record(request, user)
    head = events[-1].hash if events else ""
    context = {
        "contacts": list(reversed(contacts)),
        "head": head,
        "count": len(events),
        "notice": notice,
        "key_id": _public_key_id(request),
    }
    return render(request, "portal/record.html", context, status_code=status)


def _public_key_id(request: Request) -> str:
    """The id of the key that signs checkpoints, for the borrower to compare with the one the
    institution publishes; empty when this server has no signing key."""
    from fairdebt.adapters.signing import load_signing_key

    try:
        return load_signing_key(services_of(request).settings.signing_key_path).key_id
    except FairdebtError:
        return ""


@router.get("/record.bundle", name="portal_record_bundle")
def my_record_bundle(request: Request, user: PortalUser) -> Response:
    """The signed evidence bundle of the borrower's case: every event, the latest signed
    checkpoint and the proof that the case's log is in it, which anyone holding the
    institution's public key can check without trusting this server (docs/audit.md). Before the
    case's first checkpoint: the record page saying so (409), nothing half-made."""
    from fairdebt.services.bundle import make_bundle

    services = services_of(request)
    case_id = _case(request, user)
    try:
        data, _under = make_bundle(services.uow(), case_id)
    except FairdebtError:
        notice = gettext_for(locale_of(request))(NOT_ANCHORED)
        return _record_page(request, user, notice=notice, status=409)
    headers = {"Content-Disposition": f'attachment; filename="record-{case_id}.bundle.json"'}
    return Response(data, media_type="application/json", headers=headers)


@router.get("/record.json", name="portal_record_json")
def my_record_json(request: Request, user: PortalUser) -> Response:
    """The record as JSON: each contact with its event's hash, and the chain's head, so the
    borrower (or a court) can check it against the case log (docs/portal.md)."""
    case_id, events, contacts = _record(request, user)
    body = {
        "case": case_id,
        "exported_at": services_of(request).clock.now().isoformat(),
        "events": len(events),
        "chain_head": events[-1].hash if events else None,
        "contacts": [c.to_json() for c in contacts],
        "event_hashes": [{"seq": e.seq, "type": e.type, "hash": e.hash} for e in events],
    }
    text = json.dumps(body, ensure_ascii=False, indent=2)
    headers = {"Content-Disposition": f'attachment; filename="record-{case_id}.json"'}
    return Response(text, media_type="application/json", headers=headers)


@router.get("/record.pdf", name="portal_record_pdf")
def my_record_pdf(request: Request, user: PortalUser) -> Response:
    """The record as a PDF (WeasyPrint, as letters are): each contact with the text as sent and
    its event's hash, every event's hash and the chain's head, to print or hand to a court."""
    from fairdebt.letters.render import html_to_pdf

    case_id, events, contacts = _record(request, user)
    services = services_of(request)
    html = record_html(
        case_id,
        events,
        contacts,
        services.clock.now(),
        services.settings.timezone,
        gettext_for(locale_of(request)),
        locale_of(request),
    )
    headers = {"Content-Disposition": f'attachment; filename="record-{case_id}.pdf"'}
    return Response(html_to_pdf(html), media_type="application/pdf", headers=headers)


def record_html(
    case_id: str,
    events: list[Any],
    contacts: list[Contact],
    now: datetime,
    zone: str,
    _: Any,
    locale: str,
) -> str:
    """The record's printable HTML (every value escaped; the letters' stylesheet)."""
    from markupsafe import Markup, escape

    from fairdebt.letters.render import stylesheet

    def local(at: str) -> str:
        return datetime.fromisoformat(at).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")

    rows = Markup("").join(
        Markup(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"
            '<tr><td colspan="6"><div>{}</div><div class="mono">{}: {}</div></td></tr>'
        ).format(
            c.seq,
            local(c.at),
            c.channel,
            c.who,
            c.outcome,
            f"{c.verdict or '-'} {' '.join(c.rules)}",
            c.text,
            _("Event hash"),
            c.hash,
        )
        for c in contacts
    )
    hashes = Markup("").join(
        Markup('<tr><td>{}</td><td>{}</td><td class="mono">{}</td></tr>').format(
            e.seq, e.type, e.hash
        )
        for e in events
    )
    head = events[-1].hash if events else "-"
    return str(
        Markup(
            '<!DOCTYPE html><html lang="{}"><head><meta charset="utf-8"><title>{}</title>'
            "<style>{} table{{width:100%;border-collapse:collapse;font-size:8pt}}"
            "td,th{{border:1px solid #999;padding:2pt;vertical-align:top;word-break:break-all}}"
            ".mono{{font-family:monospace;font-size:7pt}}</style></head><body>"
            '<h1>{}</h1><p>{}: {} · {}: {} ({}) · {}: {}</p><p class="mono">{}: {}</p>'
            "<h2>{}</h2><table><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th>"
            "<th>{}</th></tr>{}</table><h2>{}</h2><table>{}</table></body></html>"
        ).format(
            locale,
            _("My record"),
            Markup(stylesheet()),
            _("My record"),
            _("Case"),
            case_id,
            _("Exported"),
            local(now.isoformat()),
            zone,
            _("Events"),
            len(events),
            _("Latest hash"),
            head,
            _("Contacts and visits"),
            _("When"),
            _("Channel"),
            _("Who"),
            _("Outcome"),
            _("Allowed by the check"),
            rows or escape("-"),
            _("Every event's hash"),
            hashes,
        )
    )


# --- negotiate --------------------------------------------------------------------------------


def _terms(form: Any, today: date) -> PlanTerms:
    kind = str(form.get("kind") or "instalment")
    if kind not in ("instalment", "extension", "settlement"):
        raise portal_service.PortalError("choose instalments, an extension or a settlement")
    try:
        count = int(str(form.get("count") or "1"))
        shift = int(str(form.get("shift_months") or "0"))
        discount = Decimal(str(form.get("discount") or "0"))
        first = date.fromisoformat(str(form.get("first_due") or today.isoformat()))
    except (ValueError, InvalidOperation):
        raise portal_service.PortalError("a number or a date is not valid") from None
    if not (1 <= count <= 120 and 0 <= shift <= 60) or not discount.is_finite():
        raise portal_service.PortalError("the numbers are out of range")
    if not today <= first <= today + timedelta(days=366):
        raise portal_service.PortalError("the first due date must be within a year from today")
    return PlanTerms(
        kind=PlanKind(kind),
        first_due=first,
        count=count if kind == "instalment" else 1,
        shift_months=shift if kind == "extension" else 0,
        discount=discount.quantize(Decimal("0.01")) if kind == "settlement" else Decimal(0),
        hardship=form.get("hardship") == "on",
    )


def _negotiate(
    request: Request, user: User, context: dict[str, Any], status: int = 200
) -> Response:
    from fairdebt.web.case_query import case_detail

    services = services_of(request)
    case_id = _case(request, user)
    with services.engine.connect() as conn:
        detail = case_detail(conn, case_id, today=_today(request), reveal=True)
    base: dict[str, Any] = {
        "accounts": detail.accounts if detail else (),
        "form": {},
        "preview": None,
    }
    return render(request, "portal/negotiate.html", base | context, status_code=status)


@router.get("/negotiate", name="portal_negotiate")
def negotiate(request: Request, user: PortalUser) -> Response:
    return _negotiate(request, user, {"today": _today(request)})


async def _preview(request: Request, user: User) -> tuple[Any, dict[str, Any]]:
    from fairdebt.services.plan_policy import load_policy

    form = await request.form()
    fields = {k: str(v)[:FIELD_LIMIT] for k, v in form.items() if k != "csrf_token"}
    services = services_of(request)
    today = _today(request)
    terms = _terms(form, today)
    preview = portal_service.preview_plan(
        services.uow(),
        user,
        fields.get("account", ""),
        terms,
        today,
        load_policy(),
        services.allocation_order,
    )
    return preview, fields


@router.post("/negotiate/preview", name="portal_preview")
async def preview(request: Request, user: PortalUser) -> Response:
    try:
        shown, fields = await _preview(request, user)
    except FairdebtError as exc:
        return _negotiate(request, user, {"error": exc.cause, "today": _today(request)}, 422)
    return _negotiate(request, user, _shown(request, shown, fields))


def _shown(request: Request, shown: Any, fields: dict[str, str]) -> dict[str, Any]:
    days = services_of(request).settings.portal_plan_answer_days
    return {
        "preview": shown,
        "form": fields,
        "answer_by": _today(request) + timedelta(days=days),
        "today": _today(request),
    }


@router.post("/negotiate/code", name="portal_sign_code")
async def sign_code(request: Request, user: PortalUser, tasks: BackgroundTasks) -> Response:
    """A fresh one-time code to sign the plan shown, by SMS to the borrower's number."""
    try:
        shown, fields = await _preview(request, user)
    except FairdebtError as exc:
        return _negotiate(request, user, {"error": exc.cause, "today": _today(request)}, 422)
    services = services_of(request)
    now = services.clock.now()
    key = services.settings.secret_key.get_secret_value()
    issued = codes.request_signing_code(services.uow(), user.id, user.borrower_id or "", now, key)
    context = _shown(request, shown, fields)
    if issued.throttled or issued.challenge is None:
        return _negotiate(request, user, context | {"error": "throttled"}, 429)
    request.session[SIGN_CHALLENGE] = issued.challenge
    phone = _phone(request, user)
    if phone and issued.code:
        body = SIGN_TEXT[locale_of(request)].format(code=issued.code)
        tasks.add_task(_send, request, _case(request, user), phone, body, now)
    return _negotiate(request, user, context | {"code_sent": True})


def _phone(request: Request, user: User) -> str:
    from fairdebt.web.case_query import case_detail

    services = services_of(request)
    with services.engine.connect() as conn:
        detail = case_detail(conn, _case(request, user), today=_today(request), reveal=True)
    return detail.borrower.phones[0] if detail and detail.borrower.phones else ""


@router.post("/negotiate/sign", name="portal_sign")
async def sign(request: Request, user: PortalUser) -> Response:
    from fairdebt.services.plan_policy import load_policy

    try:
        shown, fields = await _preview(request, user)
    except FairdebtError as exc:
        return _negotiate(request, user, {"error": exc.cause, "today": _today(request)}, 422)
    services = services_of(request)
    context = _shown(request, shown, fields)
    challenge = request.session.pop(SIGN_CHALLENGE, None)
    checked = codes.check_code(
        services.uow(),
        challenge if isinstance(challenge, str) else None,
        fields.get("code", ""),
        _client(request),
        services.clock.now(),
        services.settings.secret_key.get_secret_value(),
        purpose=codes.SIGN,
    )
    if not checked.ok or checked.borrower_id != user.borrower_id:
        return _negotiate(request, user, context | {"error": "code"}, 401)
    try:
        record = portal_service.sign_plan(
            services.uow(),
            user,
            fields.get("account", ""),
            shown.plan.terms,
            _today(request),
            load_policy(),
            services.allocation_order,
            signed_name=fields.get("signed_name", ""),
            expected_sha256=fields.get("document_sha256", ""),
            answer_by=context["answer_by"],
            now=services.clock.now(),
        )
    except FairdebtError as exc:
        return _negotiate(request, user, context | {"error": exc.cause}, 422)
    return _negotiate(request, user, context | {"signed": record, "preview": None})


# --- preferences ------------------------------------------------------------------------------


@router.get("/preferences", name="portal_preferences")
def preferences(request: Request, user: PortalUser) -> Response:
    return _preferences(request, user, {})


def _preferences(
    request: Request, user: User, context: dict[str, Any], status: int = 200
) -> Response:
    services = services_of(request)
    case_id = _case(request, user)
    with services.uow() as uow:
        events = uow.events.events(case_id)
    base = {
        "opted_out": [e.data for e in events if e.type == "opt_out"],
        "windows": portal_service.windows_of(events),
        "phones": _phones(request, user),
    }
    return render(request, "portal/preferences.html", base | context, status_code=status)


def _phones(request: Request, user: User) -> tuple[str, ...]:
    from fairdebt.web.case_query import case_detail

    services = services_of(request)
    with services.engine.connect() as conn:
        detail = case_detail(conn, _case(request, user), today=_today(request), reveal=True)
    return detail.borrower.phones if detail else ()


@router.post("/preferences", name="portal_preferences_save")
async def save_preferences(request: Request, user: PortalUser) -> Response:
    form = await request.form()
    phones = _phones(request, user)
    try:
        prefs = _prefs(form, phones)
        services = services_of(request)
        portal_service.set_preferences(
            services.uow(), _case(request, user), prefs, user, services.clock.now()
        )
    except FairdebtError as exc:
        return _preferences(request, user, {"error": exc.cause}, 422)
    return _preferences(request, user, {"saved": True})


@router.post("/preferences/remove", name="portal_window_remove")
async def remove_window(request: Request, user: PortalUser) -> Response:
    """Withdraw an inconvenient window (by the seq of the event that named it)."""
    form = await request.form()
    seq = str(form.get("seq") or "")
    services = services_of(request)
    try:
        if not seq.isdigit() or len(seq) > 18:
            raise portal_service.PortalError("no such window of yours")
        portal_service.withdraw_window(
            services.uow(), _case(request, user), int(seq), user, services.clock.now()
        )
    except FairdebtError as exc:
        return _preferences(request, user, {"error": exc.cause}, 422)
    return _preferences(request, user, {"removed": True})


def _prefs(form: Any, phones: tuple[str, ...]) -> portal_service.Preferences:
    start, end = str(form.get("start") or ""), str(form.get("end") or "")
    window = None
    if start or end:
        try:
            window = (time.fromisoformat(start[:5]), time.fromisoformat(end[:5]))
        except ValueError:
            raise portal_service.PortalError("a time must read HH:MM") from None
    weekdays = tuple(int(d) for d in form.getlist("weekday") if str(d).isdigit()) or tuple(
        range(1, 8)
    )
    preferred = str(form.get("preferred") or "") or None
    opt_outs = []
    for value in form.getlist("opt_out"):
        channel, _, index = str(value).partition(":")
        if not index.isdigit() or int(index) >= len(phones):
            raise portal_service.PortalError("choose one of your numbers")
        opt_outs.append((channel, phones[int(index)]))
    return portal_service.Preferences(window, weekdays, preferred, tuple(opt_outs))


# --- guide ------------------------------------------------------------------------------------


@router.get("/guide", name="portal_guide")
def guide(request: Request, user: PortalUser) -> Response:
    from fairdebt.web.case_query import case_detail

    services = services_of(request)
    case_id = _case(request, user)
    with services.engine.connect() as conn:
        detail = case_detail(conn, case_id, today=_today(request), reveal=True)
    pack = services.packs.resolve(services.settings.default_pack)
    rules = [m for m in pack.models if str(m.severity) == "deny"]
    visit_dpd = next((int(m.params.get("value", 30)) for m in rules if m.id == "FD-VISIT.dpd"), 30)
    dpd = detail.case.dpd if detail else 0
    from fairdebt.web.pages.portal_complaints import routes_context

    locale = locale_of(request)
    said = [(m.id, plain_message(m.messages, dict(m.params), locale)) for m in rules]
    door = portal_service.door_visit(services.uow(), case_id, _today(request))
    context = {"detail": detail, "rules": said, "visit_dpd": visit_dpd, "dpd": dpd, "door": door}
    return render(request, "portal/guide.html", context | routes_context(request, case_id))


# What a rule's message placeholder reads as in the guide, where no contact is being checked:
# a parameter of the rule when it has one, else these words.
GENERIC = {
    "en": {
        "local": "the local time", "zone": "your time zone", "window": "the allowed hours",
        "count": "several", "party": "another person", "purpose": "that purpose",
        "match": "such words", "channel": "a channel", "address": "your number",
        "agents": "fewer", "failures": "fewer", "missing": "a required item",
        "debt": "the debt", "since": "recently", "balance": "the balance", "dpd": "fewer",
        "days": "7", "hours": "24", "min": "the minimum", "max": "the limit",
    },
    "zh-CN": {
        "local": "当地时间", "zone": "您所在时区", "window": "允许时段", "count": "多",
        "party": "他人", "purpose": "该目的", "match": "此类用语", "channel": "该渠道",
        "address": "您的号码", "agents": "不足", "failures": "不足", "missing": "必备内容",
        "debt": "该债务", "since": "近期", "balance": "余额", "dpd": "不足", "days": "7",
        "hours": "24", "min": "下限", "max": "上限",
    },
}  # fmt: skip
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def plain_message(messages: Any, params: dict[str, Any], locale: str) -> str:
    """A rule's message for the borrower, its `{placeholders}` filled from the rule's parameters
    (`window` from `allowed`, `min`/`hours` from `value`) or with plain words; never a brace."""
    text = str(messages.get(locale) or messages.get("en") or "")
    words = GENERIC.get(locale, GENERIC["en"])

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        value = params.get(name)
        if name == "window" and isinstance(params.get("allowed"), list | tuple):
            value = "–".join(str(v) for v in params["allowed"])
        if value is None and name in ("min", "hours") and "value" in params:
            value = params["value"]
        if isinstance(value, int | float | str) and not isinstance(value, bool):
            return str(value)
        return words.get(name, "")

    return _PLACEHOLDER.sub(fill, text).replace("{", "").replace("}", "")
