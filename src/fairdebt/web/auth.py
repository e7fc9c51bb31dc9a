"""Who is asking, and what they may see: the session, `CurrentUser`, and the role rules.

Who is signed in lives on the server (services/sessions.py, table web_sessions): the browser's
cookie carries only a random session token, never the user id, and every request resolves the
token to its user, so a revoked session (sign-out, password reset, disabled user), an idle or an
expired one is out at once, copied cookies included. The cookie itself is Starlette's signed
session (itsdangerous, keyed by settings.secret_key): beside the token it holds small data that
identifies no one (the CSRF token, the call page's verify code, one-shot notices), which is
cleared with the identity on every sign-in and sign-out.
Pages depend on `ConsoleUser` (staff only: a borrower gets 403) which builds on `CurrentUser`
(anyone signed in; anonymous visitors are sent to /login).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.engine import Engine

from fairdebt.bootstrap import Services
from fairdebt.services.sessions import Lifetimes, open_session, resolve, revoke
from fairdebt.services.users import Role, User
from fairdebt.web.i18n import N_, gettext_for, locale_of

SESSION_TOKEN = "sid"  # the key of the session token in the cookie
_UNRESOLVED = object()  # request.state.signed_in before the token was looked up

# Roles whose work needs the borrower's full name and phone numbers on the case page (they
# call the borrower or review the calls). Everyone else, agencies included, sees them masked.
REVEAL_ROLES = frozenset({Role.COLLECTOR, Role.SUPERVISOR, Role.COMPLIANCE})


class Redirect(Exception):
    """Raised by a dependency to send the browser elsewhere (303): a borrower at the console
    goes to the portal, an anonymous visitor of the portal to its sign-in."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


PORTAL_HOME = "/portal/"
PORTAL_SIGN_IN = "/portal/sign-in"


class LoginRequired(Exception):
    """Raised by `current_user` for an anonymous request; the app redirects to /login."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def engine_of(request: Request) -> Engine:
    """The one engine (read-side queries of the pages)."""
    return services_of(request).engine


def lifetimes_of(request: Request) -> Lifetimes:
    settings = services_of(request).settings
    return Lifetimes(
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_lifetime_hours),
    )


def signed_in(request: Request) -> User | None:
    """The user of the live server-side session whose token the cookie carries (enabled,
    not revoked, neither idle nor expired), else None; resolved once per request."""
    cached: object = getattr(request.state, "signed_in", _UNRESOLVED)
    if cached is not _UNRESOLVED:
        return cached if isinstance(cached, User) else None
    token = request.session.get(SESSION_TOKEN)
    user = None
    if isinstance(token, str) and token:
        services = services_of(request)
        user = resolve(services.uow(), token, services.clock.now(), lifetimes_of(request))
    request.state.signed_in = user
    return user


def current_user(request: Request) -> User:
    """The signed-in user, or LoginRequired."""
    user = signed_in(request)
    if user is None:
        request.session.clear()
        raise LoginRequired(safe_next(request.url.path + _query(request)))
    request.state.user = user  # for the layout (name, role) and error pages
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def console_user(request: Request, user: CurrentUser) -> User:
    """A staff member: the console is closed to borrower accounts, whose browser is sent to the
    portal (a page of theirs, not a refusal that links back to the console); the JSON API and
    every form post refuse them with 403."""
    if not user.is_staff:
        if request.url.path.startswith("/api/") or request.method not in ("GET", "HEAD"):
            gettext = gettext_for(locale_of(request))
            raise HTTPException(
                status_code=403, detail=gettext(N_("The staff console is not open to borrowers."))
            )
        raise Redirect(PORTAL_HOME)
    return user


ConsoleUser = Annotated[User, Depends(console_user)]


def portal_user(request: Request) -> User:
    """A borrower user tied to a borrower: anonymous visitors go to the portal's sign-in, staff
    get 403 (a staff account never opens a borrower's pages)."""
    user = signed_in(request)
    if user is None:
        request.session.pop(SESSION_TOKEN, None)
        raise Redirect(PORTAL_SIGN_IN)
    request.state.user = user
    if user.is_staff or not user.borrower_id:
        gettext = gettext_for(locale_of(request))
        raise HTTPException(
            status_code=403, detail=gettext(N_("The borrower portal is for borrowers only."))
        )
    return user


PortalUser = Annotated[User, Depends(portal_user)]


def may_see_personal_data(user: User) -> bool:
    return user.role in REVEAL_ROLES


def agency_scope(user: User) -> str | None:
    """The agency whose cases this user is limited to, or None for in-house staff."""
    if user.role is not Role.AGENCY:
        return None
    # An agency user without an agency cannot be created; if one appears, it sees nothing.
    return user.agency_id or "\x00no-agency"


def sign_in(request: Request, user: User) -> None:
    """A new server-side session and a new token on every sign-in (the previous one, if any,
    is revoked): nothing carries over, the CSRF token included (the next page makes a new one),
    so a token seen before signing in is worth nothing after."""
    services = services_of(request)
    _end_session(request)
    token = open_session(services.uow(), user, services.clock.now(), lifetimes_of(request))
    request.session[SESSION_TOKEN] = token
    request.state.signed_in = user


def sign_out(request: Request) -> None:
    """Revoke the session on the server (a copy of the cookie opens nothing any more)."""
    _end_session(request)
    request.state.signed_in = None


def _end_session(request: Request) -> None:
    token = request.session.get(SESSION_TOKEN)
    if isinstance(token, str) and token:
        services = services_of(request)
        revoke(services.uow(), token, services.clock.now())
    request.session.clear()


def home_of(user: User) -> str:
    """Where a user starts: staff at the console, a field agent at the field app (the phone
    app of visits), a borrower at the portal."""
    if not user.is_staff:
        return PORTAL_HOME
    return "/field/" if user.role is Role.FIELD_AGENT else "/console/"


def landing(user: User, next_url: str | None) -> str:
    """Where a sign-in goes: the page asked for, or the user's own start page when none was
    (the login form's default is the console, which would leave a field agent on an empty
    case list instead of the field app)."""
    wanted = safe_next(next_url)
    return home_of(user) if wanted in ("/", "/console/") else wanted


def safe_next(value: str | None) -> str:
    """Only a local path may follow a login (no open redirect to another site)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/console/"
    return value


def _query(request: Request) -> str:
    return f"?{request.url.query}" if request.url.query else ""
