"""Languages of the web UI: zh-CN and English, through Babel/gettext.

English is the source language (the msgids), so "en" needs no catalogue. The zh_CN catalogue
is `locale/zh_CN/LC_MESSAGES/messages.po`, compiled *in memory* the first time it is needed
(babel.messages.pofile -> mofile): the .po stays the one source of truth, nothing compiled is
committed that could go stale, and hatchling needs no build hook. Compiling takes milliseconds.

A request's language is, in order: `?lang=` (which is then remembered in a cookie), the
`fairdebt_locale` cookie, the `default` setting. Strings in Python code are marked with `N_`
and translated when rendered.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Callable
from functools import lru_cache
from http.cookies import SimpleCookie
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from jinja2 import pass_context
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOCALES: tuple[str, ...] = ("zh-CN", "en")
LOCALE_NAMES: dict[str, str] = {"zh-CN": "中文", "en": "English"}
COOKIE = "fairdebt_locale"
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
_ONE_YEAR = 365 * 24 * 3600


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where it is shown."""
    return message


def catalogue_path(locale: str) -> Path:
    return LOCALE_DIR / locale.replace("-", "_") / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=len(LOCALES))
def translations(locale: str) -> _gettext.NullTranslations:
    """The gettext translations for `locale`, compiled from its .po once per process."""
    if locale == "en":
        return _gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with catalogue_path(locale).open("rb") as po:
        catalog = read_po(po, locale=locale.replace("-", "_"))
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def negotiate(asked: str | None, remembered: str | None, default: str) -> str:
    for candidate in (asked, remembered):
        if candidate in LOCALES:
            return candidate
    return default if default in LOCALES else LOCALES[0]


def locale_of(request: Request) -> str:
    """The language LocaleMiddleware chose for this request."""
    return str(request.scope.get("state", {}).get("locale") or LOCALES[0])


def gettext_for(locale: str) -> Callable[[str], str]:
    return translations(locale).gettext


@pass_context
def jinja_gettext(context: Any, message: str) -> str:
    return translations(context.get("locale", LOCALES[0])).gettext(message)


@pass_context
def jinja_ngettext(context: Any, singular: str, plural: str, n: int) -> str:
    return translations(context.get("locale", LOCALES[0])).ngettext(singular, plural, n)


class LocaleMiddleware:
    """Puts the request's language in `scope["state"]["locale"]`; remembers `?lang=` in a cookie."""

    def __init__(self, app: ASGIApp, default: str) -> None:
        self.app = app
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        asked = (query.get("lang") or [None])[0]
        cookie = SimpleCookie(_header(scope, b"cookie"))
        remembered = cookie[COOKIE].value if COOKIE in cookie else None
        locale = negotiate(asked, remembered, self.default)
        scope.setdefault("state", {})["locale"] = locale
        if asked not in LOCALES or asked == remembered:
            await self.app(scope, receive, send)
            return

        async def remember(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.append(
                    "set-cookie", f"{COOKIE}={locale}; Path=/; Max-Age={_ONE_YEAR}; SameSite=Lax"
                )
            await send(message)

        await self.app(scope, receive, remember)


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return ""
