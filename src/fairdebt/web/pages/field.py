"""The field app, /field/: a field agent's phone at the door (services/field_app.py).

Only FIELD_AGENT users open it (anyone else signed in: 403; anonymous: the sign-in page), and a
visit only when they are in its team (else 404, the same answer as for a visit that does not
exist). The day's list works offline once loaded: /field/sw.js, a service worker scoped to
/field/, keeps the pages and their assets and forgets them when the session has ended.

The visit page is one page whose steps are switched by static/field.js, so the recording
(MediaRecorder) runs through the whole visit; its posts are JSON (fetch with the session's CSRF
token in X-CSRF-Token) and answer JSON: `{"error", "hint"}` with 400 on a refusal. The second
agent signs on the same device: their password is checked like a sign-in (counted and locked by
services.sign_ins), and nobody is signed in or out by it. docs/visits.md, "The field app".
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from fairdebt.errors import FairdebtError, StorageFull
from fairdebt.services import field_app, visits
from fairdebt.services.users import Role, User
from fairdebt.web.auth import CurrentUser, services_of
from fairdebt.web.i18n import N_, gettext_for, locale_of
from fairdebt.web.rendering import render

router = APIRouter(prefix="/field", include_in_schema=False)

SERVICE_WORKER = Path(__file__).parents[1] / "static" / "field-sw.js"
FIELD_ONLY = N_("The field app is for field agents only.")
NOT_FOUND = N_("No such visit of your team.")
JSON_LIMIT = 6_000_000  # two signatures as data URLs and the report's texts


def field_user(request: Request, user: CurrentUser) -> User:
    """A field agent; any other role gets 403 (a borrower too: nothing here is theirs)."""
    if user.role is not Role.FIELD_AGENT:
        raise HTTPException(403, gettext_for(locale_of(request))(FIELD_ONLY))
    return user


FieldUser = Annotated[User, Depends(field_user)]


def _refusal(request: Request, exc: FairdebtError) -> JSONResponse:
    if isinstance(exc, field_app.NotYours):
        text = gettext_for(locale_of(request))(NOT_FOUND)
        return JSONResponse({"error": text, "hint": ""}, status_code=404)
    if isinstance(exc, StorageFull):  # 507: the app keeps the chunk and sends it again later
        return JSONResponse(
            {"error": exc.cause, "hint": exc.hint}, status_code=507, headers={"Retry-After": "30"}
        )
    return JSONResponse({"error": exc.cause, "hint": exc.hint}, status_code=400)


def _not_found(request: Request) -> HTTPException:
    return HTTPException(404, gettext_for(locale_of(request))(NOT_FOUND))


def _theirs(request: Request, user: User, visit_id: str) -> JSONResponse | None:
    """404 (JSON) unless the visit is one of the agent's team: checked before anything else a
    request carries is looked at, so a refusal never tells another team's agent more."""
    try:
        field_app.visit_of(services_of(request).uow(), user, visit_id)
    except FairdebtError as exc:
        return _refusal(request, exc)
    return None


def _today(request: Request) -> date:
    services = services_of(request)
    return services.clock.now().astimezone(ZoneInfo(services.settings.timezone)).date()


async def _json(request: Request) -> dict[str, Any]:
    body = await request.body()
    if len(body) > JSON_LIMIT:
        raise FairdebtError("the request is too large")
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        raise FairdebtError("the request is not JSON") from None
    if not isinstance(data, dict):
        raise FairdebtError("the request is not a JSON object")
    return data


def _str(data: dict[str, Any], key: str, limit: int = 2_000) -> str:
    value = data.get(key)
    return value[:limit] if isinstance(value, str) else ""


# --- pages ------------------------------------------------------------------------------------


@router.get("/", name="field_day")
def day(request: Request, user: FieldUser) -> Response:
    """Today's visits of the agent's team, in route order."""
    services = services_of(request)
    today = _today(request)
    stops = field_app.day_list(services.uow(), user, today)
    return render(request, "field/day.html", {"stops": stops, "today": today})


@router.get("/sw.js", name="field_sw")
def service_worker(_user: FieldUser) -> Response:
    """The service worker, served from /field/ so that its scope is the field app."""
    return Response(
        SERVICE_WORKER.read_bytes(),
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache"},
    )


@router.get("/visits/{visit_id}", name="field_visit")
def visit_page(request: Request, visit_id: str, user: FieldUser) -> Response:
    from fairdebt.domain.payment_channel import OFFICIAL_CHANNELS, official_channels

    services = services_of(request)
    try:
        stop = field_app.stop_of(services.uow(), user, visit_id)
        _visit, team = field_app.visit_of(services.uow(), user, visit_id)
    except FairdebtError:
        raise _not_found(request) from None
    uow = services.uow()
    with uow:
        partners = [u for m in team.members if m != user.id and (u := uow.users.get(m))]
        chunks = uow.visit_media.listing(stop.visit_id, "audio_chunk")
    settings = services.settings
    context = {
        "stop": stop,
        "partners": partners,
        "channels": official_channels(settings.repayment_channels),
        "channel_kinds": OFFICIAL_CHANNELS,
        "phone": settings.contact_phone,
        "radius": settings.visit_checkin_radius_m,
        "next_seq": chunks[-1].seq + 1 if chunks else 0,
    }
    return render(request, "field/visit.html", context)


@router.get("/visits/{visit_id}/agents/{member}/photo", name="field_agent_photo")
def agent_photo(request: Request, visit_id: str, member: str, user: FieldUser) -> Response:
    services = services_of(request)
    try:
        data = field_app.agent_photo(services.uow(), services.evidence, visit_id, user, member)
    except FairdebtError:
        raise _not_found(request) from None
    media = "image/png" if data.startswith(field_app.PNG) else "image/jpeg"
    return Response(data, media_type=media, headers={"Cache-Control": "private, max-age=3600"})


@router.get("/visits/{visit_id}/report.pdf", name="field_report")
def report_pdf(request: Request, visit_id: str, user: FieldUser) -> Response:
    services = services_of(request)
    try:
        visit, _team = field_app.visit_of(services.uow(), user, visit_id)
        uow = services.uow()
        with uow:
            found = uow.visit_media.get(visit.id, "visit_report", 0)
        if found is None:
            raise field_app.NotYours("no report")
        data = services.evidence.get(found.ref)
    except FairdebtError:
        raise _not_found(request) from None
    return Response(data, media_type="application/pdf", headers={"Cache-Control": "no-store"})


# --- at the door (JSON) -----------------------------------------------------------------------


@router.post("/visits/{visit_id}/check-in", name="field_check_in")
async def check_in(request: Request, visit_id: str, user: FieldUser) -> Response:
    services = services_of(request)
    try:
        data = await _json(request)
        lat, lon = float(data.get("lat", "nan")), float(data.get("lon", "nan"))
        field_app.visit_of(services.uow(), user, visit_id)
        moved = visits.check_in(
            services.uow(), visit_id, user, lat, lon, services.clock.now(),
            packs=services.packs, default_pack=services.settings.default_pack,
            radius_m=services.settings.visit_checkin_radius_m,
        )  # fmt: skip
    except (TypeError, ValueError):
        return JSONResponse({"error": "lat and lon are numbers", "hint": ""}, status_code=400)
    except FairdebtError as exc:
        return _refusal(request, exc)
    return JSONResponse(
        {"status": moved.status, "distance_m": round(moved.check_in_distance_m or 0)}
    )


@router.post("/visits/{visit_id}/audio", name="field_audio")
async def audio_chunk(request: Request, visit_id: str, user: FieldUser, seq: int = -1) -> Response:
    if (mismatch := _theirs(request, user, visit_id)) is not None:
        return mismatch
    services = services_of(request)
    length = int(request.headers.get("content-length") or 0)
    if length > field_app.MAX_CHUNK:
        return JSONResponse({"error": "the chunk is too large", "hint": ""}, status_code=413)
    data = await request.body()
    try:
        stored = field_app.add_chunk(
            services.uow(), services.evidence, visit_id, user, seq, data,
            request.headers.get("x-chunk-sha256", ""),
            request.headers.get("content-type", ""), services.clock.now(),
        )  # fmt: skip
    except FairdebtError as exc:
        return _refusal(request, exc)
    return JSONResponse({"seq": stored.seq, "ref": stored.ref, "again": stored.again})


@router.post("/visits/{visit_id}/photos", name="field_photo")
async def photo(request: Request, visit_id: str, user: FieldUser) -> Response:
    if (mismatch := _theirs(request, user, visit_id)) is not None:
        return mismatch
    services = services_of(request)
    form = await request.form()
    upload = form.get("photo")
    if upload is None or isinstance(upload, str):
        return JSONResponse({"error": "no photo", "hint": ""}, status_code=400)
    data = await upload.read(field_app.MAX_PHOTO + 1)
    try:
        stored = field_app.add_photo(
            services.uow(), services.evidence, visit_id, user, data, services.clock.now(),
            inside_home=form.get("inside_home") == "on", consent=form.get("consent") == "on",
        )  # fmt: skip
    except FairdebtError as exc:
        return _refusal(request, exc)
    return JSONResponse({"seq": stored.seq, "ref": stored.ref})


@router.post("/visits/{visit_id}/show-id", name="field_show_id")
def show_id(request: Request, visit_id: str, user: FieldUser) -> Response:
    if (mismatch := _theirs(request, user, visit_id)) is not None:
        return mismatch
    services = services_of(request)
    try:
        card = field_app.show_id(services.uow(), visit_id, user, services.clock.now())
    except FairdebtError as exc:
        return _refusal(request, exc)
    agents = [
        {
            "name": a.name,
            "certificate_no": a.certificate_no,
            "issuer": a.issuer,
            "expires_on": a.expires_on.isoformat(),
            "photo": str(request.url_for("field_agent_photo", visit_id=visit_id, member=a.user_id))
            if a.has_photo
            else None,
        }
        for a in card.agents
    ]
    verify = services.settings.portal_url
    body = {"code": card.code, "organisation": card.organisation, "agents": agents}
    return JSONResponse(body | {"verify_url": verify})


@router.post("/visits/{visit_id}/contacts", name="field_contacts")
async def contacts(request: Request, visit_id: str, user: FieldUser) -> Response:
    if (mismatch := _theirs(request, user, visit_id)) is not None:
        return mismatch
    services = services_of(request)
    try:
        data = await _json(request)
        field_app.update_contacts(
            services.uow(), visit_id, user, _str(data, "phone", 64), _str(data, "address"),
            services.clock.now(),
        )  # fmt: skip
    except FairdebtError as exc:
        return _refusal(request, exc)
    return JSONResponse({"ok": True})


@router.post("/visits/{visit_id}/notice", name="field_notice")
async def notice(request: Request, visit_id: str, user: FieldUser) -> Response:
    if (mismatch := _theirs(request, user, visit_id)) is not None:
        return mismatch
    services = services_of(request)
    try:
        data = await _json(request)
        refused = data.get("refused") is True
        png = None if refused else field_app.signature_png(_str(data, "signature", 3_000_000))
        kind = field_app.deliver_notice(
            services.uow(), services.evidence, visit_id, user, _str(data, "document", 40),
            _str(data, "signer", 40), png, services.clock.now(),
        )  # fmt: skip
    except FairdebtError as exc:
        return _refusal(request, exc)
    return JSONResponse({"event": kind})


@router.post("/visits/{visit_id}/check-out", name="field_check_out")
async def check_out(request: Request, visit_id: str, user: FieldUser) -> Response:
    """Check-out: the report, both agents' signatures (the second agent's password checked on
    this device), the PDF; answers what was written and whether the money screen raised an
    alert."""
    if (mismatch := _theirs(request, user, visit_id)) is not None:
        return mismatch
    services = services_of(request)
    now = services.clock.now()
    try:
        data = await _json(request)
        visit, _team = field_app.visit_of(services.uow(), user, visit_id)
        second = _second_agent(request, data)
        with services.uow() as uow:
            task = visits._task_of(uow, visit)
        report = visits.Report(
            outcome=_str(data, "outcome", 40),
            relationship=_str(data, "relationship", 200) or None,
            sealed_letter_left=data.get("sealed_letter_left") is True,
            arrears_reason=_str(data, "arrears_reason"),
            ability=_str(data, "ability", 20) or "unknown",
            willingness=_str(data, "willingness", 20) or "unknown",
            promise=field_app.promise_of(
                task.account_id, _str(data, "promise_amount", 40),
                _str(data, "promise_due", 20), _str(data, "promise_channel", 40),
            ),
            plan_proposal=_str(data, "plan_proposal"),
            notes=_str(data, "notes", 10_000),
        )  # fmt: skip
        sign_off = field_app.SignOff(
            field_app.signature_png(_str(data, "signature", 3_000_000)),
            second,
            field_app.signature_png(_str(data, "second_signature", 3_000_000)),
        )
        done = field_app.finish(
            services.uow(), services.evidence, visit_id, user, report, sign_off, now,
            language=locale_of(request),
        )  # fmt: skip
    except FairdebtError as exc:
        return _refusal(request, exc)
    report_url = str(request.url_for("field_report", visit_id=visit_id))
    return JSONResponse(
        {
            "status": done.visit.status,
            "report": done.report_ref,
            "report_url": report_url,
            "manifest": done.manifest_ref,
            "money_alert": list(done.money_words),
            "gaps": list(done.gaps),
        }
    )


def _second_agent(request: Request, data: dict[str, Any]) -> User:
    """The second agent, whose password is checked as a sign-in is (counted, locked after too
    many failures), without signing anyone in or out."""
    from fairdebt.services.sign_ins import Throttle, attempt

    services = services_of(request)
    settings = services.settings
    throttle = Throttle(
        settings.login_max_failures, timedelta(minutes=settings.login_lockout_minutes)
    )
    client = request.client.host if request.client else "unknown"
    tried = attempt(
        services.uow(), _str(data, "second_username", 64), _str(data, "second_password", 1024),
        client, services.clock.now(), throttle,
    )  # fmt: skip
    if tried.locked_until is not None:
        raise FairdebtError("too many wrong passwords for the second agent", "wait, then try again")
    if tried.user is None:
        raise FairdebtError("the second agent's user name or password is wrong")
    return tried.user
