"""Sign in and out: /login, /logout, and / (which sends people to the console). A user with a
second factor on (or whose role requires one) goes on to its step (pages/second_factor.py)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from fairdebt.services.sign_ins import Throttle, attempt
from fairdebt.web.auth import home_of, safe_next, services_of, sign_out, signed_in
from fairdebt.web.pages.second_factor import after_password
from fairdebt.web.rendering import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request) -> RedirectResponse:
    """Staff to the console, a field agent to the field app, a signed-in borrower to the
    portal."""
    user = signed_in(request)
    return RedirectResponse("/console/" if user is None else home_of(user), status_code=303)


@router.get("/login", name="login_form")
def login_form(request: Request, next: str = "/console/") -> Response:
    return render(request, "login.html", {"next": safe_next(next), "failed": False})


@router.post("/login", name="login")
def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form()] = "/console/",
) -> Response:
    settings, now = request.app.state.settings, request.app.state.clock.now()
    throttle = Throttle(
        settings.login_max_failures, timedelta(minutes=settings.login_lockout_minutes)
    )
    client = request.client.host if request.client else "unknown"
    tried = attempt(services_of(request).uow(), username, password, client, now, throttle)
    if tried.locked_until is not None:
        return _locked(request, next, username, tried.locked_until, now)
    user = tried.user
    if user is None:
        context = {"next": safe_next(next), "failed": True, "username": username}
        return render(request, "login.html", context, status_code=401)
    return after_password(request, user, next)


def _locked(request: Request, next: str, username: str, until: datetime, now: datetime) -> Response:
    """429 with the local time to try again; no password was checked."""
    zone = ZoneInfo(request.app.state.settings.timezone)
    context = {
        "next": safe_next(next),
        "username": username,
        "locked_until": until.astimezone(zone).strftime("%H:%M"),
    }
    response = render(request, "login.html", context | {"failed": False}, status_code=429)
    response.headers["Retry-After"] = str(max(1, math.ceil((until - now).total_seconds())))
    return response


@router.post("/logout", name="logout")
def logout(request: Request) -> RedirectResponse:
    sign_out(request)
    return RedirectResponse("/login", status_code=303)
