"""What keeps another site from acting through a signed-in browser, and what every response says
to the browser about framing, sniffing and where scripts may come from.

- CSRF: every session carries a random token (`csrf_token`, kept in the signed session cookie).
  Every state-changing request (POST, PUT, PATCH, DELETE) must send it back, as the hidden form
  field `csrf_token` or the `X-CSRF-Token` header (htmx sends the header, set once on <body>), and
  it is compared in constant time. `csrf_protect` is one app-wide dependency, so a new route gets
  it without asking; only the JSON gate API (an API token's) and the signed inbound webhooks
  (`CSRF_EXEMPT`) have no session and no CSRF token.
- Origin: a state-changing request whose `Origin` (or, without it, `Referer`) names another
  origin than the request's own is refused before any work. A cookie is sent by the browser to
  every port of a host, so SameSite=Lax alone does not stop a page on another port.
- Headers (`SecurityHeadersMiddleware`): a Content-Security-Policy allowing this origin only
  (the console vendors its CSS and JS under /static and has no inline script; the strategy
  report pages add 'unsafe-eval' for Vega, `CHARTS_CSP`), framing denied
  twice (`frame-ancestors 'none'` and X-Frame-Options for older browsers), Referrer-Policy
  same-origin, X-Content-Type-Options nosniff.
Refusals are 403 pages in the user's language (rendering.error_page through HTTPException).
"""

from __future__ import annotations

import hmac
import re
import secrets
from typing import NoReturn
from urllib.parse import urlsplit

from fastapi import HTTPException, Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fairdebt.web.i18n import N_, gettext_for, locale_of

SESSION_CSRF = "csrf"
FORM_FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The JSON gate API has no session (it is called with an API token, web/api_auth.py); nothing
# to forge.
# The inbound webhooks are authenticated by their signature (a provider's) or by the signed
# token in the link (an e-mail's unsubscribe); no browser session is involved. Route templates:
# `{name}` stands for one path segment.
CSRF_EXEMPT = frozenset(
    {
        "/api/v1/gate/check",
        "/api/v1/inbound/sms/{provider}",
        "/api/v1/inbound/sms/{provider}/receipts",
        "/api/v1/inbound/email/bounces",
        "/api/v1/inbound/email/unsubscribe",
    }
)
_EXEMPT = re.compile(
    "|".join(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(p)) for p in sorted(CSRF_EXEMPT))
)

CROSS_ORIGIN = N_("This request came from another site and was refused.")
BAD_TOKEN = N_(
    "This form has expired or did not come from this console. Reload the page and try again."
)

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",  # Bootstrap draws its form controls with data: SVG
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
# The strategy report pages' charts: Vega compiles expressions with Function() (the policy's
# 'unsafe-eval'); SecurityHeadersMiddleware keeps a policy a route has set.
CHARTS_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-eval'")
HEADERS: tuple[tuple[str, str], ...] = (
    ("content-security-policy", CSP),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "same-origin"),
    ("x-content-type-options", "nosniff"),
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def csrf_token(request: Request) -> str:
    """This session's token, made on first use (GET /login makes it before signing in)."""
    token = request.session.get(SESSION_CSRF)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_CSRF] = token
    return token


async def csrf_protect(request: Request) -> None:
    """The app-wide dependency: refuse a state-changing request from elsewhere or without the
    session's token, before the route does anything."""
    if request.method not in STATE_CHANGING or _EXEMPT.fullmatch(request.url.path):
        return
    if not same_origin(request):
        _refuse(request, CROSS_ORIGIN)
    expected = request.session.get(SESSION_CSRF)
    sent = request.headers.get(HEADER) or await _form_token(request)
    if not isinstance(expected, str) or not expected or not sent:
        _refuse(request, BAD_TOKEN)
    if not hmac.compare_digest(sent.encode(), expected.encode()):
        _refuse(request, BAD_TOKEN)


def same_origin(request: Request) -> bool:
    """False when Origin (or, without it, Referer) names another origin; True when neither is
    sent (the token still has to match). `Origin: null` (sandboxed frames, data: pages) is
    another origin."""
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if claimed is None:
        return True
    own = request.base_url
    return _origin(claimed) == _origin(f"{own.scheme}://{own.netloc}")


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


async def _form_token(request: Request) -> str | None:
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return None
    value = (await request.form()).get(FORM_FIELD)
    return value if isinstance(value, str) else None


def _refuse(request: Request, message: str) -> NoReturn:
    raise HTTPException(status_code=403, detail=gettext_for(locale_of(request))(message))


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response (pages, errors, static files, JSON)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS:
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, with_headers)


def client_address(request: Request) -> str:
    """The client's address, as the sign-in throttle and /verify's limits count it: the
    connection's peer as the server reports it. `fairdebt serve` has uvicorn believe
    X-Forwarded-For only from FAIRDEBT_TRUSTED_PROXIES (cli/serve.py): behind a trusted proxy
    this is the address the proxy saw; a client anywhere else cannot choose it by sending the
    header itself."""
    return request.client.host if request.client else "unknown"
