"""The staff's second factor on the web: the code step of signing in (/login/code), the set-up
a role that requires one goes through before its first session (/login/enrol), and each staff
member's own page (/console/account/2fa: set up, confirm, turn off).

Between the password and the code the browser holds only a challenge token (services.
second_factor.open_challenge) under its own cookie key: it is not a session token, so
web/auth.py resolves nobody from it and no page opens; it opens only the code or set-up step,
for five minutes, once. docs/security.md, "Second factor".
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from fairdebt.services import second_factor as factor
from fairdebt.services.ports.second_factor import FactorEventKind
from fairdebt.services.second_factor import Enrolment, Sealer, SecondFactorError
from fairdebt.services.sign_ins import Throttle
from fairdebt.services.users import Role, User
from fairdebt.web.auth import ConsoleUser, landing, safe_next, services_of, sign_in, sign_out
from fairdebt.web.i18n import N_
from fairdebt.web.rendering import render
from fairdebt.web.security import client_address

router = APIRouter(include_in_schema=False)

PENDING = "pending_2fa"  # the challenge token in the cookie (never a session token)
PENDING_NEXT = "pending_next"

REASONS = {
    "already_on": N_("A second factor is already on. Turn it off first."),
    "nothing_pending": N_("There is no set-up to confirm. Start the set-up again."),
    "wrong_code": N_("The code does not match. Type the code the app shows now."),
    "wrong_password": N_("The password is wrong."),
    "locked": N_("Too many wrong tries. Wait a while, then try again."),
    "unsealable": N_("The second factor cannot be read. Ask an administrator to reset it."),
}


def sealer_of(request: Request) -> Sealer:
    return Sealer(services_of(request).settings.secret_key.get_secret_value())


def throttle_of(request: Request) -> Throttle:
    settings = services_of(request).settings
    return Throttle(settings.login_max_failures, timedelta(minutes=settings.login_lockout_minutes))


def required_roles(request: Request) -> frozenset[Role]:
    return frozenset(Role(r) for r in services_of(request).settings.second_factor_roles)


def after_password(request: Request, user: User, next_url: str) -> Response:
    """The password was right: a session at once when no second factor is on or required;
    else the code step (or the set-up step first), holding only a challenge."""
    services = services_of(request)
    enabled = factor.is_enabled(services.uow(), user.id)
    purpose = "code" if enabled else "enrol" if user.role in required_roles(request) else None
    next_url = landing(user, next_url)
    if purpose is None:
        sign_in(request, user)
        return RedirectResponse(next_url, status_code=303)
    sign_out(request)  # whatever session the browser had ends; only the challenge is held
    now = services.clock.now()
    if purpose == "enrol":  # a new secret for each password step: one seen before is void
        factor.begin_enrolment(services.uow(), user, now, sealer_of(request))
    token = factor.open_challenge(services.uow(), user, purpose, now)
    request.session[PENDING] = token
    request.session[PENDING_NEXT] = safe_next(next_url)
    target = "login_code_form" if purpose == "code" else "login_enrol_form"
    return RedirectResponse(request.url_for(target).path, status_code=303)


def _pending_user(request: Request, purpose: str) -> User | None:
    token = request.session.get(PENDING)
    if not isinstance(token, str) or not token:
        return None
    services = services_of(request)
    return factor.challenge_user(services.uow(), token, purpose, services.clock.now())


def _finish(request: Request, user: User) -> str | None:
    """Use the challenge up and open the session; where to go next (None: the challenge was
    used meanwhile, by a parallel request)."""
    services = services_of(request)
    token = str(request.session.get(PENDING, ""))
    next_url = safe_next(str(request.session.get(PENDING_NEXT, "")))
    if not factor.take_challenge(services.uow(), token, services.clock.now()):
        return None
    sign_in(request, user)  # clears the cookie's data, the challenge with it
    return next_url


def _back_to_login(request: Request) -> RedirectResponse:
    request.session.pop(PENDING, None)
    request.session.pop(PENDING_NEXT, None)
    return RedirectResponse(request.url_for("login_form").path, status_code=303)


@router.get("/login/code", name="login_code_form")
def login_code_form(request: Request) -> Response:
    if _pending_user(request, "code") is None:
        return _back_to_login(request)
    return render(request, "login_code.html", {"failed": False})


@router.post("/login/code", name="login_code")
def login_code(request: Request, code: Annotated[str, Form(max_length=64)]) -> Response:
    user = _pending_user(request, "code")
    if user is None:
        return _back_to_login(request)
    services, now = services_of(request), services_of(request).clock.now()
    checked = factor.check_code(
        services.uow(),
        user,
        code,
        client_address(request),
        now,
        throttle_of(request),
        sealer_of(request),
    )
    if checked.locked_until is not None:
        return _locked(request, checked.locked_until, now)
    if not checked.ok:
        return render(request, "login_code.html", {"failed": True}, status_code=401)
    next_url = _finish(request, user)
    if next_url is None:
        return _back_to_login(request)
    return RedirectResponse(next_url, status_code=303)


def _locked(request: Request, until: datetime, now: datetime) -> Response:
    zone = ZoneInfo(services_of(request).settings.timezone)
    context = {"failed": False, "locked_until": until.astimezone(zone).strftime("%H:%M")}
    response = render(request, "login_code.html", context, status_code=429)
    response.headers["Retry-After"] = str(max(1, math.ceil((until - now).total_seconds())))
    return response


@router.get("/login/enrol", name="login_enrol_form")
def login_enrol_form(request: Request) -> Response:
    user = _pending_user(request, "enrol")
    if user is None:
        return _back_to_login(request)
    return _enrol_page(request, user, _enrolment(request, user), None)


def _enrolment(request: Request, user: User) -> Enrolment:
    """The user's pending set-up, or a new one."""
    services = services_of(request)
    found = factor.pending_enrolment(services.uow(), user, sealer_of(request))
    if found is not None:
        return found
    return factor.begin_enrolment(services.uow(), user, services.clock.now(), sealer_of(request))


@router.post("/login/enrol", name="login_enrol")
def login_enrol(request: Request, code: Annotated[str, Form(max_length=64)]) -> Response:
    user = _pending_user(request, "enrol")
    if user is None:
        return _back_to_login(request)
    try:
        codes = _confirm(request, user, code)
    except SecondFactorError as exc:
        return _enrol_page(request, user, _enrolment(request, user), exc.reason, 400)
    next_url = _finish(request, user)
    if next_url is None:
        return _back_to_login(request)
    request.state.user = user
    return render(request, "recovery_codes.html", {"codes": codes, "next": next_url})


def _confirm(request: Request, user: User, code: str) -> list[str]:
    services = services_of(request)
    return factor.confirm_enrolment(
        services.uow(),
        user,
        code,
        services.clock.now(),
        sealer_of(request),
        client_address(request),
    )


def _enrol_page(
    request: Request,
    user: User,
    enrolment: Enrolment,
    reason: str | None,
    status_code: int = 200,
) -> Response:
    context = {
        "enrolment": enrolment,
        "qr_svg": qr_svg(enrolment.uri),
        "secret_groups": " ".join(enrolment.secret[i : i + 4] for i in range(0, 32, 4)),
        "error": REASONS.get(reason or ""),
        "action": "login_enrol",
        "username": user.username,
    }
    return render(request, "login_enrol.html", context, status_code=status_code)


def qr_svg(uri: str) -> str:
    """The otpauth:// URI as an inline SVG QR code (made here: no outside service sees it)."""
    import segno

    svg: str = segno.make(uri, error="m").svg_inline(scale=4, border=2)
    return svg


@router.get("/console/account/2fa", name="account_2fa")
def account_2fa(request: Request, user: ConsoleUser) -> Response:
    return _account_page(request, user, None)


def _account_page(
    request: Request, user: User, reason: str | None, status_code: int = 200
) -> Response:
    services = services_of(request)
    uow = services.uow()
    enrolment = None if factor.is_enabled(uow, user.id) else _pending(request, user)
    context = {
        "enabled": factor.is_enabled(uow, user.id),
        "required": user.role in required_roles(request),
        "enrolment": enrolment,
        "qr_svg": qr_svg(enrolment.uri) if enrolment else "",
        "secret_groups": (
            " ".join(enrolment.secret[i : i + 4] for i in range(0, 32, 4)) if enrolment else ""
        ),
        "error": REASONS.get(reason or ""),
        "events": _events(request, user),
        "action": "account_2fa_confirm",
    }
    return render(request, "console/account_2fa.html", context, status_code=status_code)


EVENT_TEXT = {
    FactorEventKind.ENROLLED: N_("Second factor turned on"),
    FactorEventKind.DISABLED: N_("Second factor turned off"),
    FactorEventKind.RESET: N_("Second factor reset by an administrator"),
    FactorEventKind.CODE_FAILED: N_("Wrong code"),
    FactorEventKind.RECOVERY_USED: N_("Recovery code used"),
}


def _events(request: Request, user: User) -> list[dict[str, str]]:
    """The user's ten latest second-factor events, in the deployment's time zone."""
    services = services_of(request)
    zone = ZoneInfo(services.settings.timezone)
    return [
        {
            "at": e.at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            "what": EVENT_TEXT[e.kind],
            "client": e.client,
        }
        for e in factor.events_of(services.uow(), user.id)[-10:]
    ]


def _pending(request: Request, user: User) -> Enrolment | None:
    try:
        return factor.pending_enrolment(services_of(request).uow(), user, sealer_of(request))
    except SecondFactorError:
        return None  # sealed under another key: starting again replaces it


@router.post("/console/account/2fa/start", name="account_2fa_start")
def account_2fa_start(request: Request, user: ConsoleUser) -> Response:
    services = services_of(request)
    try:
        factor.begin_enrolment(services.uow(), user, services.clock.now(), sealer_of(request))
    except SecondFactorError as exc:
        return _account_page(request, user, exc.reason, 409)
    return RedirectResponse(request.url_for("account_2fa").path, status_code=303)


@router.post("/console/account/2fa/confirm", name="account_2fa_confirm")
def account_2fa_confirm(
    request: Request, user: ConsoleUser, code: Annotated[str, Form(max_length=64)]
) -> Response:
    try:
        codes = _confirm(request, user, code)
    except SecondFactorError as exc:
        return _account_page(request, user, exc.reason, 400)
    return render(request, "recovery_codes.html", {"codes": codes, "next": "/console/"})


@router.post("/console/account/2fa/disable", name="account_2fa_disable")
def account_2fa_disable(
    request: Request,
    user: ConsoleUser,
    password: Annotated[str, Form(max_length=1024)],
    code: Annotated[str, Form(max_length=64)],
) -> Response:
    services = services_of(request)
    try:
        factor.disable(
            services.uow(),
            user,
            password,
            code,
            client_address(request),
            services.clock.now(),
            throttle_of(request),
            sealer_of(request),
        )
    except SecondFactorError as exc:
        return _account_page(request, user, exc.reason, 400)
    return RedirectResponse(request.url_for("account_2fa").path, status_code=303)
