"""The borrower portal's complaints and collector pages (docs/portal.md):

- /portal/complaints: file a complaint or a dispute about a contact or a visit of my own record
  (named by its seq, chosen from a list of mine), or about the debt, with photos and recordings
  as evidence; my complaints with the hold they placed in plain words, the deadlines to
  acknowledge and to answer with the time left, the status and the answer; the outside routes.
- /portal/collector: who is this collector (a verify code, a QR code's address, a certificate
  number), are they on my case, visiting me now; report an impostor.

As every portal page, the case is the signed-in borrower's (`case_of_user`), never the URL's: a
seq of another case, or a form tampered with, is refused with a plain sentence and nothing is
written (services.portal_complaints checks before anything is stored).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from fairdebt.errors import FairdebtError
from fairdebt.services import portal_collectors as collectors
from fairdebt.services import portal_complaints as pc
from fairdebt.services.complaints import (
    LANGUAGE_BY_PACK,
    PACK_BY_CURRENCY,
    ComplaintError,
    Deadlines,
    clock,
    hold_for,
)
from fairdebt.services.users import User
from fairdebt.web.auth import PortalUser, services_of
from fairdebt.web.pages.portal import _case, _today
from fairdebt.web.pages.verify import limits_of
from fairdebt.web.rendering import render

router = APIRouter(prefix="/portal", include_in_schema=False)


def _pack(request: Request, case_id: str) -> str:
    services = services_of(request)
    with services.uow() as uow:
        reply = uow.complaints.reply_to(case_id)
    default = services.settings.default_pack
    return PACK_BY_CURRENCY.get(reply.currency, default) if reply else default


def routes_context(request: Request, case_id: str) -> dict[str, Any]:
    """Which outside routes apply: the CFPB for a us-regf case, the Chinese ones otherwise."""
    pack = _pack(request, case_id)
    return {"pack": pack, "us": LANGUAGE_BY_PACK.get(pack) == "en"}


# --- complaints -------------------------------------------------------------------------------


def _left(delta: timedelta | None) -> dict[str, Any] | None:
    if delta is None:
        return None
    seconds = int(delta.total_seconds())
    overdue = seconds < 0
    seconds = abs(seconds)
    return {"days": seconds // 86400, "hours": seconds % 86400 // 3600, "overdue": overdue}


def _complaints_page(
    request: Request, user: User, context: dict[str, Any], status: int = 200
) -> Response:
    services = services_of(request)
    case_id = _case(request, user)
    now = services.clock.now()
    with services.uow() as uow:
        events = uow.events.events(case_id)
    shown = [
        {
            "c": c,
            "acknowledge": _left(clock(c, now).acknowledge_left),
            "answer": _left(clock(c, now).answer_left),
        }
        for c in pc.mine(services.uow(), case_id)
    ]
    base = {
        "choices": pc.choices(events),
        "complaints": shown,
        "form": {},
        "max_mb": services.settings.portal_attachment_max_bytes // (1024 * 1024),
        "max_files": pc.MAX_FILES,
        "accept": ",".join(pc.SIGNATURES),
    }
    base |= routes_context(request, case_id)
    return render(request, "portal/complaints.html", base | context, status_code=status)


@router.get("/complaints", name="portal_complaints")
def complaints_page(request: Request, user: PortalUser, seq: str = "") -> Response:
    form = {"seq": seq[:20]} if seq.isdigit() else {}
    return _complaints_page(request, user, {"form": form})


async def _uploads(form: Any, max_bytes: int) -> list[pc.Upload]:
    """The files of the form, each read to at most one byte more than the limit (a larger one
    is refused without holding it whole)."""
    found = []
    for item in form.getlist("evidence")[: pc.MAX_FILES + 1]:
        if isinstance(item, UploadFile):
            data = await item.read(max_bytes + 1)
            media = item.content_type or ""
            found.append(pc.Upload(item.filename or "", media, data))
    return found


def _about_and_seq(form: Any) -> tuple[str, int | None]:
    """`target` is `debt`, `contact:SEQ` or `visit:SEQ` (the list of my contacts and visits)."""
    target = str(form.get("target") or "debt")[:40]
    about, _, seq = target.partition(":")
    if about == "debt" and not seq:
        return "debt", None
    if about in ("contact", "visit") and seq.isdigit() and len(seq) <= 18:
        return about, int(seq)
    raise ComplaintError(
        "that is not one of your contacts or visits", hint="choose one from the list"
    )


@router.post("/complaints", name="portal_complaint_file")
async def file_complaint(request: Request, user: PortalUser) -> Response:
    services = services_of(request)
    config = services.settings
    form = await request.form()
    fields = {k: str(v)[:5000] for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    try:
        about, seq = _about_and_seq(form)
        kind = "conduct" if about != "debt" else str(form.get("kind") or "")[:40]
        complaint = pc.file_complaint(
            services.uow(),
            user,
            _case(request, user),
            about,
            kind,
            str(form.get("text") or ""),
            seq,
            await _uploads(form, config.portal_attachment_max_bytes),
            services.clock.now(),
            deadlines=Deadlines(config.complaint_acknowledge_days, config.complaint_answer_days),
            evidence=services.evidence,
            max_bytes=config.portal_attachment_max_bytes,
        )
    except FairdebtError as exc:
        context = {"error": exc.cause, "hint": exc.hint, "form": fields}
        return _complaints_page(request, user, context, 422)
    filed = {"id": complaint.id, "hold": hold_for(complaint.about, complaint.kind).value}
    return _complaints_page(request, user, {"filed": filed})


# --- verify a collector -----------------------------------------------------------------------


def _collector_page(
    request: Request, user: User, context: dict[str, Any], status: int = 200
) -> Response:
    case_id = _case(request, user)
    base = {"query": "", "result": None, "form": {}} | routes_context(request, case_id)
    return render(request, "portal/collector.html", base | context, status_code=status)


@router.get("/collector", name="portal_collector")
def collector_page(request: Request, user: PortalUser, code: str = "", cert: str = "") -> Response:
    """The form; a code or certificate in the URL (a scanned QR code) is filled in."""
    return _collector_page(request, user, {"query": (code or cert)[:64]})


@router.post("/collector", name="portal_collector_check")
async def collector_check(request: Request, user: PortalUser) -> Response:
    form = await request.form()
    query = str(form.get("query") or "")[: collectors.MAX_FIELD]
    services = services_of(request)
    now = services.clock.now()
    found = collectors.check(
        services.uow(),
        _case(request, user),
        query,
        now,
        _today(request),
        client=f"portal:{user.id}",
        limits=limits_of(services.settings),
    )
    if isinstance(found, datetime):
        return _collector_page(request, user, {"query": query, "throttled": True}, 429)
    return _collector_page(request, user, {"query": query, "result": found})


@router.post("/collector/impostor", name="portal_impostor")
async def report_impostor(request: Request, user: PortalUser) -> Response:
    form = await request.form()
    # one character past each limit: the service refuses what is too long, never cuts it
    fields = {k: v[: collectors.MAX_STORY + 1] for k, v in form.items() if isinstance(v, str)}
    report = collectors.ImpostorReport(
        how=fields.get("how", ""),
        when=fields.get("when", ""),
        said_name=fields.get("said_name", ""),
        said_organisation=fields.get("said_organisation", ""),
        said_code=fields.get("said_code", ""),
        story=fields.get("story", ""),
    )
    services = services_of(request)
    try:
        collectors.report_impostor(
            services.uow(), _case(request, user), report, user, services.clock.now()
        )
    except FairdebtError as exc:
        context = {"report_error": exc.cause, "form": fields}
        return _collector_page(request, user, context, 422)
    return _collector_page(request, user, {"reported": True})
