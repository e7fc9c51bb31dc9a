"""The staff console: the case list (/console/) and the case page (/console/cases/{id}).

Every page depends on `ConsoleUser`: anonymous visitors go to /login, borrowers get 403. What a
user sees is services.access's rule, read once per request: the list is scoped by
`visible_cases` (a collector's assigned and granted cases, an agency's placed ones, a field
agent's visits', every case for oversight roles) and a case outside it is a 404, so its
existence is not disclosed. htmx asks for the table alone when a filter or page changes.

Two forms on the case page (same-origin POSTs with the session's CSRF token):
- unmask (supervisors, compliance): one borrower field with a reason; the `personal_data_viewed`
  event is logged first, then that answer — and no other — shows the field whole;
- grant (supervisors, administrators): let a collector see the case for some days, with a
  reason (`case_access_granted`; `fairdebt cases grant` does the same).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response

from fairdebt.adapters.db.engine import connect
from fairdebt.domain.case import CaseStatus
from fairdebt.domain.delinquency import BUCKETS
from fairdebt.domain.loan import Product
from fairdebt.services import access
from fairdebt.services.users import User
from fairdebt.web.auth import ConsoleUser, engine_of, services_of
from fairdebt.web.case_query import case_detail
from fairdebt.web.i18n import N_, gettext_for, locale_of
from fairdebt.web.queries import BadCursor, CaseFilter, Cursor, count_cases, list_cases
from fairdebt.web.rendering import render

router = APIRouter(prefix="/console", include_in_schema=False)

PAGE_SIZE = 50
BUCKET_NAMES = tuple(name for name, _low, _high in BUCKETS)
PRODUCTS = tuple(p.value for p in Product)
STATUSES = tuple(s.value for s in CaseStatus)
BAD_CURSOR = N_("This page of the case list does not exist.")
NO_SUCH_CASE = N_("There is no such case here.")
MAY_NOT_UNMASK = N_("Your role does not unmask personal data.")
MAY_NOT_GRANT = N_("Only supervisors and administrators grant access to a case.")
CaseId = Annotated[str, Path(min_length=1, max_length=64)]


def _pick(value: str, allowed: tuple[str, ...]) -> str | None:
    """A filter value from the URL, or None when empty or not one of ours."""
    return value if value in allowed else None


def _filter(request: Request, user: User, query: dict[str, str]) -> CaseFilter:
    services = services_of(request)
    return CaseFilter(
        bucket=_pick(query["bucket"], BUCKET_NAMES),
        product=_pick(query["product"], PRODUCTS),
        status=_pick(query["status"], STATUSES),
        q=query["q"].strip()[:64] or None,
        scope=access.visible_cases(services.uow(), user, services.clock.now()),
        ascending=query["order"] == "asc",
    )


@router.get("/", name="console_cases")
def case_list(
    request: Request,
    user: ConsoleUser,
    bucket: str = "",
    product: str = "",
    status: str = "",
    q: str = "",
    order: str = "desc",
    after: str = "",
    before: str = "",
) -> Response:
    """Cases by DPD, worst first, filtered by bucket, product, status and case id."""
    query = {"bucket": bucket, "product": product, "status": status, "q": q, "order": order}
    flt = _filter(request, user, query)
    first, last = _cursors(request, after, before)
    with connect(engine_of(request)) as conn:
        page = list_cases(conn, flt, after=first, before=last, limit=PAGE_SIZE)
        total, capped = count_cases(conn, flt)
    partial = request.headers.get("HX-Request") and request.headers.get("HX-Target") == "cases"
    context = {
        "page": page,
        "total": total,
        "capped": capped,
        "flt": flt,
        "buckets": BUCKET_NAMES,
        "products": PRODUCTS,
        "statuses": STATUSES,
        "query": query,
    }
    return render(request, "console/_cases.html" if partial else "console/cases.html", context)


def _cursors(request: Request, after: str, before: str) -> tuple[Cursor | None, Cursor | None]:
    """The page's cursors; one out of range is a 422 before any query (no overflow, no 500)."""
    try:
        return Cursor.decode(after), Cursor.decode(before)
    except BadCursor:
        gettext = gettext_for(locale_of(request))
        raise HTTPException(status_code=422, detail=gettext(BAD_CURSOR)) from None


@router.get("/cases/{case_id}", name="console_case")
def case_page(request: Request, user: ConsoleUser, case_id: CaseId) -> Response:
    """One case: borrower, accounts, schedule, payments, DPD and the event log."""
    _visible(request, user, case_id)
    return _case_page(request, user, case_id)


def _today(request: Request) -> date:
    settings = request.app.state.settings
    now: datetime = request.app.state.clock.now()
    return now.astimezone(ZoneInfo(settings.timezone)).date()


def _not_found(request: Request) -> HTTPException:
    return HTTPException(status_code=404, detail=gettext_for(locale_of(request))(NO_SUCH_CASE))


def _visible(request: Request, user: User, case_id: str) -> None:
    """404 unless services.access lets this user see the case (whether it exists or not)."""
    services = services_of(request)
    if not access.may_see(services.uow(), user, case_id, services.clock.now()):
        raise _not_found(request)


def _case_page(
    request: Request,
    user: User,
    case_id: str,
    unmask: frozenset[str] = frozenset(),
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    today = _today(request)
    with connect(engine_of(request)) as conn:
        detail = case_detail(
            conn, case_id, today=today, reveal=access.shows_contact(user), unmask=unmask
        )
    if detail is None:
        raise _not_found(request)
    context = {
        "d": detail,
        "today": today,
        "may_call": _may_call(request, user, case_id),
        "may_unmask": access.may_unmask(user),
        "unmask_fields": access.UNMASK_FIELDS,
        "may_grant": user.role in access.GRANT_ROLES,
        "max_grant_days": access.MAX_GRANT_DAYS,
        "access_error": error,
    }
    response = render(request, "console/case.html", context, status_code=status_code)
    if unmask:
        response.headers["Cache-Control"] = "no-store"  # shown once: not kept by the browser
    return response


def _form_text(form: Any, name: str, limit: int) -> str:
    value = form.get(name)
    return value[: limit + 1] if isinstance(value, str) else ""  # one more: the service refuses


@router.post("/cases/{case_id}/unmask", name="console_case_unmask")
async def unmask_field(request: Request, user: ConsoleUser, case_id: CaseId) -> Response:
    """Show one borrower field whole, for this answer only, after logging who, what and why."""
    if not access.may_unmask(user):
        raise HTTPException(status_code=403, detail=gettext_for(locale_of(request))(MAY_NOT_UNMASK))
    _visible(request, user, case_id)
    form = await request.form()
    what = _form_text(form, "field", 16)
    reason = _form_text(form, "reason", access.MAX_REASON)
    services = services_of(request)
    try:
        access.record_view(services.uow(), user, case_id, what, reason, services.clock.now())
    except access.AccessError as refused:
        return _case_page(request, user, case_id, error=refused.cause, status_code=422)
    return _case_page(request, user, case_id, unmask=frozenset({what}))


@router.post("/cases/{case_id}/grant", name="console_case_grant")
async def grant_case(request: Request, user: ConsoleUser, case_id: CaseId) -> Response:
    """Let a collector see this case for some days, with a reason (a case event)."""
    if user.role not in access.GRANT_ROLES:
        raise HTTPException(status_code=403, detail=gettext_for(locale_of(request))(MAY_NOT_GRANT))
    _visible(request, user, case_id)
    form = await request.form()
    to = _form_text(form, "collector", 64)
    days_text = _form_text(form, "days", 6).strip()
    days = int(days_text) if days_text.isascii() and days_text.isdigit() else 0
    reason = _form_text(form, "reason", access.MAX_REASON)
    services = services_of(request)
    try:
        access.grant(services.uow(), case_id, to, days, reason, user.username, services.clock.now())
    except access.AccessError as refused:
        return _case_page(request, user, case_id, error=refused.cause, status_code=422)
    target = request.url_for("console_case", case_id=case_id)
    return RedirectResponse(f"{target}#events", status_code=303)


def _may_call(request: Request, user: User, case_id: str) -> bool:
    """Whether the page offers "Check with the gate" (web.pages.calls decides who may)."""
    from fairdebt.web.pages.calls import may_work
    from fairdebt.web.pages.queue import QUEUE_ROLES

    if user.role not in QUEUE_ROLES:
        return False
    with services_of(request).uow() as uow:
        case = uow.cases.get(case_id)
    return case is not None and may_work(user, case)
