"""Server-rendered pages: the Jinja2 environment, display filters, labels, and error pages.

Money is integer cents in the database and is shown from Decimal, never float. Words stored
as codes (status, product, bucket, event type) are shown through `label`, translated.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from fairdebt.errors import DatabaseError, FairdebtError
from fairdebt.web.i18n import (
    LOCALE_NAMES,
    LOCALES,
    N_,
    gettext_for,
    jinja_gettext,
    jinja_ngettext,
    locale_of,
)

TEMPLATES = Path(__file__).parent / "templates"
SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "HKD": "HK$"}

LABELS: dict[str, str] = {
    # case status
    "open": N_("Open"),
    "placed": N_("Placed with agency"),
    "on_hold": N_("On hold"),
    "legal": N_("Legal review"),
    "closed": N_("Closed"),
    # products
    "credit_card": N_("Credit card"),
    "consumer_loan": N_("Consumer loan"),
    "micro_loan": N_("Online micro-loan"),
    "other": N_("Other"),
    # instalment states
    "paid": N_("Paid"),
    "partial": N_("Partly paid"),
    "overdue": N_("Past due"),
    "due": N_("Not yet due"),
    # payment channels
    "bank_transfer": N_("Bank transfer"),
    "alipay": N_("Alipay"),
    "wechat_pay": N_("WeChat Pay"),
    "card": N_("Card"),
    "cash": N_("Cash"),
    "direct_debit": N_("Direct debit"),
    # assignees and roles
    "agency": N_("Agency"),
    "collector": N_("Collector"),
    "field_agent": N_("Field agent"),
    "supervisor": N_("Supervisor"),
    "compliance": N_("Compliance officer"),
    "borrower": N_("Borrower"),
    "admin": N_("Administrator"),
    # event types
    "case_opened": N_("Case opened"),
    "case_assigned": N_("Case assigned"),
    "hold_placed": N_("Hold placed"),
    "hold_released": N_("Hold released"),
    "borrower_updated": N_("Borrower data changed"),
    "account_updated": N_("Account changed"),
    "payment_recorded": N_("Payment recorded"),
    "case_closed": N_("Case closed"),
    "account_added": N_("Account added"),
    "payment_corrected": N_("Payment corrected"),
    "payment_reversed": N_("Payment reversed"),
    "schedule_changed": N_("Schedule changed"),
    "tasks_planned": N_("Tasks planned by the strategy run"),
    "gate_decision": N_("Contact gate decision"),
    "contact_recorded": N_("Contact made"),
    "debtor_ack": N_("Debtor acknowledged the debt"),
    "promise_recorded": N_("Promise to pay recorded"),
    "promise_kept": N_("Promise kept"),
    "promise_partly_kept": N_("Promise partly kept"),
    "promise_broken": N_("Promise broken"),
    "plan_proposed": N_("Repayment plan proposed"),
    "plan_approved": N_("Repayment plan approved"),
    "plan_rejected": N_("Repayment plan rejected"),
    "plan_accepted": N_("Repayment plan accepted"),
    # holds
    "complaint": N_("Complaint"),
    "dispute": N_("Dispute"),
    "hardship": N_("Hardship"),
}

SOMETHING_WRONG = N_("Something went wrong")

# Colour deepens with age: early buckets are reminders, M7+ is near write-off.
BUCKET_STYLES = {
    "M0": "text-bg-light border",
    "M1": "text-bg-info",
    "M2": "text-bg-warning",
    "M3": "text-bg-warning",
    "M7+": "text-bg-dark",
}


def money(cents: int | None, currency: str = "CNY") -> str:
    """12345678 -> ¥123,456.78 (exact: integer cents through Decimal)."""
    value = Decimal(cents or 0) / 100
    sign = "-" if value < 0 else ""
    symbol = SYMBOLS.get(currency, currency + " ")
    return f"{sign}{symbol}{abs(value):,.2f}"


def number(value: int | None) -> str:
    return f"{value or 0:,}"


def bucket_style(bucket: str) -> str:
    return BUCKET_STYLES.get(bucket, "text-bg-danger")


def rate(text: str) -> str:
    """'0.18' -> '18%' (rates are stored as exact decimal text)."""
    try:
        return f"{(Decimal(text) * 100).normalize():f}%"
    except ArithmeticError:
        return text


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(jinja_gettext, jinja_ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(money=money, number=number, bucket_style=bucket_style, rate=rate)
    env.globals.update(LOCALES=LOCALES, LOCALE_NAMES=LOCALE_NAMES)
    return Jinja2Templates(env=env)


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    """Render a page with what every page needs: locale, translator, user, zone, labels, and the
    session's CSRF token (its forms and htmx send it back)."""
    from fairdebt.web.security import csrf_token

    locale = locale_of(request)
    gettext = gettext_for(locale)
    settings = request.app.state.settings
    zone = ZoneInfo(settings.timezone)
    base = {
        "locale": locale,
        "user": getattr(request.state, "user", None),
        "csrf_token": csrf_token(request),
        "label": lambda code: gettext(LABELS[code]) if code in LABELS else code,
        "instant": lambda at: _instant(at, zone),
        "zone_name": settings.timezone,  # shown beside every time `instant` formats
        "switch_url": lambda code: str(request.url.include_query_params(lang=code)),
    }
    response = templates().TemplateResponse(request, name, base | context, status_code=status_code)
    response.headers["Vary"] = "HX-Request, Cookie"
    return response


def _instant(at: str, zone: ZoneInfo) -> str:
    """An event's ISO UTC time in the deployment's zone, to the minute."""
    try:
        return (
            datetime.fromisoformat(at.replace("Z", "+00:00"))
            .astimezone(zone)
            .strftime("%Y-%m-%d %H:%M")
        )
    except ValueError:
        return at


# --- errors as pages ------------------------------------------------------------------------


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_page(request: Request, status: int, cause: str, hint: str = "") -> Response:
    if _wants_json(request):
        return JSONResponse({"error": cause, "hint": hint}, status_code=status)
    gettext = gettext_for(locale_of(request))
    titles = {
        403: N_("Not allowed"),
        404: N_("Not found"),
        422: N_("Bad request"),
        503: N_("The database is not available"),
    }
    title = gettext(titles.get(status, SOMETHING_WRONG))
    return render(
        request,
        "error.html",
        {"status": status, "title": title, "cause": cause, "hint": hint},
        status_code=status,
    )


def api_http_error(exc: StarletteHTTPException) -> Response:
    """An HTTP error of /api/ in the API's one error shape (web/api/shapes.py), with the
    exception's headers (a 405's Allow); a status without a body (204, 304) keeps none."""
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    payload = {"error": str(exc.detail), "hint": ""}
    return JSONResponse(payload, status_code=exc.status_code, headers=exc.headers)


def api_invalid_request(exc: RequestValidationError) -> Response:
    """A request FastAPI could not read, in the API's error shape: each problem's pointer
    (`/query/t`, `/path/run_id`) and message."""
    errors = [
        {"pointer": "".join(f"/{part}" for part in e.get("loc", ())), "message": str(e["msg"])}
        for e in exc.errors()
    ]
    first = errors[0] if errors else {"pointer": "", "message": "invalid request"}
    cause = f"the request is not valid: {first['pointer'] or '/'}: {first['message']}"
    payload = {"error": cause, "hint": "", "errors": errors}
    return JSONResponse(payload, status_code=422)


def install_error_pages(app: FastAPI) -> None:
    """HTML routes get a page with cause and hint; /api/ keeps JSON; anonymous go to /login."""
    from fairdebt.web.auth import LoginRequired, Redirect

    @app.exception_handler(Redirect)
    def redirect(request: Request, exc: Redirect) -> Response:
        if request.headers.get("HX-Request"):
            return Response(status_code=200, headers={"HX-Redirect": exc.location})
        return RedirectResponse(exc.location, status_code=303)

    @app.exception_handler(LoginRequired)
    def login_required(request: Request, exc: LoginRequired) -> Response:
        target = str(request.url_for("login_form").include_query_params(next=exc.next_url))
        if request.headers.get("HX-Request"):
            return Response(status_code=200, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _wants_json(request):
            return api_http_error(exc)
        return error_page(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        if _wants_json(request):
            return api_invalid_request(exc)
        first = exc.errors()[0] if exc.errors() else {}
        return error_page(request, 422, str(first.get("msg", "invalid request")))

    @app.exception_handler(FairdebtError)
    def fairdebt_error(request: Request, exc: FairdebtError) -> Response:
        # The API keeps its one shape (400, error + hint); a page says 503 when the database is
        # the problem, because retrying later can help.
        status = 503 if isinstance(exc, DatabaseError) and not _wants_json(request) else 400
        return error_page(request, status, exc.cause, exc.hint)
