"""`POST /api/v1/gate/check`: the contact gate over HTTP (contracts/gate.md).

The body is a gate request; the answer is the decision, byte for byte the JSON `fairdebt gate`
prints and `Decision.to_json()` returns. A request outside the schema is 422 with every error's
JSON pointer; an unknown pack is 422 at `/pack`, naming the available packs.

The handler is deliberately thin: it reads the raw body and hands it to the engine, which
validates it with the compiled schema — no Pydantic model in between, since the schema is the
contract and a second model of it would cost time on every contact and could drift.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.routing import Route

from fairdebt.compliance.engine import decide
from fairdebt.compliance.errors import GateRequestError, UnknownPackError
from fairdebt.compliance.pack import builtin_packs
from fairdebt.compliance.schema import load_schema

router = APIRouter(tags=["gate"])


def _openapi_schema(name: str) -> dict[str, Any]:
    return {k: v for k, v in load_schema(name).items() if k not in ("$schema", "$id")}


class _SchemasWhenAsked(dict[str, Any]):
    """The contract schemas for the OpenAPI document, read only when /openapi.json is built
    (nothing is read at import time)."""

    def _fill(self) -> None:
        if not super().__len__():
            self["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _openapi_schema("gate-request")}},
            }
            self["responses"] = {
                "200": {
                    "description": "The decision (gate-decision.schema.json).",
                    "content": {"application/json": {"schema": _openapi_schema("gate-decision")}},
                }
            }

    def __len__(self) -> int:
        self._fill()
        return super().__len__()

    def items(self) -> Any:
        self._fill()
        return super().items()


ERRORS = {
    "description": "The request is not JSON or not a gate request; every error's JSON pointer.",
    "content": {
        "application/json": {
            "example": {
                "error": "the gate request does not match the schema: /now: … (and 1 more)",
                "errors": [{"pointer": "/now", "message": "'2026-03-02' is not a 'date-time'"}],
            }
        }
    },
}


@router.post(
    "/gate/check",
    summary="Ask the contact gate before a contact: allow, deny or review, with citations.",
    response_class=Response,
    responses={422: ERRORS},
    openapi_extra=_SchemasWhenAsked(),
)
async def check(request: Request) -> Response:
    """Decide one contact attempt (the same answer as `fairdebt gate`)."""
    return await serve_check(request)


async def serve_check(request: Request) -> Response:
    """The endpoint's work, served by a plain Starlette route (see the end of the module)."""
    body = await request.body()
    try:
        raw = json.loads(body)
    except ValueError as exc:
        return _unprocessable(f"the body is not JSON: {exc}", [("", "not JSON")])
    try:
        decision = decide(raw, packs=builtin_packs())
    except GateRequestError as exc:
        return _unprocessable(exc.cause, list(exc.errors))
    except UnknownPackError as exc:
        return _unprocessable(exc.cause, [("/pack", exc.cause)], exc.hint)
    return Response(decision.to_json(), media_type="application/json")


def _unprocessable(cause: str, errors: list[tuple[str, str]], hint: str = "") -> JSONResponse:
    payload: dict[str, Any] = {
        "error": cause,
        "errors": [{"pointer": p, "message": m} for p, m in errors],
    }
    if hint:
        payload["hint"] = hint
    return JSONResponse(payload, status_code=422)


# The documented route above is what /openapi.json describes; requests are served by this plain
# route, matched first, which skips FastAPI's per-request dependency resolution and response
# validation — a tenth of the server's work per decision, with nothing to resolve or validate.
router.routes.insert(
    0, Route("/gate/check", serve_check, methods=["POST"], include_in_schema=False)
)
