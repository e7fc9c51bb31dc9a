"""Inbound webhooks: SMS replies and receipts, e-mail bounces, e-mail unsubscribe links
(docs/channels.md, "Inbound webhooks"; the use cases are services.inbound).

The provider webhooks are authenticated by their signature (adapters/channels/signing.py) with
the provider's secret (settings.inbound_secret_map), not by a session: a request that is not
signed, signed with another secret or more than five minutes old is 401 before its body is
read as JSON, and changes nothing. Each answers `{"recorded": <event type>, "matched": n}`:
the number of cases the event went to. `matched: 0` for a number nobody has tells the
provider — who sent the number and knows whom it belongs to — nothing new, and an unsigned
caller never gets that far; so the count is given, for the provider's own reconciliation.

The unsubscribe link is authenticated by its signed token (adapters/channels/unsubscribe.py):
GET shows a page with a confirm button and changes nothing (mail scanners follow links);
POST — the page's button, or a mail client's RFC 8058 one-click `List-Unsubscribe=One-Click`
— records the opt-out. A token that is not ours is 400.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from fairdebt import jsontext
from fairdebt.adapters.channels import unsubscribe as links
from fairdebt.adapters.channels.signing import verify
from fairdebt.domain.borrower import mask_email
from fairdebt.services import inbound
from fairdebt.web.api import shapes
from fairdebt.web.auth import services_of

router = APIRouter(prefix="/inbound", tags=["inbound"])

MAX_BODY = 64 * 1024  # a reply or a receipt is a few hundred bytes
EMAIL_PROVIDER = "email"  # the secret that signs bounce webhooks
ONE_CLICK = "List-Unsubscribe=One-Click"


class Refused(Exception):
    """The request is answered with `response` and nothing is recorded."""

    def __init__(self, response: Response) -> None:
        self.response = response


_NO_NUL = "^[^\\u0000]*$"
_TEXT = {"type": "string", "pattern": "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"}
_OPTIONAL_TEXT = {"type": ["string", "null"], "pattern": _NO_NUL}
_AT = {
    "type": ["string", "null"],
    "format": "date-time",
    "description": "When the provider saw it (ISO 8601; UTC when it names no offset).",
}
_SIGNATURE = [
    {
        "name": header,
        "in": "header",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
    }
    for header, description in (
        ("X-Fairdebt-Key", "Which key signed the request."),
        ("X-Fairdebt-Timestamp", "Unix seconds; at most five minutes from the server's clock."),
        ("X-Fairdebt-Signature", "hex HMAC-SHA256 of `timestamp + '.' + body` (docs/channels.md)."),
    )
]


def _signed_body(required: list[str], properties: dict[str, Any], **more: Any) -> dict[str, Any]:
    """The OpenAPI of a signed webhook: its headers and its JSON object (read by `_text` and
    `_instant`, not by a model: the signature is checked over the raw bytes first)."""
    schema = {"type": "object", "required": required, "properties": properties, **more}
    return {
        "parameters": _SIGNATURE,
        "requestBody": {"required": True, "content": {"application/json": {"schema": schema}}},
    }


RECORDED = {
    "description": "Recorded: the event type and the number of cases it went to.",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["recorded", "matched"],
                "properties": {
                    "recorded": {"type": "string"},
                    "matched": {"type": "integer", "minimum": 0},
                },
            }
        }
    },
}
SIGNED_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: RECORDED,
    401: shapes.error("Not signed with this provider's secret, or more than five minutes old."),
    413: shapes.too_large(MAX_BODY),
    422: shapes.error("The body is not a JSON object with the fields this webhook reads."),
}
_BAD_LINK = {
    "description": "The link's token is not ours (altered or incomplete).",
    "content": {"text/plain": {"schema": {"type": "string"}}},
}
_PAGE = {"text/html": {"schema": {"type": "string"}}}
UNSUBSCRIBE_PAGE: dict[int | str, dict[str, Any]] = {
    200: {"description": "The page with the confirm button.", "content": _PAGE},
    400: _BAD_LINK,
    422: shapes.UNREADABLE,
}
UNSUBSCRIBED: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Unsubscribed: `unsubscribed` for RFC 8058 one-click, else a page.",
        "content": {"text/plain": {"schema": {"type": "string"}}, **_PAGE},
    },
    400: _BAD_LINK,
    413: shapes.too_large(MAX_BODY),
    422: shapes.UNREADABLE,
}
_TOKEN = "The signed token of the e-mail's unsubscribe link."


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _signed_json(request: Request, provider: str) -> dict[str, Any]:
    """The body as a JSON object, once its signature is checked (Refused otherwise)."""
    body = await _body(request)
    services = services_of(request)
    secret = services.settings.inbound_secret_map.get(provider, "")
    now = services.clock.now().timestamp()
    if verify(secret, request.headers, body, now) is not None:
        # One answer for every refusal: an unknown provider looks like a bad signature.
        raise Refused(_error(401, "the request is not signed with this provider's secret"))
    try:
        found = jsontext.loads(body)
    except (jsontext.JsonTooDeepError, jsontext.JsonEncodingError) as exc:
        raise Refused(_error(422, f"the body is {exc}")) from None
    except ValueError:
        raise Refused(_error(422, "the body is not JSON")) from None
    if not isinstance(found, dict):
        raise Refused(_error(422, "the body must be a JSON object"))
    return found


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "0")
    if not declared.isdigit() or int(declared) > MAX_BODY:
        raise Refused(_error(413, f"the body is larger than {MAX_BODY} bytes"))
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise Refused(_error(413, f"the body is larger than {MAX_BODY} bytes"))
        chunks.append(chunk)
    return b"".join(chunks)


def _text(found: dict[str, Any], key: str, *, required: bool = True) -> str:
    value = found.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise Refused(_error(422, f"`{key}` must be a non-empty string"))
    if "\x00" in value:
        # No text a provider sends has one, and PostgreSQL cannot store it: refused here, the
        # same on every database, before anything is looked up or recorded.
        raise Refused(_error(422, f"`{key}` must not contain a NUL character"))
    return value


def _instant(found: dict[str, Any], key: str = "at") -> datetime | None:
    """An ISO 8601 instant (UTC when it names no offset), or None when absent."""
    value = found.get(key)
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise Refused(_error(422, f"`{key}` must be an ISO 8601 date-time")) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _answer(done: inbound.Recorded) -> JSONResponse:
    return JSONResponse({"recorded": done.kind, "matched": done.matched})


@router.post(
    "/sms/{provider}",
    summary="An SMS reply: STOP/退订/TD opt out; others are kept.",
    responses=SIGNED_RESPONSES,
    openapi_extra=_signed_body(
        ["from"], {"from": _TEXT, "to": _OPTIONAL_TEXT, "text": _OPTIONAL_TEXT, "at": _AT}
    ),
)
async def sms_reply(request: Request, provider: str) -> Response:
    try:
        found = await _signed_json(request, provider)
        sender, recipient = _text(found, "from"), _text(found, "to", required=False)
        text, at = _text(found, "text", required=False), _instant(found)
    except Refused as refused:
        return refused.response
    services = services_of(request)
    now = services.clock.now()
    done = await run_in_threadpool(
        inbound.record_reply, services.uow(), provider, sender, recipient, text, at, now
    )
    return _answer(done)


@router.post(
    "/sms/{provider}/receipts",
    summary="A delivery receipt for an SMS we sent.",
    responses=SIGNED_RESPONSES,
    openapi_extra=_signed_body(
        ["client_ref", "status"],
        {"client_ref": _TEXT, "status": _TEXT, "detail": _OPTIONAL_TEXT, "at": _AT},
    ),
)
async def sms_receipt(request: Request, provider: str) -> Response:
    try:
        found = await _signed_json(request, provider)
        ref, status = _text(found, "client_ref"), _text(found, "status")
        detail, at = _text(found, "detail", required=False), _instant(found)
    except Refused as refused:
        return refused.response
    return await _receipt(request, provider, "sms", ref, status[:32], at, detail)


@router.post(
    "/email/bounces",
    summary="A bounce of an e-mail we sent (signed as `email`).",
    responses=SIGNED_RESPONSES,
    openapi_extra=_signed_body(
        [],
        {
            "client_ref": _TEXT,
            "message_id": {"type": "string", "pattern": "^\\s*<?[^\\u0000]+@fairdebt>?\\s*$"},
            "detail": _OPTIONAL_TEXT,
            "at": _AT,
        },
        anyOf=[{"required": ["client_ref"]}, {"required": ["message_id"]}],
    ),
)
async def email_bounce(request: Request) -> Response:
    try:
        found = await _signed_json(request, EMAIL_PROVIDER)
        ref = _text(found, "client_ref", required=False) or _key_of(
            _text(found, "message_id", required=False)
        )
        if not ref:
            raise Refused(_error(422, "`client_ref` or `message_id` is required"))
        detail, at = _text(found, "detail", required=False), _instant(found)
    except Refused as refused:
        return refused.response
    return await _receipt(request, EMAIL_PROVIDER, "email", ref, "bounced", at, detail)


def _key_of(message_id: str) -> str:
    """`<key@fairdebt>` (our Message-ID) -> key."""
    inner = message_id.strip().strip("<>")
    return inner.removesuffix("@fairdebt") if inner.endswith("@fairdebt") else ""


async def _receipt(
    request: Request,
    provider: str,
    channel: str,
    ref: str,
    status: str,
    at: datetime | None,
    detail: str,
) -> Response:
    services = services_of(request)
    now = services.clock.now()
    done = await run_in_threadpool(
        inbound.record_receipt, services.uow(), provider, channel, ref, status, at, detail, now
    )
    return _answer(done)


@router.get(
    "/email/unsubscribe",
    summary="The unsubscribe page (changes nothing).",
    response_class=HTMLResponse,
    responses=UNSUBSCRIBE_PAGE,
)
def unsubscribe_page(request: Request, t: str = Query("", description=_TOKEN)) -> Response:
    named = links.read(services_of(request).settings.secret_key.get_secret_value(), t)
    if named is None:
        return _bad_link()
    action = html.escape(f"?t={t}")
    return _page(
        f"<p>停止向 {html.escape(mask_email(named.address))} 发送催收邮件？<br>"
        "Stop collection e-mails to this address?</p>"
        f'<form method="post" action="{action}"><button type="submit">'
        "确认退订 / Unsubscribe</button></form>"
    )


@router.post(
    "/email/unsubscribe",
    summary="Unsubscribe (the page's button, or RFC 8058).",
    response_class=HTMLResponse,
    responses=UNSUBSCRIBED,
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "description": f"`{ONE_CLICK}`: an RFC 8058 one-click unsubscribe.",
                        "properties": {"List-Unsubscribe": {"const": "One-Click"}},
                    }
                }
            },
        }
    },
)
async def unsubscribe_post(request: Request, t: str = Query("", description=_TOKEN)) -> Response:
    services = services_of(request)
    named = links.read(services.settings.secret_key.get_secret_value(), t)
    if named is None:
        return _bad_link()
    try:
        body = await _body(request)
    except Refused as refused:
        return refused.response
    one_click = body.strip() == ONE_CLICK.encode()
    source = "one-click unsubscribe (RFC 8058)" if one_click else "unsubscribe page"
    now = services.clock.now()
    await run_in_threadpool(
        inbound.unsubscribe, services.uow(), named.case_id, named.address, now, source
    )
    if one_click:
        return PlainTextResponse("unsubscribed\n")
    return _page(
        "<p>已退订，我们不会再向该地址发送催收邮件。<br>Unsubscribed: no more e-mails.</p>"
    )


def _bad_link() -> Response:
    return PlainTextResponse(
        "This unsubscribe link is not valid (altered or incomplete). "
        "Copy the whole link from the e-mail, or reply to it.\n",
        status_code=400,
    )


def _page(content: str) -> HTMLResponse:
    return HTMLResponse(
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>退订 / Unsubscribe</title></head>"
        f"<body><main>{content}</main></body></html>"
    )
