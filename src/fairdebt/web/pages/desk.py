"""The compliance desk: /console/desk/ — complaints, reviews, plan approvals, gate decisions.

Open to compliance officers, supervisors and administrators (DESK_ROLES); other staff and
borrowers get 403, anonymous visitors the login page. Every form is a same-origin POST carrying
the session's CSRF token (web.security) and goes through a service that checks the role again
(services.complaints, services.desk, services.repayment), so the page is never the only guard.
- Complaints: the queue with each complaint's deadlines and clocks (time left, overdue), its
  assignee, the contact it is about (that case event, with its evidence); acknowledge, assign,
  answer (sent to the borrower through the outbox), release or keep the hold with a reason.
  The complaint's text is personal data: whole for the roles that reveal it, else its length.
- Reviews: tasks waiting in `review`; approve (it may run) or reject (refused) with a reason.
- Plans: pending repayment plans; the signed-in user approves (their own role must be one the
  policy allows) or rejects with a reason.
- Decisions: the gate's logged decisions by case, collector, rule id and dates, with a chart of
  denials by rule and day (Vega-Lite, drawn by static/charts.js as on the strategy pages).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response

from fairdebt.errors import FairdebtError
from fairdebt.services import complaints as service
from fairdebt.services.complaints import DESK_ROLES, clock
from fairdebt.services.ports.complaints import Complaint, ComplaintFilter, DecisionFilter
from fairdebt.services.users import User
from fairdebt.web.auth import ConsoleUser, may_see_personal_data, services_of
from fairdebt.web.event_details import event_details, event_title
from fairdebt.web.i18n import N_, gettext_for, locale_of
from fairdebt.web.rendering import render

router = APIRouter(prefix="/console/desk", include_in_schema=False)

NOT_THE_DESK = N_("The compliance desk is for compliance officers, supervisors and administrators.")
NO_SUCH_COMPLAINT = N_("There is no such complaint.")
# The code words of a complaint as the desk shows them (translated where shown).
WORDS = {
    "debt": N_("the debt"),
    "contact": N_("a contact"),
    "visit": N_("a visit"),
    "amount": N_("wrong amount"),
    "identity_theft": N_("identity theft"),
    "credit_record": N_("credit record"),
    "conduct": N_("conduct"),
    "other": N_("other"),
    "complaint": N_("complaint hold"),
    "dispute": N_("dispute hold"),
    "open": N_("open"),
    "acknowledged": N_("acknowledged"),
    "answered": N_("answered"),
    "closed": N_("closed"),
    "held": N_("held"),
    "kept": N_("kept"),
    "released": N_("released"),
    # what became of the answer's message (services.complaints.answer_state)
    "not_sent": N_("not sent"),
    "queued": N_("queued"),
    "sent": N_("sent"),
    "cancelled": N_("cancelled by the gate"),
    "failed": N_("failed"),
}
SESSION_NOTICE = "desk_notice"
SESSION_ERROR = "desk_error"
LIST_SIZE = 500
ComplaintId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
TaskId = Annotated[int, Path(ge=1, le=2**62)]
PlanId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]


def desk_user(request: Request, user: ConsoleUser) -> User:
    if user.role not in DESK_ROLES:
        raise HTTPException(status_code=403, detail=gettext_for(locale_of(request))(NOT_THE_DESK))
    return user


DeskUser = Annotated[User, Depends(desk_user)]


def _now(request: Request) -> datetime:
    now: datetime = services_of(request).clock.now()
    return now


def _page(request: Request, name: str, context: dict[str, Any]) -> Response:
    notice = request.session.pop(SESSION_NOTICE, None)
    error = request.session.pop(SESSION_ERROR, None)
    gettext = gettext_for(locale_of(request))

    def word(code: str) -> str:
        return gettext(WORDS[code]) if code in WORDS else code

    return render(request, name, context | {"notice": notice, "error": error, "word": word})


def _back(request: Request, route: str, **params: Any) -> Response:
    return RedirectResponse(request.url_for(route, **params), status_code=303)


def _form_text(form: Any, name: str, limit: int) -> str:
    value = form.get(name)
    return value[: limit + 1] if isinstance(value, str) else ""  # one more: the service refuses


# --- complaints --------------------------------------------------------------------------


@router.get("/", name="desk_complaints")
def complaints_queue(request: Request, user: DeskUser, show: str = "open") -> Response:
    """Complaints, the answer deadline soonest first, with their clocks."""
    now = _now(request)
    flt = ComplaintFilter(open_only=show != "all")
    rows = service.listing(services_of(request).uow(), flt, LIST_SIZE)
    reveal = may_see_personal_data(user)
    shown = [_shown(c, now, reveal) for c in rows]
    return _page(request, "console/desk/complaints.html", {"rows": shown, "show": show})


def _shown(c: Complaint, now: datetime, reveal: bool) -> dict[str, Any]:
    left = clock(c, now)
    return {
        "c": c,
        "text": c.text if reveal else f"•••• ({len(c.text)})",
        "ack_left": _left(left.acknowledge_left),
        "answer_left": _left(left.answer_left),
        "overdue": left.overdue,
    }


def _left(delta: timedelta | None) -> dict[str, Any] | None:
    """Time left as days and hours (negative: overdue by)."""
    if delta is None:
        return None
    late = delta < timedelta(0)
    hours = int(abs(delta).total_seconds() // 3600)
    return {"late": late, "days": hours // 24, "hours": hours % 24}


@router.get("/complaints/{complaint_id}", name="desk_complaint")
def complaint_page(request: Request, complaint_id: ComplaintId, user: DeskUser) -> Response:
    services = services_of(request)
    reveal = may_see_personal_data(user)
    with services.uow() as uow:
        found = uow.complaints.get(complaint_id)
        if found is None:
            detail = gettext_for(locale_of(request))(NO_SUCH_COMPLAINT)
            raise HTTPException(status_code=404, detail=detail)
        events = uow.events.events(found.case_id)
        officers = sorted(u.username for u in uow.users.all() if u.role in DESK_ROLES and u.active)
        delivery = service.answer_state(uow, found)
    contact = next((e for e in events if e.seq == found.contact_seq), None)
    trail = [e for e in events if e.data.get("complaint") == found.id]
    context = {
        "row": _shown(found, _now(request), reveal),
        "contact": _event(contact, reveal) if contact is not None else None,
        "trail": [_event(e, reveal) for e in trail],
        "officers": officers,
        "answer": found.answer if reveal or found.answer is None else f"•••• ({len(found.answer)})",
        "delivery": delivery,
    }
    return _page(request, "console/desk/complaint.html", context)


def _event(event: Any, reveal: bool) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "at": event.at,
        "type": event.type,
        "title": event_title(event.type),
        "actor": event.actor,
        "details": event_details(event.type, dict(event.data), reveal=reveal),
    }


@router.post("/complaints/{complaint_id}/{action}", name="desk_complaint_action")
async def complaint_action(
    request: Request,
    complaint_id: ComplaintId,
    action: Annotated[str, Path(pattern="^(acknowledge|assign|answer|resend|release|keep)$")],
    user: DeskUser,
) -> Response:
    form = await request.form()
    services = services_of(request)
    uow, now = services.uow(), _now(request)
    try:
        if action == "acknowledge":
            service.acknowledge(uow, complaint_id, user, now)
        elif action == "assign":
            service.assign(uow, complaint_id, _form_text(form, "assignee", 64), user, now)
        elif action == "answer":
            text = _form_text(form, "answer", service.MAX_TEXT)
            pack = services.settings.default_pack
            service.answer(uow, complaint_id, text, user, now, services.packs, pack)
        elif action == "resend":
            pack = services.settings.default_pack
            service.resend_answer(uow, complaint_id, user, now, services.packs, pack)
        elif action == "release":
            reason = _form_text(form, "reason", service.MAX_REASON)
            service.release_hold(uow, complaint_id, reason, user, now)
        else:
            service.keep_hold(
                uow, complaint_id, _form_text(form, "reason", service.MAX_REASON), user, now
            )
        request.session[SESSION_NOTICE] = action
    except FairdebtError as exc:
        request.session[SESSION_ERROR] = exc.cause
    return _back(request, "desk_complaint", complaint_id=complaint_id)


# --- reviews -----------------------------------------------------------------------------


@router.get("/reviews", name="desk_reviews", dependencies=[Depends(desk_user)])
def reviews(request: Request) -> Response:
    with services_of(request).uow() as uow:
        rows = uow.desk.reviews(LIST_SIZE)
    return _page(request, "console/desk/reviews.html", {"rows": rows})


@router.post("/reviews/{task_id}", name="desk_review_decide")
async def decide_review(request: Request, task_id: TaskId, user: DeskUser) -> Response:
    from fairdebt.services.desk import decide_review as decide

    form = await request.form()
    verdict = _form_text(form, "verdict", 16)
    reason = _form_text(form, "reason", service.MAX_REASON)
    try:
        decide(services_of(request).uow(), task_id, verdict, reason, user, _now(request))
        request.session[SESSION_NOTICE] = f"review_{verdict}d"
    except FairdebtError as exc:
        request.session[SESSION_ERROR] = exc.cause
    return _back(request, "desk_reviews")


# --- alerts ------------------------------------------------------------------------------

# Events a borrower or the field raised for compliance to look into (docs/portal.md, visits.md).
ALERT_TYPES = ("impostor_reported", "visit_money_alert")


@router.get("/alerts", name="desk_alerts")
def alerts(request: Request, user: DeskUser) -> Response:
    """Impostor reports from the portal and money mentioned at visits, newest first, across
    cases; their fields masked as on the case page for roles that do not see personal data."""
    reveal = may_see_personal_data(user)
    with services_of(request).uow() as uow:
        found = uow.desk.alerts(ALERT_TYPES, LIST_SIZE)
    rows = [_event(e, reveal) | {"case_id": e.case} for e in found]
    return _page(request, "console/desk/alerts.html", {"rows": rows})


# --- plan approvals ----------------------------------------------------------------------


@router.get("/plans", name="desk_plans", dependencies=[Depends(desk_user)])
def plans(request: Request) -> Response:
    from fairdebt.services.repayment import list_plans

    rows = list_plans(services_of(request).uow(), None, "pending_approval")
    return _page(request, "console/desk/plans.html", {"rows": rows})


@router.post("/plans/{plan_id}/{action}", name="desk_plan_action")
async def plan_action(
    request: Request,
    plan_id: PlanId,
    action: Annotated[str, Path(pattern="^(approve|reject)$")],
    user: DeskUser,
) -> Response:
    from fairdebt.services.plan_policy import load_policy
    from fairdebt.services.repayment import approve_plan, reject_plan

    form = await request.form()
    services = services_of(request)
    now = _now(request)
    today = now.astimezone(ZoneInfo(services.settings.timezone)).date()
    try:
        if action == "approve":
            order = services.allocation_order
            approve_plan(services.uow(), plan_id, user, today, load_policy(None), now, order)
        else:
            reason = _form_text(form, "reason", service.MAX_REASON).strip()
            if not reason:
                raise FairdebtError("a rejection needs a reason")
            reject_plan(services.uow(), plan_id, user.id, reason, now)
        request.session[SESSION_NOTICE] = f"plan_{action}d"
    except FairdebtError as exc:
        request.session[SESSION_ERROR] = exc.cause
    return _back(request, "desk_plans")


# --- gate decisions ----------------------------------------------------------------------


@router.get("/decisions", name="desk_decisions", dependencies=[Depends(desk_user)])
def decisions(
    request: Request,
    case: str = "",
    collector: str = "",
    rule: str = "",
    verdict: str = "",
    start: str = "",
    end: str = "",
) -> Response:
    """Logged gate decisions found by case, collector, rule and dates (the deployment's days),
    with the denials by rule and day charted."""
    from fairdebt.services.desk import decisions as search
    from fairdebt.services.desk import denials_by_rule

    zone = ZoneInfo(services_of(request).settings.timezone)
    since, until = _day(start, zone), _day(end, zone, next_day=True)
    flt = DecisionFilter(
        case_id=case.strip()[:64] or None,
        collector=collector.strip()[:96] or None,
        rule=rule.strip()[:64] or None,
        verdict=verdict if verdict in ("allow", "deny", "review") else None,
        start=since,
        end=until,
    )
    rows = search(services_of(request).uow(), flt, LIST_SIZE)
    counts = denials_by_rule(rows)
    gettext = gettext_for(locale_of(request))
    context = {
        "rows": rows,
        "query": {"case": case, "collector": collector, "rule": rule, "verdict": verdict},
        "start": start if since else "",
        "end": end if until else "",
        "counts": counts,
        "charts": {"denials": denial_chart(counts, gettext)} if counts else {},
    }
    return _page(request, "console/desk/decisions.html", context)


def _day(text: str, zone: ZoneInfo, *, next_day: bool = False) -> datetime | None:
    """The start of the local day `text` (YYYY-MM-DD) in UTC, or of the day after; None when
    it is not a date."""
    try:
        day = date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None
    if next_day:
        if day == date.max:
            return None
        day += timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def denial_chart(counts: list[dict[str, Any]], gettext: Any) -> dict[str, Any]:
    """Denials by rule over days: stacked bars (the strategy pages' look)."""
    from fairdebt.web.pages.strategy import _field, _spec

    day, denials, rule = gettext(N_("Day")), gettext(N_("Denials")), gettext(N_("Rule"))
    return _spec(
        width="container",
        height=240,
        data={"values": counts},
        mark={"type": "bar", "cornerRadiusEnd": 2},
        encoding={
            "x": _field("day", "ordinal", day, axis={"labelAngle": 0}),
            "y": _field("denials", "quantitative", denials, stack="zero"),
            "color": _field("rule", "nominal", rule),
            "tooltip": [
                _field("day", "ordinal", day),
                _field("rule", "nominal", rule),
                _field("denials", "quantitative", denials),
            ],
        },
    )
