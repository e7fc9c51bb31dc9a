"""Field visits for supervisors: /console/visits/ — candidates, the day's plan, notices, teams.

Open to supervisors and administrators (they decide: services.visits.APPROVERS) and to
compliance officers, who see every page and press nothing; other staff and borrowers get 403,
anonymous visitors the login page. Every form is a same-origin POST carrying the session's CSRF
token (web.security) and goes through services.visits, which checks the role again.

- Candidates: the plan's open `field_visit` tasks, ticked and approved or rejected many at once
  with one reason (an empty reason is refused and nothing is written). Approval asks the gate
  per visit; a visit it refuses is listed with the rules' messages in the page's language
  (web.rule_text) and nothing is written for it.
- Visits: the approved and scheduled visits by day, with team, window and order; "Plan the day"
  runs services.visits.plan_day and shows each team's ordered stops and what no team serves,
  with why; the prior notices of scheduled visits are queued from here (outbox). A reported
  visit links to its signed report in zh-CN and in en (checked against its hash).
- Teams: the certified agents (certificate number, issuer, expiry — an expired one is marked —
  and photo) and the teams (members, base, capacity, hours), with the forms to register an
  agent and to form a team; each refusal of the service is shown as it says it.

Names and addresses are personal data: whole for the roles that reveal them (web.auth), masked
for the others.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from fairdebt.domain.borrower import mask_address, mask_name
from fairdebt.errors import FairdebtError
from fairdebt.services import field_app
from fairdebt.services import visits as service
from fairdebt.services.ports.visits import FieldAgent, Team, Visit
from fairdebt.services.users import Role, User
from fairdebt.web.auth import ConsoleUser, may_see_personal_data, services_of
from fairdebt.web.i18n import N_, gettext_for, locale_of
from fairdebt.web.rendering import render

router = APIRouter(prefix="/console/visits", include_in_schema=False)

VIEW_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.COMPLIANCE})
DECIDE_ROLES = service.APPROVERS  # supervisors and administrators
NOT_FOR_YOU = N_("Field visits are for supervisors, administrators and compliance officers.")
READ_ONLY = N_("Only a supervisor or an administrator changes field visits.")
REASON_REQUIRED = N_("A reason is required: nothing was approved or rejected.")
CHOOSE_ONE = N_("Choose at least one visit.")
NOT_A_DATE = N_("That is not a date (YYYY-MM-DD).")
NO_PHOTO = N_("This agent has no photo.")
SESSION_NOTICE = "visits_notice"
SHOWN_STATUSES = ("approved", "scheduled", "noticed", "checked_in", "checked_out", "reported")
MAX_IDS = 500
PLAN_SECONDS = 2.0
UserId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
VisitId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
_RULE = re.compile(r"^([A-Za-z][A-Za-z0-9_.-]{1,63}): (.*)$", re.DOTALL)
# The plan's reasons for an unassigned visit (services.visits.plan_day), in the page's language.
WHY = {
    "no team is free": N_("no team is free"),
    "no team can get there and back within its hours": N_(
        "no team can get there and back within its hours"
    ),
    "a certificate has expired": N_("a certificate has expired"),
    "no coordinates for the approved address": N_("no coordinates for the approved address"),
}
STATUS_WORDS = {
    "candidate": N_("candidate"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
    "scheduled": N_("scheduled"),
    "noticed": N_("notice queued"),
    "checked_in": N_("at the door"),
    "checked_out": N_("left"),
    "reported": N_("reported"),
    "cancelled": N_("cancelled"),
}


def visits_viewer(request: Request, user: ConsoleUser) -> User:
    if user.role not in VIEW_ROLES:
        raise HTTPException(status_code=403, detail=gettext_for(locale_of(request))(NOT_FOR_YOU))
    return user


def visits_decider(request: Request, user: ConsoleUser) -> User:
    visits_viewer(request, user)
    if user.role not in DECIDE_ROLES:
        raise HTTPException(status_code=403, detail=gettext_for(locale_of(request))(READ_ONLY))
    return user


Viewer = Annotated[User, Depends(visits_viewer)]
Decider = Annotated[User, Depends(visits_decider)]


def _now(request: Request) -> datetime:
    now: datetime = services_of(request).clock.now()
    return now


def _today(request: Request) -> date:
    return _now(request).astimezone(ZoneInfo(services_of(request).settings.timezone)).date()


def _page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    gettext = gettext_for(locale_of(request))
    user = request.state.user
    extra = {
        "notice": request.session.pop(SESSION_NOTICE, None),
        "may_decide": user.role in DECIDE_ROLES,
        "status_word": lambda code: gettext(STATUS_WORDS[code]) if code in STATUS_WORDS else code,
    }
    return render(request, name, extra | context, status_code=status_code)


def _shown_person(reveal: bool, name: str, address: str) -> dict[str, str]:
    return {
        "name": name if reveal else mask_name(name),
        "address": address if reveal else mask_address(address),
    }


async def _form(request: Request) -> Any:
    return await request.form()


def _text(form: Any, name: str, limit: int) -> str:
    value = form.get(name)
    return value[: limit + 1] if isinstance(value, str) else ""  # one more: the service refuses


def _ids(form: Any) -> list[str]:
    return [v[:64] for v in form.getlist("visit") if isinstance(v, str) and v.strip()][:MAX_IDS]


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip()[:10])
    except ValueError:
        return None


# --- candidates --------------------------------------------------------------------------


@router.get("/", name="visits_candidates")
def candidates_page(request: Request, user: Viewer) -> Response:
    """The plan's field_visit tasks no visit was made from yet, most urgent first."""
    return _candidates(request, user, {})


def _candidates(
    request: Request, user: User, result: dict[str, Any], status_code: int = 200
) -> Response:
    reveal = may_see_personal_data(user)
    rows = [
        {"c": c} | _shown_person(reveal, c.name, c.address)
        for c in service.candidates(services_of(request).uow())
    ]
    context = {"rows": rows, "result": result, "reason": result.get("reason", "")}
    context["tab"] = "visits_candidates"
    return _page(request, "console/visits/candidates.html", context, status_code)


@router.post("/decide", name="visits_decide")
async def decide(request: Request, user: Decider) -> Response:
    """Approve or reject the ticked candidates with one reason; the gate's refusals per visit."""
    form = await _form(request)
    action = _text(form, "action", 16)
    ids = _ids(form)
    reason = _text(form, "reason", service.MAX_REASON)
    gettext = gettext_for(locale_of(request))
    if action not in ("approve", "reject"):
        raise HTTPException(status_code=422, detail="action: approve or reject")
    if not reason.strip():
        return _candidates(
            request, user, {"error": gettext(REASON_REQUIRED), "ids": ids}, status_code=400
        )
    if not ids:
        return _candidates(
            request, user, {"error": gettext(CHOOSE_ONE), "reason": reason}, status_code=400
        )
    services = services_of(request)
    try:
        if action == "approve":
            decided = service.approve(
                services.uow(), ids, reason, user, _now(request),
                packs=services.packs, default_pack=services.settings.default_pack,
            )  # fmt: skip
        else:
            decided = service.reject(services.uow(), ids, reason, user, _now(request))
    except FairdebtError as exc:
        failed: dict[str, Any] = {"error": exc.cause, "ids": ids, "reason": reason}
        return _candidates(request, user, failed, status_code=400)
    refused = {ref: _reasons(request, ref, why) for ref, why in decided.refused.items()}
    result: dict[str, Any] = {"action": action, "done": [v.id for v in decided.visits]}
    result["refused"] = refused
    return _candidates(request, user, result)


def _reasons(request: Request, ref: str, reasons: tuple[str, ...]) -> list[dict[str, str]]:
    """Each refusal as (rule id, message in the page's language); a refusal that is no rule of
    the gate (a task decided already, say) keeps the service's words."""
    from fairdebt.web.rule_text import localized

    services = services_of(request)
    pack = _pack_of(request, ref)
    out = []
    for text in reasons:
        found = _RULE.match(text)
        if found is None:
            out.append({"rule": "", "message": text})
            continue
        rule = {"id": found.group(1), "message": found.group(2)}
        message = localized(rule, pack, locale_of(request), services.packs)
        out.append({"rule": rule["id"], "message": message})
    return out


def _pack_of(request: Request, ref: str) -> str:
    services = services_of(request)
    default = services.settings.default_pack
    try:
        task_id = service.task_id_of(ref)
    except FairdebtError:
        return default
    with services.uow() as uow:
        task = uow.tasks.contact_task(task_id)
    return service.PACK_BY_CURRENCY.get(task.currency, default) if task else default


# --- visits by day, the day's plan, notices -------------------------------------------------


@router.get("/scheduled", name="visits_scheduled")
def scheduled_page(request: Request, user: Viewer, day: str = "") -> Response:
    """The approved and scheduled visits by day (one day with `?day=`)."""
    return _scheduled(request, user, _day(day), {})


def _scheduled(
    request: Request, user: User, day: date | None, result: dict[str, Any], status: int = 200
) -> Response:
    services = services_of(request)
    reveal = may_see_personal_data(user)
    with services.uow() as uow:
        found = uow.visits.listing(SHOWN_STATUSES, day)
        teams = {t.id: t.name for t in uow.teams.all()}
    days: dict[str, list[dict[str, Any]]] = {}
    for v in sorted(found, key=_visit_order):
        key = v.visit_date.isoformat() if v.visit_date else ""
        days.setdefault(key, []).append(_visit_row(v, teams, reveal))
    first = next((d for d in days if d), "")
    context = {
        "days": days,
        "day": day.isoformat() if day else "",
        "plan_day": day.isoformat() if day else first or _today(request).isoformat(),
        "result": result,
        "tab": "visits_scheduled",
    }
    return _page(request, "console/visits/scheduled.html", context, status)


def _visit_order(v: Visit) -> tuple[str, str, int, str]:
    return (
        v.visit_date.isoformat() if v.visit_date else "",
        v.team_id or "~",
        v.stop_order or 0,
        v.id,
    )


def _visit_row(v: Visit, teams: dict[str, str], reveal: bool) -> dict[str, Any]:
    return {
        "v": v,
        "team": teams.get(v.team_id or "", ""),
        "window": f"{v.window_start}–{v.window_end}" if v.window_start else "",
        "address": v.address if reveal else mask_address(v.address),
    }


@router.post("/plan", name="visits_plan")
async def plan(request: Request, user: Decider) -> Response:
    """Plan the day: each team's ordered stops with windows, then the visits no team serves."""
    form = await _form(request)
    day = _day(_text(form, "day", 10))
    gettext = gettext_for(locale_of(request))
    if day is None:
        return _scheduled(request, user, None, {"error": gettext(NOT_A_DATE)}, 400)
    services = services_of(request)
    try:
        made = service.plan_day(
            services.uow(), day, _now(request), PLAN_SECONDS, actor=user.username
        )
    except FairdebtError as exc:
        return _scheduled(request, user, day, {"error": exc.cause}, 400)
    reveal = may_see_personal_data(user)
    with services.uow() as uow:
        teams = {t.id: t for t in uow.teams.all()}
        left = {k: uow.visits.get(k) for k in made.unassigned}
    names = {k: t.name for k, t in teams.items()}
    routes = [
        {
            "team": t.name,
            "team_id": t.team_id,
            "base": teams[t.team_id].base_label if t.team_id in teams else "",
            "stops": [_visit_row(v, names, reveal) for v in t.stops],
        }
        for t in made.teams
    ]
    unassigned = [
        {"id": k, "why": _why(gettext, why), "v": left.get(k)} for k, why in made.unassigned.items()
    ]
    context = {
        "day": day.isoformat(),
        "routes": routes,
        "unassigned": unassigned,
        "distance_km": round(made.distance_m / 1000, 1),
        "tab": "visits_scheduled",
    }
    return _page(request, "console/visits/plan.html", context)


def _why(gettext: Any, why: str) -> str:
    """The plan's reason in the page's language, phrase by phrase (team names stay)."""
    for english, marked in WHY.items():
        why = why.replace(english, gettext(marked))
    return why


@router.post("/notices", name="visits_notices")
async def notices(request: Request, user: Decider) -> Response:
    """Queue the prior notice of each ticked scheduled visit (the worker delivers it)."""
    form = await _form(request)
    ids = _ids(form)
    day = _day(_text(form, "day", 10))
    if not ids:
        gettext = gettext_for(locale_of(request))
        return _scheduled(request, user, day, {"error": gettext(CHOOSE_ONE)}, 400)
    services = services_of(request)
    settings = services.settings
    sender = service.NoticeSender(settings.contact_phone, settings.portal_url)
    sent, refused = [], {}
    for visit_id in dict.fromkeys(ids):
        try:
            notice = service.send_notice(
                services.uow(), visit_id, _now(request), packs=services.packs,
                default_pack=settings.default_pack, sender=sender,
                hours_before=settings.visit_notice_hours, actor=user.username,
            )  # fmt: skip
            sent.append({"id": notice.visit_id, "channel": notice.channel})
        except FairdebtError as exc:
            refused[visit_id] = exc.cause
    return _scheduled(request, user, day, {"sent": sent, "refused": refused})


# --- agents and teams --------------------------------------------------------------------


@router.get("/teams", name="visits_teams", dependencies=[Depends(visits_viewer)])
def teams_page(request: Request) -> Response:
    return _teams(request, {})


def _teams(request: Request, result: dict[str, Any], status_code: int = 200) -> Response:
    services = services_of(request)
    today = _today(request)
    with services.uow() as uow:
        users = {u.id: u for u in uow.users.all()}
        agents = uow.field_agents.all()
        teams = uow.teams.all()
    registered = {a.user_id for a in agents}
    context = {
        "agents": [_agent_row(a, users, today) for a in agents],
        "teams": [_team_row(t, users) for t in teams],
        "unregistered": sorted(
            u.username
            for u in users.values()
            if u.role is Role.FIELD_AGENT and u.active and u.id not in registered
        ),
        "certified": sorted(
            (users[a.user_id].username, users[a.user_id].display_name)
            for a in agents
            if a.user_id in users
        ),
        "today": today,
        "result": result,
        "form": result.get("form", {}),
        "tab": "visits_teams",
    }
    return _page(request, "console/visits/teams.html", context, status_code)


def _agent_row(a: FieldAgent, users: dict[str, User], today: date) -> dict[str, Any]:
    u = users.get(a.user_id)
    return {
        "a": a,
        "username": u.username if u else a.user_id,
        "name": u.display_name if u else a.user_id,
        "expired": not a.valid_on(today),
    }


def _team_row(t: Team, users: dict[str, User]) -> dict[str, Any]:
    return {
        "t": t,
        "members": [users[m].display_name if m in users else m for m in t.members],
    }


@router.get(
    "/agents/{user_id}/photo", name="visits_agent_photo", dependencies=[Depends(visits_viewer)]
)
def agent_photo(request: Request, user_id: UserId) -> Response:
    """The agent's photo from the evidence store (JPEG or PNG, checked when it was stored)."""
    services = services_of(request)
    with services.uow() as uow:
        agent = uow.field_agents.get(user_id)
    if agent is None or not agent.photo_ref:
        raise HTTPException(status_code=404, detail=gettext_for(locale_of(request))(NO_PHOTO))
    data = services.evidence.get(agent.photo_ref)
    media = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    headers = {"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"}
    return Response(data, media_type=media, headers=headers)


# --- the signed report ----------------------------------------------------------------------

REPORT_ROLES = VIEW_ROLES | {Role.FIELD_AGENT}
NO_REPORT = N_("This visit has no signed report.")
ReportLanguage = Annotated[str, Query(pattern=r"^(zh-CN|en)$")]


@router.get("/{visit_id}/report.pdf", name="visits_report")
def report_pdf(
    request: Request, visit_id: VisitId, user: ConsoleUser, lang: ReportLanguage = "zh-CN"
) -> Response:
    """The visit report both agents signed at check-out, in `lang`, streamed from the evidence
    store after its bytes are hashed against the reference the case log recorded
    (services.field_app.signed_report). Supervisors, administrators and compliance officers
    open any visit's; a field agent only their own team's (as in the field app): another
    team's visit, or one without a report, is 404, so an agent cannot learn which exist."""
    services = services_of(request)
    gettext = gettext_for(locale_of(request))
    if user.role not in REPORT_ROLES:
        raise HTTPException(status_code=403, detail=gettext(NOT_FOR_YOU))
    try:
        if user.role is Role.FIELD_AGENT:
            field_app.visit_of(services.uow(), user, visit_id)  # NotYours: another team's
        signed = field_app.signed_report(services.uow(), services.evidence, visit_id, lang)
    except FairdebtError:
        raise HTTPException(status_code=404, detail=gettext(NO_REPORT)) from None
    name = f"{signed.visit_id}-report-{signed.language}.pdf"
    headers = {
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f'attachment; filename="{name}"',
    }
    return Response(signed.data, media_type="application/pdf", headers=headers)


@router.post("/agents", name="visits_agent_add")
async def agent_add(request: Request, _user: Decider) -> Response:
    """Certify a field agent (certificate number, issuer, expiry, optional photo)."""
    form = await _form(request)
    fields = {k: _text(form, k, 200) for k in ("username", "certificate", "issuer", "expires")}
    services = services_of(request)
    try:
        expires = _day(fields["expires"])
        if expires is None:
            raise FairdebtError(gettext_for(locale_of(request))(NOT_A_DATE))
        photo = await _photo(form.get("photo"))
        service.register_agent(
            services.uow(), fields["username"], fields["certificate"], fields["issuer"],
            expires, _now(request), photo=photo,
            evidence=services.evidence if photo is not None else None,
        )  # fmt: skip
    except FairdebtError as exc:
        result = {"error": exc.cause, "hint": exc.hint, "form": fields}
        return _teams(request, result, status_code=400)
    request.session[SESSION_NOTICE] = "agent"
    return RedirectResponse(request.url_for("visits_teams"), status_code=303)


async def _photo(upload: Any) -> bytes | None:
    """The uploaded photo's bytes (at most one byte over the limit is read: the service refuses
    a larger one); None when no file was chosen."""
    if upload is None or isinstance(upload, str) or not getattr(upload, "filename", ""):
        return None
    data: bytes = await upload.read(service.MAX_PHOTO + 1)
    return data or None


@router.post("/teams", name="visits_team_add")
async def team_add(request: Request, _user: Decider) -> Response:
    """Form a team of certified agents (at least the pack's minimum, inside its hours)."""
    form = await _form(request)
    names = ("name", "lat", "lon", "label", "capacity", "start", "end")
    fields = {k: _text(form, k, 200) for k in names}
    members = [m[:64] for m in form.getlist("member") if isinstance(m, str)][:50]
    services = services_of(request)
    try:
        lat, lon, capacity = _number(fields["lat"]), _number(fields["lon"]), _whole(fields)
        service.form_team(
            services.uow(), fields["name"], members, (lat, lon, fields["label"]), capacity,
            (fields["start"], fields["end"]), _now(request), packs=services.packs,
            pack=services.settings.default_pack,
        )  # fmt: skip
    except FairdebtError as exc:
        result = {"error": exc.cause, "hint": exc.hint, "form": fields | {"members": members}}
        return _teams(request, result, status_code=400)
    request.session[SESSION_NOTICE] = "team"
    return RedirectResponse(request.url_for("visits_teams"), status_code=303)


def _number(text: str) -> float:
    try:
        return float(text.strip())
    except ValueError:
        raise FairdebtError(f"{text[:20]!r} is not a number", hint="e.g. 39.95") from None


def _whole(fields: dict[str, str]) -> int:
    text = fields["capacity"].strip() or "6"
    if not text.isdigit() or len(text) > 4:
        raise FairdebtError(f"capacity {text[:20]!r} is not a whole number", hint="e.g. 6")
    return int(text)
