"""The staff console: the case list (/console/) and the case page (/console/cases/{id}).

Every page depends on `ConsoleUser`: anonymous visitors go to /login, borrowers get 403, and an
agency user's queries are scoped to the cases placed with its agency (another case is a 404, so
its existence is not disclosed). htmx asks for the table alone when a filter or page changes.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from fairdebt.adapters.db.engine import connect
from fairdebt.domain.case import CaseStatus
from fairdebt.domain.delinquency import BUCKETS
from fairdebt.domain.loan import Product
from fairdebt.services.users import User
from fairdebt.web.auth import (
    ConsoleUser,
    agency_scope,
    engine_of,
    may_see_personal_data,
    services_of,
)
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


def _pick(value: str, allowed: tuple[str, ...]) -> str | None:
    """A filter value from the URL, or None when empty or not one of ours."""
    return value if value in allowed else None


def _filter(user: User, query: dict[str, str]) -> CaseFilter:
    return CaseFilter(
        bucket=_pick(query["bucket"], BUCKET_NAMES),
        product=_pick(query["product"], PRODUCTS),
        status=_pick(query["status"], STATUSES),
        q=query["q"].strip()[:64] or None,
        agency_id=agency_scope(user),
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
    flt = _filter(user, query)
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
def case_page(request: Request, user: ConsoleUser, case_id: str) -> Response:
    """One case: borrower, accounts, schedule, payments, DPD and the event log."""
    settings = request.app.state.settings
    today = request.app.state.clock.now().astimezone(ZoneInfo(settings.timezone)).date()
    with connect(engine_of(request)) as conn:
        detail = case_detail(
            conn,
            case_id,
            today=today,
            agency_id=agency_scope(user),
            reveal=may_see_personal_data(user),
        )
    if detail is None:
        gettext = gettext_for(locale_of(request))
        raise HTTPException(status_code=404, detail=gettext(N_("There is no such case here.")))
    context = {"d": detail, "today": today, "may_call": _may_call(request, user, case_id)}
    return render(request, "console/case.html", context)


def _may_call(request: Request, user: User, case_id: str) -> bool:
    """Whether the page offers "Check with the gate" (web.pages.calls decides who may)."""
    from fairdebt.web.pages.calls import may_work
    from fairdebt.web.pages.queue import QUEUE_ROLES

    if user.role not in QUEUE_ROLES:
        return False
    with services_of(request).uow() as uow:
        case = uow.cases.get(case_id)
    return case is not None and may_work(user, case)
