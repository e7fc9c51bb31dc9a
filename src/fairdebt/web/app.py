"""The FastAPI application: JSON API under /api/v1, staff console under /console.

`create_app` is the only way to build it; nothing happens at import time. Routers live one per
module in `api/` and `pages/`, each exposing `router`. The app holds one engine
(`app.state.engine`, disposed at shutdown) and one clock (`app.state.clock`); pages get the
session cookie (signed; it carries the server-side session's token: web/auth.py), the language
(LocaleMiddleware), /static, and errors rendered as pages; every state-changing request is
checked against CSRF (web/security.py).
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from fairdebt import __version__

if TYPE_CHECKING:
    from fairdebt.bootstrap import Services
    from fairdebt.settings import Settings

API_MODULES: tuple[str, ...] = ("gate", "strategy", "inbound")
PAGE_MODULES: tuple[str, ...] = (
    "auth_pages",
    "second_factor",
    "console",
    "strategy",
    "queue",
    "message_templates",
    "calls",
    "verify",
    "desk",
    "portal",
    "field",
    "visits",
    "portal_complaints",
)
STATIC = Path(__file__).parent / "static"
SESSION_COOKIE = "fairdebt_session"


def create_app(services: Services | None = None) -> FastAPI:
    """Build the app around `services` (fairdebt.bootstrap.Services; one built from the
    environment when None, on a database `fairdebt serve` has already migrated)."""
    from fairdebt.bootstrap import Services
    from fairdebt.web.api.gate import document_packs
    from fairdebt.web.api.shapes import install as install_openapi
    from fairdebt.web.api_auth import install as install_api_auth
    from fairdebt.web.rendering import install_error_pages
    from fairdebt.web.security import csrf_protect

    wired = services if services is not None else Services(migrate=False)
    config = wired.settings

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        wired.close()

    app = FastAPI(
        title="fairdebt",
        version=__version__,
        description="Compliance-first debt collection: contact gate, cases, evidence.",
        openapi_url="/openapi.json",
        # The interactive docs load their scripts from a CDN, which the CSP forbids; the schema
        # stays at /openapi.json.
        docs_url=None,
        redoc_url=None,
        # Every route, present and future: a state-changing request needs the session's CSRF
        # token and a same-origin Origin (fairdebt.web.security).
        dependencies=[Depends(csrf_protect)],
        lifespan=lifespan,
    )
    app.state.services = wired
    app.state.settings = config
    app.state.clock = wired.clock
    _install_web(app, config)
    install_error_pages(app)
    install_api_auth(app)
    install_openapi(app, document_packs)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    for name in API_MODULES:
        module = importlib.import_module(f"fairdebt.web.api.{name}")
        app.include_router(module.router, prefix="/api/v1")
    for name in PAGE_MODULES:
        module = importlib.import_module(f"fairdebt.web.pages.{name}")
        app.include_router(module.router)
    return app


def _install_web(app: FastAPI, config: Settings) -> None:
    """What pages need: language, the session cookie, static files; security headers on
    every response (the outermost middleware, so refusals and static files get them too)."""
    from fairdebt.web.i18n import LocaleMiddleware
    from fairdebt.web.security import SecurityHeadersMiddleware

    app.add_middleware(LocaleMiddleware, default=config.locale)
    app.add_middleware(
        SessionMiddleware,
        secret_key=config.secret_key.get_secret_value(),
        session_cookie=SESSION_COOKIE,
        # The server-side session decides when a sign-in ends (idle and absolute lifetimes,
        # revocation: web/auth.py); the cookie need not outlive its absolute end.
        max_age=config.session_lifetime_hours * 3600,
        same_site="lax",  # a cross-site form cannot post with the session (CSRF)
        # Secure only in production: development and tests run on plain http://localhost.
        https_only=config.env == "production",
    )
    app.add_middleware(SecurityHeadersMiddleware)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
