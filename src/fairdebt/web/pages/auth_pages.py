"""Sign in and out: /login, /logout, and / (which sends people to the console)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from fairdebt.adapters.db.engine import connect
from fairdebt.services.users import authenticate
from fairdebt.web.auth import engine_of, safe_next, sign_in, sign_out
from fairdebt.web.rendering import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/console/", status_code=303)


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
    with connect(engine_of(request)) as conn:
        user = authenticate(conn, username, password)
    if user is None:
        context = {"next": safe_next(next), "failed": True, "username": username}
        return render(request, "login.html", context, status_code=401)
    sign_in(request, user)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout", name="logout")
def logout(request: Request) -> RedirectResponse:
    sign_out(request)
    return RedirectResponse("/login", status_code=303)
