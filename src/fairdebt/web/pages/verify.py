"""The public verify page, /verify: a borrower checks the code a caller read out.

No sign-in: the borrower has no account, and the address is printed in every message and
letter (FAIRDEBT_PORTAL_URL). The form posts the code with the session's CSRF token, like every
form of the app. A code is checked by services.verify.check: a valid one shows the collector's
display name, whom they collect for (the agency, or the lender in-house), the case reference
masked and how long the code holds, with its zone; an unknown or expired code says so plainly,
with how to report an impostor (the police hotline and the organisation's own number).

Guessing is hopeless (31^8 codes) and limited besides: a client address, and a code prefix,
may fail `FAIRDEBT_VERIFY_*_FAILURES` times within their windows (counted in the database, so
every server worker sees the same counts); then the page answers 429 with the time to try
again, and the code is not looked up. The client's address is security.client_address's
(trusted proxies only). Every answer shows the official repayment channels. docs/verify.md.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fairdebt.domain.payment_channel import official_channels
from fairdebt.services.verify import Checked, GuessLimits, Lookup
from fairdebt.settings import Settings
from fairdebt.web.auth import services_of
from fairdebt.web.pages.calls import zoned
from fairdebt.web.rendering import render
from fairdebt.web.security import client_address

router = APIRouter(include_in_schema=False)

CODE_FIELD_LIMIT = 32
# Whom to call about someone pretending to collect for us: the police, by the jurisdiction of
# the deployment's rule pack (FAIRDEBT_DEFAULT_PACK: cn, us-regf).
POLICE = {"cn": "110", "us": "911"}


def police_number(pack: str) -> str:
    """The police hotline where the deployment works: 110 in China, 911 in the US."""
    return POLICE.get(pack.split("-", 1)[0].lower(), POLICE["cn"])


def limits_of(settings: Settings) -> GuessLimits:
    """The deployment's limits on guessing (FAIRDEBT_VERIFY_* settings)."""
    return GuessLimits(
        per_client=settings.verify_client_failures,
        client_window=timedelta(minutes=settings.verify_client_window_minutes),
        per_prefix=settings.verify_prefix_failures,
        prefix_window=timedelta(minutes=settings.verify_prefix_window_minutes),
    )


def _page(settings: Settings) -> dict[str, Any]:
    """What every answer of the page shows: the official channels, the numbers to call."""
    return {
        "channels": official_channels(settings.repayment_channels),
        "official_phone": settings.contact_phone,
        "police": police_number(settings.default_pack),
    }


@router.get("/verify", name="verify")
def verify_form(request: Request, code: str = "") -> Response:
    """The form (a code in the URL, as a QR code may carry it, is filled in, not looked up)."""
    settings = services_of(request).settings
    context = _page(settings) | {"code": code[:CODE_FIELD_LIMIT], "result": None}
    return render(request, "verify.html", context)


@router.post("/verify", name="verify_check")
async def verify_check(request: Request) -> Response:
    from fairdebt.services.verify import check

    form = await request.form()
    raw = form.get("code")
    code = raw[:CODE_FIELD_LIMIT] if isinstance(raw, str) else ""
    services = services_of(request)
    settings = services.settings
    now = services.clock.now()
    checked = check(services.uow(), code, client_address(request), now, limits_of(settings))
    result = _result(checked, settings.timezone)
    record = checked.found.record if checked.found else None
    if record is not None and record.visit_id and checked.found and checked.found.status == "valid":
        result["visit"] = _visit(services, record.visit_id, settings.timezone)
    context = _page(settings) | {"code": code, "result": result}
    if checked.found is None:
        assert checked.locked_until is not None  # refused: the end of the lock is known
        wait = max(1, int((checked.locked_until - now).total_seconds()) + 1)
        response = render(request, "verify.html", context, status_code=429)
        response.headers["Retry-After"] = str(wait)
        return response
    return render(request, "verify.html", context)


def _result(checked: Checked, zone: str) -> dict[str, Any]:
    if checked.found is None:
        assert checked.locked_until is not None
        return {"status": "throttled", "until": zoned(checked.locked_until, zone)}
    found: Lookup = checked.found
    if found.record is None:
        return {"status": found.status}
    record = found.record
    return {
        "status": found.status,
        "collector": record.collector_name,
        "organisation": record.organisation,
        "in_house": record.in_house,
        "case_ref": found.case_ref,
        "valid_from": zoned(record.issued_at, zone),
        "valid_until": zoned(record.expires_at, zone),
    }


def _visit(services: Any, visit_id: str, zone: str) -> dict[str, Any] | None:
    """A visit code's agents (photos inline: the page needs no second request that a
    guesser could use), the notified window and whether they are checked in nearby now."""
    import base64

    from fairdebt.services.visits import public_view

    seen = public_view(services.uow(), services.evidence, visit_id, zone)
    if seen is None:
        return None
    agents = []
    for agent in seen.agents:
        photo = None
        if agent.photo is not None:
            media = "image/png" if agent.photo.startswith(b"\x89PNG") else "image/jpeg"
            photo = f"data:{media};base64,{base64.b64encode(agent.photo).decode('ascii')}"
        agents.append({"name": agent.name, "certificate": agent.certificate_no,
                       "issuer": agent.issuer, "photo": photo})  # fmt: skip
    window = None
    if seen.window is not None:
        window = (zoned(seen.window[0], zone), zoned(seen.window[1], zone))
    return {
        "agents": agents,
        "window": window,
        "here": seen.checked_in_now,
        "distance_m": round(seen.checked_in_distance_m) if seen.checked_in_distance_m else None,
    }
