"""Who may call the JSON API: `Authorization: Bearer <token>` with the route's scope.

Every /api/v1 route declares its scope (services.api_tokens.SCOPES): a FastAPI route with the
dependency `require_scope(scope)`, a plain Starlette route (the gate's, which skips FastAPI's
dependency resolution) by calling `TokenGate.refusal` itself and being marked `scoped(scope)`.
tests/api/test_api_auth.py walks every /api/ route and fails on one that declares none; only
the inbound webhooks are exempt (`SIGNED_ELSEWHERE`): they are authenticated by the provider's
signature or the unsubscribe link's signed token (web/api/inbound.py).

Refusals are JSON like the API's other errors, `{"error": cause, "hint": hint}`: 401 with
`WWW-Authenticate: Bearer` for a missing, unknown, revoked or expired token, 403 for a token
without the scope. The token itself is never echoed back; only its public prefix is named.

The strategy reports are also read by the console's signed-in users (docs/console.md shows a
cookie with curl): `require_scope(..., session_roles=...)` lets a request without a bearer
token through on a session whose user has one of those roles, as before tokens existed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from fairdebt.services.api_tokens import (
    ASK_FOR_ONE,
    NOT_VALID,
    SCOPES,
    TokenRefused,
    authenticate,
    permit,
    token_hash,
)
from fairdebt.services.ports.api_tokens import ApiToken
from fairdebt.services.users import Role
from fairdebt.web.auth import signed_in

# Route path prefixes authenticated by a signature instead of a token (web/api/inbound.py).
SIGNED_ELSEWHERE = ("/api/v1/inbound/",)

# Every function that enforces a scope (a require_scope dependency or a plain route's
# endpoint), with its scope: what the route test looks for.
SCOPED: dict[object, str] = {}

F = TypeVar("F", bound=Callable[..., Any])


def scoped(scope: str) -> Callable[[F], F]:
    """Mark a plain route's endpoint as checking `scope` itself (with `TokenGate.refusal`)."""

    def mark(endpoint: F) -> F:
        SCOPED[endpoint] = scope
        return endpoint

    return mark


def bearer(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The token of an `Authorization: Bearer …` header, or None."""
    value = next((v for k, v in headers if k.lower() == b"authorization"), None)
    if value is None:
        return None
    scheme, _, token = value.decode("latin-1").strip().partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def refusal(exc: TokenRefused, scope: str) -> JSONResponse:
    """The JSON answer to a refused token (401 or 403, RFC 6750 §3)."""
    if exc.forbidden:
        challenge = f'Bearer error="insufficient_scope", scope="{scope}"'
    else:
        challenge = 'Bearer error="invalid_token"'
    return JSONResponse(
        {"error": exc.cause, "hint": exc.hint},
        status_code=403 if exc.forbidden else 401,
        headers={"WWW-Authenticate": challenge},
    )


def _missing() -> JSONResponse:
    """No credentials at all: a plain challenge (RFC 6750 §3.1: no error code)."""
    return JSONResponse(
        {"error": NOT_VALID, "hint": ASK_FOR_ONE},
        status_code=401,
        headers={"WWW-Authenticate": "Bearer"},
    )


class TokenGate:
    """The app's token checks (`app.state.token_gate`): a token checked against the database
    is trusted for `recheck_seconds` (settings.api_token_recheck_seconds) — its expiry and
    scopes are still checked on every request, from the record read then. A database read per
    request would cost the gate about as much CPU as its decision; the price is that a
    revocation reaches a running server process within that time. 0: every request reads."""

    MAX_REMEMBERED = 1024  # tokens in use at once; beyond that, forget them all and re-read

    def __init__(
        self, services: Any, recheck_seconds: float, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.services = services
        self.recheck = recheck_seconds
        self.monotonic = monotonic
        self._seen: dict[str, tuple[ApiToken, float]] = {}

    def _remembered(self, token: str) -> ApiToken | None:
        seen = self._seen.get(token_hash(token))
        if seen is None or self.monotonic() - seen[1] >= self.recheck:
            return None
        return seen[0]

    def check(self, token: str, scope: str) -> TokenRefused | None:
        """None when `token` may use `scope` now, else the refusal. May read the database."""
        now = self.services.clock.now()
        try:
            remembered = self._remembered(token)
            if remembered is not None:
                permit(remembered, scope, now)
                return None
            found = authenticate(self.services.uow(), token, scope, now)
        except TokenRefused as exc:
            return exc
        if self.recheck > 0:
            if len(self._seen) >= self.MAX_REMEMBERED:
                self._seen.clear()
            self._seen[found.token_hash] = (found, self.monotonic())
        return None

    async def refusal(self, headers: Iterable[tuple[bytes, bytes]], scope: str) -> Response | None:
        """None when the request's bearer token may use `scope`, else the answer to send. The
        database, when it must be read, is read in a worker thread: the event loop serves
        other requests meanwhile."""
        token = bearer(headers)
        if token is None:
            return _missing()
        if self._remembered(token) is not None:
            refused = self.check(token, scope)  # no I/O: answered on the loop
        else:
            refused = await run_in_threadpool(self.check, token, scope)
        return None if refused is None else refusal(refused, scope)


class ApiRefusal(Exception):
    """Raised by a require_scope dependency; the app answers with `response`."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def require_scope(
    scope: str,
    session_roles: frozenset[Role] = frozenset(),
    session_refusal: Callable[[Request], HTTPException] | None = None,
) -> Callable[[Request], None]:
    """A FastAPI dependency: the request's bearer token must carry `scope`. Without a bearer
    token, a signed-in user with one of `session_roles` passes too (none by default); one with
    another role is refused with `session_refusal(request)` (a 403 in the user's language)."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")

    def check(request: Request) -> None:  # sync: FastAPI runs it in a worker thread
        token = bearer(request.scope["headers"])
        if token is None and session_roles:
            user = signed_in(request)
            if user is not None:
                if user.role in session_roles:
                    return
                if session_refusal is not None:
                    raise session_refusal(request)
        if token is None:
            raise ApiRefusal(_missing())
        refused = token_gate(request.app).check(token, scope)
        if refused is not None:
            raise ApiRefusal(refusal(refused, scope))

    SCOPED[check] = scope
    return check


def token_gate(app: Any) -> TokenGate:
    gate: TokenGate = app.state.token_gate
    return gate


def install(app: FastAPI) -> None:
    """The app's TokenGate, and ApiRefusal answered with its response (web.app.create_app)."""
    services = app.state.services
    app.state.token_gate = TokenGate(services, services.settings.api_token_recheck_seconds)

    @app.exception_handler(ApiRefusal)
    def refused(_request: Request, exc: ApiRefusal) -> Response:
        return exc.response
