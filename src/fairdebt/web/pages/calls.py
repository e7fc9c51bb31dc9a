"""A collector's call in the console: check with the gate → script → start → outcome.

From the call queue ("Check with the gate" on a task, fairdebt.web.pages.queue) or the case page
(on the case), services.calls.check asks the gate and logs its decision; the browser then goes
to the call's page, /console/cases/{case}/calls/{decision}, which shows what the case log says
of that call:
- decided: the verdict, each cited rule with its message in the page's language
  (web.rule_text), "allowed from" in the deployment's zone and in the borrower's, each labelled
  with its zone, and the borrower's local time now; when the gate allows, the script with a
  fresh verify code (services.verify) and a "Start call" button;
- started: the number to dial, in full only to the collector the case is assigned to (masked
  for anyone else), and the outcome form;
- recorded: the outcome; the call task is done.
Every form carries the session's CSRF token; the actor and the collector are always the signed-in
user, never a form field. Only the collector the case is assigned to (or a user of the agency it
is placed with) may start its calls; supervisors and administrators may check and look.
A refused step (a stale decision, hours closed meanwhile, a bad promise) comes back to the page
as a message (post/redirect/get through the signed session).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.engine import connect
from fairdebt.adapters.db.worklist_tables import tasks
from fairdebt.domain.borrower import mask_phone, mask_text
from fairdebt.domain.case import Case
from fairdebt.domain.payment_channel import OFFICIAL_CHANNELS
from fairdebt.errors import FairdebtError
from fairdebt.services.calls import CallCheck, CallForm, may_dial
from fairdebt.services.ports.identity import Role, User
from fairdebt.services.ports.worklist import WORKABLE
from fairdebt.web.auth import services_of
from fairdebt.web.i18n import N_, gettext_for, locale_of
from fairdebt.web.pages.queue import QueueUser
from fairdebt.web.rendering import render
from fairdebt.web.rule_text import localized

router = APIRouter(prefix="/console", include_in_schema=False)

SESSION_CALLS = "calls"  # decision id -> {"task": id, "code": verify code} (the last few)
SESSION_ERROR = "call_error"
KEEP_CALLS = 5
CODE_TTL = timedelta(days=7)
NO_SUCH_CALL = N_("There is no such call on this case.")
NOT_YOURS = N_("Only the collector this case is assigned to works its calls.")
# The decision id is a SHA-256 in hex; the case id a bounded string.
DecisionId = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]
CaseId = Annotated[str, Path(min_length=1, max_length=64)]

OUTCOME_LABELS: dict[str, str] = {
    "connected": N_("Connected, talked with the borrower"),
    "no_answer": N_("No answer"),
    "busy": N_("Busy"),
    "wrong_party": N_("Wrong party answered"),
    "refused_to_talk": N_("Borrower refused to talk"),
    "promise_to_pay": N_("Promise to pay"),
    "plan_proposed": N_("Repayment plan proposed"),
    "dispute": N_("Borrower disputes the debt"),
    "complaint": N_("Borrower complains"),
    "inconvenient_time": N_("Borrower named an inconvenient time"),
    "callback_at": N_("Borrower asked to be called back"),
}
WEEKDAYS = (
    N_("Mon"),
    N_("Tue"),
    N_("Wed"),
    N_("Thu"),
    N_("Fri"),
    N_("Sat"),
    N_("Sun"),
)


def _not_found(request: Request, message: str = NO_SUCH_CALL) -> HTTPException:
    return HTTPException(status_code=404, detail=gettext_for(locale_of(request))(message))


def may_work(user: User, case: Case) -> bool:
    """Who may check and look at a case's calls: its assignee, supervisors, administrators."""
    return may_dial(user, case) or user.role in (Role.SUPERVISOR, Role.ADMIN)


def _case_for(request: Request, user: User, case_id: str) -> Case:
    with services_of(request).uow() as uow:
        case = uow.cases.get(case_id)
    if case is None or not may_work(user, case):
        raise _not_found(request, NOT_YOURS if case is not None else NO_SUCH_CALL)
    return case


# --- check --------------------------------------------------------------------------------


def run_check(request: Request, user: User, *, task_id: int | None, case_id: str) -> Response:
    """Ask the gate for the call, issue the verify code when it allows, go to the call's page."""
    from fairdebt.services.calls import check

    services = services_of(request)
    case = _case_for(request, user, case_id)
    now = services.clock.now()
    to = None if task_id is not None else _first_phone(request, case_id)
    asked = check(
        services.uow(),
        user,
        now,
        services.packs,
        task_id=task_id,
        case_id=case_id,
        to=to,
        default_pack=services.settings.default_pack,
        order=services.allocation_order,
    )
    code = _issue_code(request, user, case, asked, now)
    _remember(request, asked.decision_id, {"task": asked.task_id, "code": code})
    target = request.url_for("console_call", case_id=asked.case_id, decision_id=asked.decision_id)
    return RedirectResponse(target, status_code=303)


def _issue_code(
    request: Request, user: User, case: Case, asked: CallCheck, now: datetime
) -> str | None:
    """A verify code for the script, when the call may go ahead and this user will place it."""
    from fairdebt.services.verify import issue

    if asked.decision.decision.value != "allow" or not may_dial(user, case):
        return None
    agency = case.assignee.id if case.assignee and case.assignee.kind.value == "agency" else None
    services = services_of(request)
    return issue(
        services.uow(), case.id, user, agency, now, CODE_TTL, decision_id=asked.decision_id
    )


def _remember(request: Request, decision_id: str, entry: dict[str, Any]) -> None:
    calls = dict(request.session.get(SESSION_CALLS) or {})
    calls[decision_id] = entry
    request.session[SESSION_CALLS] = dict(list(calls.items())[-KEEP_CALLS:])


def _first_phone(request: Request, case_id: str) -> str:
    query = (
        select(t.borrowers.c.phones)
        .select_from(t.cases.join(t.borrowers, t.borrowers.c.id == t.cases.c.borrower_id))
        .where(t.cases.c.id == case_id)
    )
    with connect(services_of(request).engine) as conn:
        phones = conn.scalar(query) or ""
    return next((p for p in phones.split(";") if p), "")


def open_call_task(request: Request, case_id: str) -> int | None:
    """The case's most urgent workable call task: a call from the case page finishes it."""
    k = tasks.c
    query = (
        select(k.id)
        .where(k.case_id == case_id, k.kind == "call", k.status.in_(WORKABLE))
        .order_by(k.due_on, k.priority, k.id)
        .limit(1)
    )
    with connect(services_of(request).engine) as conn:
        found = conn.scalar(query)
    return int(found) if found is not None else None


@router.post("/cases/{case_id}/calls/check", name="console_case_call_check")
def check_from_the_case(request: Request, case_id: CaseId, user: QueueUser) -> Response:
    """ "Check with the gate" on the case page: for the case's call task, if it has one."""
    _case_for(request, user, case_id)
    task_id = open_call_task(request, case_id)
    return run_check(request, user, task_id=task_id, case_id=case_id)


# --- the call's page ------------------------------------------------------------------------


@router.get("/cases/{case_id}/calls/{decision_id}", name="console_call")
def call_page(
    request: Request, case_id: CaseId, decision_id: DecisionId, user: QueueUser
) -> Response:
    case = _case_for(request, user, case_id)
    services = services_of(request)
    with services.uow() as uow:
        events = uow.events.events(case_id)
        zone = uow.directory.person(case.borrower_id).timezone
        lender = _lender(uow, case)
    decided = _event(events, "gate_decision", decision_id)
    if decided is None:
        raise _not_found(request)
    attempted = _event(events, "contact_attempted", decision_id)
    recorded = _event(events, "contact_recorded", decision_id)
    remembered = (request.session.get(SESSION_CALLS) or {}).get(decision_id) or {}
    dialer = may_dial(user, case) and (
        attempted is None or attempted.get("actor") == f"{user.role.value}:{user.username}"
    )
    context = {
        "case_id": case_id,
        "decision_id": decision_id,
        "state": "recorded" if recorded else "started" if attempted else "decided",
        "verdict": decided["decision"]["decision"],
        "rules": _rules(request, decided["decision"]),
        "times": _times(request, decided["decision"], zone),
        "number": _number(decided["attempt"]["to"], full=bool(dialer and attempted)),
        "may_dial": dialer,
        "code": remembered.get("code"),
        "organisation": case.assignee.id
        if case.assignee and case.assignee.kind.value == "agency"
        else lender,
        "portal": services.settings.portal_url,
        "outcomes": OUTCOME_LABELS,
        "channels": OFFICIAL_CHANNELS,
        "weekdays": WEEKDAYS,
        "recorded": _recorded(recorded, reveal=bool(dialer)) if recorded else None,
        "error": request.session.pop(SESSION_ERROR, None),
        "today": services.clock.now().astimezone(ZoneInfo(zone)).date(),
    }
    return render(request, "console/call.html", context)


def _event(events: list[Any], kind: str, decision_id: str) -> dict[str, Any] | None:
    return next(
        (
            dict(e.data)
            for e in reversed(events)
            if e.type == kind and e.data.get("decision_id") == decision_id
        ),
        None,
    )


def _lender(uow: Any, case: Case) -> str:
    from fairdebt.services.verify import lender_of

    return lender_of(uow, case.id)


def _rules(request: Request, decision: dict[str, Any]) -> list[dict[str, str]]:
    locale, packs = locale_of(request), services_of(request).packs
    return [
        {
            "id": str(r.get("id", "")),
            "severity": str(r.get("severity", "")),
            "message": localized(r, str(decision.get("pack", "")), locale, packs),
        }
        for r in decision.get("rules") or []
    ]


def _times(request: Request, decision: dict[str, Any], zone: str) -> dict[str, str | None]:
    """Every time the page shows, labelled with its zone: the deployment's and the borrower's."""
    here = request.app.state.settings.timezone
    now = services_of(request).clock.now()
    allowed = decision.get("allowed_from")
    at = datetime.fromisoformat(allowed) if allowed else None
    return {
        "borrower_now": zoned(now, zone),
        "allowed_here": zoned(at, here) if at else None,
        "allowed_borrower": zoned(at, zone) if at and zone != here else None,
    }


def zoned(at: datetime, zone: str) -> str:
    """`2026-07-01 10:00 (Asia/Shanghai)`: a time is never shown without its zone."""
    return f"{at.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M} ({zone})"


def _number(to: str, *, full: bool) -> str:
    return to if full else mask_phone(to)


def _recorded(data: dict[str, Any], *, reveal: bool) -> dict[str, Any]:
    notes = str(data.get("notes") or "")
    return {
        "outcome": data.get("call_outcome") or data.get("outcome"),
        "gate_outcome": data.get("outcome"),
        "notes": notes if reveal else mask_text(notes),
        "promise": data.get("promise"),
        "callback_at": data.get("callback_at"),
    }


# --- start and record -----------------------------------------------------------------------


@router.post("/cases/{case_id}/calls/{decision_id}/start", name="console_call_start")
def start(request: Request, case_id: CaseId, decision_id: DecisionId, user: QueueUser) -> Response:
    from fairdebt.services.calls import start_call

    case = _case_for(request, user, case_id)
    services = services_of(request)
    with services.uow() as uow:
        decided = _event(uow.events.events(case_id), "gate_decision", decision_id)
    if decided is None:
        raise _not_found(request)
    remembered = (request.session.get(SESSION_CALLS) or {}).get(decision_id) or {}
    try:
        start_call(
            services.uow(),
            decision_id,
            case.id,
            decided["attempt"]["to"],
            user,
            services.clock.now(),
            services.dialer,
            packs=services.packs,
            task_id=remembered.get("task"),
        )
    except FairdebtError as exc:
        request.session[SESSION_ERROR] = exc.cause
    return _back(request, case_id, decision_id)


@router.post("/cases/{case_id}/calls/{decision_id}/record", name="console_call_record")
async def record(
    request: Request, case_id: CaseId, decision_id: DecisionId, user: QueueUser
) -> Response:
    from fairdebt.services.calls import record_call

    case = _case_for(request, user, case_id)
    if not may_dial(user, case):
        raise _not_found(request, NOT_YOURS)
    form = await request.form()
    services = services_of(request)
    remembered = (request.session.get(SESSION_CALLS) or {}).get(decision_id) or {}
    try:
        record_call(
            services.uow(),
            decision_id,
            _call_form(form),
            user,
            services.clock.now(),
            case_id=case.id,
            task_id=remembered.get("task"),
        )
    except FairdebtError as exc:
        request.session[SESSION_ERROR] = exc.cause
    return _back(request, case_id, decision_id)


def _call_form(form: Any) -> CallForm:
    """The outcome form's fields, bounded (the service checks their meaning)."""

    def text(name: str, limit: int = 64) -> str:
        value = form.get(name)
        return value[:limit] if isinstance(value, str) else ""

    weekdays = tuple(int(d) for d in form.getlist("weekdays") if isinstance(d, str) and d.isdigit())
    return CallForm(
        outcome=text("outcome"),
        notes=text("notes", 2000),
        amount=text("amount"),
        due_on=text("due_on"),
        channel=text("channel") or "bank_transfer",
        window_from=text("window_from"),
        window_to=text("window_to"),
        weekdays=weekdays[:7],
        callback_at=text("callback_at"),
    )


def _back(request: Request, case_id: str, decision_id: str) -> Response:
    target = request.url_for("console_call", case_id=case_id, decision_id=decision_id)
    return RedirectResponse(target, status_code=303)
