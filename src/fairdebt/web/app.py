"""The FastAPI application: JSON API under /api/v1, staff console under /console.

`create_app` is the only way to build it; nothing happens at import time. Routers live one per
module in `api/` and `pages/`, each exposing `router`.
"""

from __future__ import annotations

import importlib

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from fairdebt import __version__
from fairdebt.errors import FairdebtError

API_MODULES: tuple[str, ...] = ()
PAGE_MODULES: tuple[str, ...] = ()


def create_app(settings: object | None = None) -> FastAPI:
    """Build the app. `settings` is a fairdebt.settings.Settings (loaded when None)."""
    from fairdebt.settings import load_settings

    app = FastAPI(
        title="fairdebt",
        version=__version__,
        description="Compliance-first debt collection: contact gate, cases, evidence.",
        openapi_url="/openapi.json",
    )
    app.state.settings = settings if settings is not None else load_settings()

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.exception_handler(FairdebtError)
    def fairdebt_error(_request: object, exc: FairdebtError) -> JSONResponse:
        return JSONResponse({"error": exc.cause, "hint": exc.hint}, status_code=400)

    for name in API_MODULES:
        module = importlib.import_module(f"fairdebt.web.api.{name}")
        app.include_router(module.router, prefix="/api/v1")
    for name in PAGE_MODULES:
        module = importlib.import_module(f"fairdebt.web.pages.{name}")
        app.include_router(module.router)
    return app
