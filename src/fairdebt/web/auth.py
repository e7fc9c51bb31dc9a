"""Who is asking, and what they may see: the session, `CurrentUser`, and the role rules.

The session is Starlette's signed cookie (itsdangerous, keyed by settings.secret_key); it holds
only the user id, and the user is re-read on every request, so a deleted or disabled user is out
at once.
Pages depend on `ConsoleUser` (staff only: a borrower gets 403) which builds on `CurrentUser`
(anyone signed in; anonymous visitors are sent to /login).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.engine import Engine

from fairdebt.bootstrap import Services
from fairdebt.services.users import Role, User, active_user
from fairdebt.web.i18n import N_, gettext_for, locale_of

SESSION_USER = "uid"

# Roles whose work needs the borrower's full name and phone numbers on the case page (they
# call the borrower or review the calls). Everyone else, agencies included, sees them masked.
REVEAL_ROLES = frozenset({Role.COLLECTOR, Role.SUPERVISOR, Role.COMPLIANCE})


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


def signed_in(request: Request) -> User | None:
    """The user whose id the signed session cookie carries, if it still exists and is enabled."""
    user_id = request.session.get(SESSION_USER)
    if not isinstance(user_id, str):
        return None
    return active_user(services_of(request).uow(), user_id)


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
    """A staff member: the console is closed to borrower accounts (they use the portal)."""
    if not user.is_staff:
        gettext = gettext_for(locale_of(request))
        raise HTTPException(
            status_code=403, detail=gettext(N_("The staff console is not open to borrowers."))
        )
    return user


ConsoleUser = Annotated[User, Depends(console_user)]


def may_see_personal_data(user: User) -> bool:
    return user.role in REVEAL_ROLES


def agency_scope(user: User) -> str | None:
    """The agency whose cases this user is limited to, or None for in-house staff."""
    if user.role is not Role.AGENCY:
        return None
    # An agency user without an agency cannot be created; if one appears, it sees nothing.
    return user.agency_id or "\x00no-agency"


def sign_in(request: Request, user: User) -> None:
    # A new session on every sign-in: nothing carries over, the CSRF token included (the next
    # page makes a new one), so a token seen before signing in is worth nothing after.
    request.session.clear()
    request.session[SESSION_USER] = user.id


def sign_out(request: Request) -> None:
    request.session.clear()


def safe_next(value: str | None) -> str:
    """Only a local path may follow a login (no open redirect to another site)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/console/"
    return value


def _query(request: Request) -> str:
    return f"?{request.url.query}" if request.url.query else ""
