"""What the JSON API's OpenAPI document says about answers every route shares: the error shape,
the refusals, and the API token (docs/gate.md, "The OpenAPI document").

Every error of /api/ is one JSON object: `error` (the cause, one line), `hint` (what to do, may
be empty) and, for a request the API could not read, `errors`: each problem's JSON pointer and
message. The declarations here are what /openapi.json tells a client and what the schemathesis
test (tests/api/test_schemathesis_api.py) holds every answer to, so a route that answers a
status or a shape it does not declare fails in CI.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string", "description": "The cause, one line."},
        "hint": {"type": "string", "description": "What to do about it; may be empty."},
        "errors": {
            "type": "array",
            "description": "Each problem of a request that could not be read.",
            "items": {
                "type": "object",
                "required": ["pointer", "message"],
                "properties": {
                    "pointer": {"type": "string", "description": "RFC 6901 JSON pointer."},
                    "message": {"type": "string"},
                },
            },
        },
    },
}

# The API token: `Authorization: Bearer fd_…` (web/api_auth.py); the route's scope is listed.
BEARER_SCHEME = "apiToken"
SECURITY_SCHEMES: dict[str, Any] = {
    BEARER_SCHEME: {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token: `fairdebt tokens create NAME --scope …` (docs/gate.md).",
    }
}


def error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    """A response in the error shape."""
    found: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": ERROR_SCHEMA}},
    }
    if headers:
        found["headers"] = headers
    return found


_CHALLENGE = {
    "WWW-Authenticate": {
        "description": "RFC 6750 §3: `Bearer`, with `error=` when a token was sent.",
        "schema": {"type": "string"},
    }
}
UNAUTHORIZED = error("No API token, or one unknown, revoked or expired.", _CHALLENGE)
FORBIDDEN = error("The API token does not carry this route's scope.", _CHALLENGE)
UNREADABLE = error("The request is not what the route reads: each problem's JSON pointer.")


def token_responses() -> dict[int | str, dict[str, Any]]:
    """The refusals of a route behind an API token."""
    return {401: UNAUTHORIZED, 403: FORBIDDEN}


def security(scope: str) -> list[dict[str, list[str]]]:
    """The `security` of an operation behind an API token with `scope`."""
    return [{BEARER_SCHEME: [scope]}]


def too_large(limit: int) -> dict[str, Any]:
    return error(f"The body is larger than {limit:,} bytes; nothing was read or recorded.")


def install(app: Any, *refine: Callable[[dict[str, Any], Any], None]) -> None:
    """The app's /openapi.json also names the API token scheme the operations' `security`
    refers to (FastAPI builds the rest from the routes), and is refined with what only the
    running app knows: `refine(document, app.state.services)` each."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()
            document.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
            for step in refine:
                step(document, app.state.services)
            app.openapi_schema = document
        schema: dict[str, Any] = app.openapi_schema
        return schema

    app.openapi = openapi
