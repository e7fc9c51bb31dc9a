"""`POST /api/v1/gate/check`: the contact gate over HTTP (docs/gate.md).

The body is a gate request; the answer is the decision, byte for byte the JSON `fairdebt gate`
prints and `Decision.to_json()` returns. A request outside the schema is 422 with every error's
JSON pointer; an unknown pack is 422 at `/pack`, naming the available packs.

The handler is deliberately thin: it reads the raw body and hands it to the engine, which
decodes and validates it in one pass (fairdebt.compliance.request) — no Pydantic model in
between: the request is defined once, and a second model of it would cost time on every
contact and could drift. The packs are the composition root's (`app.state.services.packs`).

Callers authenticate with an API token carrying the scope `gate:check` (`Authorization: Bearer
fd_…`; web/api_auth.py), checked before the body is read. Decoding and deciding are CPU work
(a megabyte of history takes tens of milliseconds): a body over INLINE_BYTES runs in a worker
thread, at most `DECIDERS` at a time, so a burst of large requests queues for those threads
while the event loop keeps answering every other request (bench/results.md, "The gate off the
event loop"); a usual request is decided on the loop, where it costs less than the hop.
"""

from __future__ import annotations

import asyncio
import os
import weakref
import zoneinfo
from typing import Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fairdebt.compliance.engine import decide_body
from fairdebt.compliance.errors import GateRequestError, UnknownPackError
from fairdebt.compliance.pack import Packs
from fairdebt.compliance.request import NotJsonError, load_schema
from fairdebt.web.api import shapes
from fairdebt.web.api_auth import scoped, token_gate

router = APIRouter(tags=["gate"])
SCOPE = "gate:check"
# Decisions in flight at once per process; the rest queue in arrival order. A decision holds
# the GIL, so threads beyond the cores only fight the event loop for it: with four deciders
# the loop, which reads the bodies, was starved and the gate answered 2-6 large requests/s
# against 13 with two (bench/results.md). Parallelism comes from the server's processes.
DECIDERS = os.cpu_count() or 1
# A request of a few dozen events (~15 KB) is decided in a fraction of a millisecond: on the
# loop itself, where the hop to a thread and back would cost more than the decision.
INLINE_BYTES = 32 * 1024


def _openapi_schema(name: str) -> dict[str, Any]:
    return {k: v for k, v in load_schema(name).items() if k not in ("$schema", "$id")}


# The years the gate reads (docs/gate.md, "Supported dates"): a date outside them is 422.
_SUPPORTED_YEARS = "^(19[0-9]{2}|[2-8][0-9]{3}|9000)-"


def _as_read(schema: Any) -> Any:
    """The request schema as the gate reads it, for the OpenAPI document: dates within the
    supported years, time zones among the IANA names the server knows. The packaged schema
    stays the portable contract; these are what this server adds to it."""
    if isinstance(schema, list):
        return [_as_read(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    found = {key: _as_read(value) for key, value in schema.items()}
    if found.get("format") in ("date-time", "date"):
        found["pattern"] = _SUPPORTED_YEARS
    timezones = found.get("properties", {}).get("timezones")
    if timezones is not None:
        timezones["items"] = {"enum": sorted(zoneinfo.available_timezones())}
    return found


def document_packs(document: dict[str, Any], services: Any) -> None:
    """Name this server's packs in the documented request (an unknown one is 422 at /pack)."""
    packs: Packs = services.packs
    operation = document.get("paths", {}).get("/api/v1/gate/check", {}).get("post")
    if operation is None:
        return
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    names = sorted({*packs.latest, *packs.by_ref})
    schema["properties"]["pack"] = schema["properties"]["pack"] | {"enum": names}


class _SchemasWhenAsked(dict[str, Any]):
    """The contract schemas for the OpenAPI document, read only when /openapi.json is built
    (nothing is read at import time)."""

    def _fill(self) -> None:
        if not super().__len__():
            self["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {"schema": _as_read(_openapi_schema("gate-request"))}
                },
            }
            self["responses"] = {
                "200": {
                    "description": "The decision (gate-decision.schema.json).",
                    "content": {"application/json": {"schema": _openapi_schema("gate-decision")}},
                }
            }
            self["security"] = shapes.security(SCOPE)

    def __len__(self) -> int:
        self._fill()
        return super().__len__()

    def items(self) -> Any:
        self._fill()
        return super().items()


# A request with fifty history events is ~10 KB; a megabyte is room for any real one. A bigger
# body is refused before it is read whole, so it cannot tie up a worker's memory and CPU.
MAX_BODY_BYTES = 1 << 20


ERRORS = {
    "description": "The request is not JSON or not a gate request; every error's JSON pointer.",
    "content": {
        "application/json": {
            "schema": shapes.ERROR_SCHEMA,
            "example": {
                "error": "the gate request does not match the schema: /now: … (and 1 more)",
                "errors": [{"pointer": "/now", "message": "'2026-03-02' is not a 'date-time'"}],
            },
        }
    },
}


@router.post(
    "/gate/check",
    summary="Ask the contact gate before a contact: allow, deny or review, with citations.",
    response_class=Response,
    responses={
        **shapes.token_responses(),
        413: shapes.too_large(MAX_BODY_BYTES),
        422: ERRORS,
    },
    openapi_extra=_SchemasWhenAsked(),
)
@scoped(SCOPE)
async def check(request: Request) -> Response:
    """Decide one contact attempt (the same answer as `fairdebt gate`); the token is checked
    by `serve_check`."""
    return await serve_check(request)


class BodyTooLarge(Exception):
    """The request's body is over MAX_BODY_BYTES."""


def too_large() -> JSONResponse:
    payload = {
        "error": f"the body is larger than {MAX_BODY_BYTES:,} bytes",
        "errors": [{"pointer": "", "message": "too large"}],
        "hint": "a gate request is one attempt with its borrower's recent history",
    }
    return JSONResponse(payload, status_code=413)


def _declared_too_large(headers: list[tuple[bytes, bytes]]) -> bool:
    length = next((v for k, v in headers if k.lower() == b"content-length"), b"0")
    return not length.isdigit() or int(length) > MAX_BODY_BYTES


@scoped(SCOPE)
async def serve_check(request: Request) -> Response:
    """The endpoint's work, served by a plain Starlette route (see the end of the module)."""
    if _declared_too_large(request.scope["headers"]):
        return too_large()
    refused = await token_gate(request.app).refusal(request.scope["headers"], SCOPE)
    if refused is not None:
        return refused
    try:
        body = await _read_body(request.receive)
    except BodyTooLarge:
        return too_large()
    if body is None:
        return Response(status_code=400)
    answer = await decide_off_loop(body, request.app.state.services.packs)
    if isinstance(answer, Response):
        return answer
    return Response(answer, media_type="application/json")


_deciders: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def _limiter() -> anyio.CapacityLimiter:
    """This event loop's limiter (one per loop: a limiter belongs to the loop it waits on, and
    tests run an application on more than one)."""
    loop = asyncio.get_running_loop()
    limiter = _deciders.get(loop)
    if limiter is None:
        limiter = _deciders[loop] = anyio.CapacityLimiter(DECIDERS)
    return limiter


async def decide_off_loop(body: bytes, packs: Packs) -> bytes | JSONResponse:
    """`decide_json` in a worker thread, at most DECIDERS at once (module docstring); a body
    of at most INLINE_BYTES is decided on the loop: it takes well under a millisecond, less
    than handing it to a thread and back costs the loop."""
    if len(body) <= INLINE_BYTES:
        return decide_json(body, packs)
    return await anyio.to_thread.run_sync(decide_json, body, packs, limiter=_limiter())


def decide_json(body: bytes, packs: Packs) -> bytes | JSONResponse:
    """The decision's JSON bytes, or the 422 response for a body that is not a request."""
    try:
        decision = decide_body(body, packs=packs)
    except NotJsonError as exc:
        return _unprocessable(f"the body is not JSON: {exc}", [("", "not JSON")])
    except GateRequestError as exc:
        return _unprocessable(exc.cause, list(exc.errors))
    except UnknownPackError as exc:
        return _unprocessable(exc.cause, [("/pack", exc.cause)], exc.hint)
    return decision.to_json_bytes()


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


class GateFastPath:
    """ASGI wrapper answering `POST <prefix>/gate/check` itself, in front of the application
    (fairdebt.web.asgi): FastAPI's per-request telemetry check, the session cookie, the
    language and the error pages cost a quarter of the server's work per decision, and the
    gate reads no cookie and renders no page. Any other request, and the lifespan, pass
    through untouched. Should the engine raise anything but the refusals it answers with 422,
    the request is replayed through the application, which answers exactly as it would have
    without this wrapper. The API token is checked here as the application's route checks it.

    `packs`: the composition root's; by default those of the wrapped application
    (`app.state.services.packs`, fairdebt.web.app.create_app)."""

    def __init__(self, app: ASGIApp, prefix: str = "/api/v1", packs: Packs | None = None) -> None:
        self.app = app
        self.path = f"{prefix}/gate/check"
        self._packs = packs

    @property
    def packs(self) -> Packs:
        if self._packs is None:
            packs: Packs = self.app.state.services.packs  # type: ignore[attr-defined]
            self._packs = packs
        return self._packs

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path or scope["method"] != "POST":
            if scope["type"] == "lifespan":
                prepare(self.packs)  # at startup, not in the first requests' time
            await self.app(scope, receive, send)
            return
        if _declared_too_large(scope["headers"]):
            await too_large()(scope, receive, send)
            return
        refused = await token_gate(self.app).refusal(scope["headers"], SCOPE)
        if refused is not None:
            await refused(scope, receive, send)
            return
        try:
            body = await _read_body(receive)
        except BodyTooLarge:
            await too_large()(scope, receive, send)
            return
        if body is None:
            return  # the client left before sending its request: nobody to answer
        try:
            answer = await decide_off_loop(body, self.packs)
        except Exception:  # the full application answers, as it always has
            await self.app(scope, _replay(body, receive), send)
            return
        if isinstance(answer, Response):
            await answer(scope, receive, send)
            return
        headers = [(b"content-length", b"%d" % len(answer)), (b"content-type", _JSON)]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": answer})


_JSON = b"application/json"
_WARM = (
    b'{"pack":"%s","now":"2026-01-05T10:00:00Z","attempt":{"channel":"call","party":"debtor",'
    b'"purpose":"collect","debts":["D"],"collector":"c","to":"1"},"borrower":{"timezones":["UTC"]},'
    b'"history":[{"at":"2026-01-04T10:00:00Z","channel":"call","direction":"out","outcome":"busy"}]}'
)


def prepare(packs: Packs) -> None:
    """Compile the packs now: the first decision would otherwise take ~0.1 s, and every
    request queued behind it on the worker would wait as long."""
    for pack in packs.latest:  # one decision each: what is first done lazily, is done here
        decide_body(_WARM % pack.encode(), packs=packs).to_json_bytes()


async def _read_body(receive: Receive) -> bytes | None:
    """The whole body (None if the client left), or BodyTooLarge as soon as it is too big
    (a chunked body declares no length)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that gives `body` first, then whatever the client sends next."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
