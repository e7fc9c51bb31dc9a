"""The public verify page, /verify: a borrower checks the code a caller read out.

No sign-in: the borrower has no account, and the address is printed in every message and
letter (FAIRDEBT_PORTAL_URL). The form posts the code with the session's CSRF token, like every
form of the app. A code is looked up by its hash (services.verify.lookup); a valid one shows the
collector's display name, whom they collect for (the agency, or the lender in-house), the case
reference masked and how long the code holds, with its zone; an unknown or expired code says
so plainly and nothing more. Guessing is hopeless (31^8 codes) and slowed further: each client
address may try `TRIES` codes per `WINDOW`, then gets 429 with the time to wait.
"""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fairdebt.web.auth import services_of
from fairdebt.web.pages.calls import zoned
from fairdebt.web.rendering import render

router = APIRouter(include_in_schema=False)

TRIES = 10
WINDOW = timedelta(minutes=10)
CODE_FIELD_LIMIT = 32


class Throttle:
    """How many codes each client tried within the window (in memory: one process serves)."""

    def __init__(self, tries: int, window: timedelta) -> None:
        self.tries = tries
        self.window = window
        self._seen: dict[str, deque[datetime]] = defaultdict(deque)
        self._lock = threading.Lock()

    def admit(self, client: str, now: datetime) -> datetime | None:
        """None if `client` may try now (and counts the try); else when it may try again."""
        with self._lock:
            seen = self._seen[client]
            while seen and seen[0] <= now - self.window:
                seen.popleft()
            if len(seen) >= self.tries:
                return seen[0] + self.window
            seen.append(now)
            if len(self._seen) > 10_000:  # forget idle clients rather than grow without end
                for key in [k for k, v in self._seen.items() if not v][:5_000]:
                    del self._seen[key]
            return None


def _throttle(request: Request) -> Throttle:
    state = request.app.state
    if not hasattr(state, "verify_throttle"):
        state.verify_throttle = Throttle(TRIES, WINDOW)
    throttle: Throttle = state.verify_throttle
    return throttle


@router.get("/verify", name="verify")
def verify_form(request: Request, code: str = "") -> Response:
    """The form (a code in the URL, as a QR code may carry it, is filled in, not looked up)."""
    return render(request, "verify.html", {"code": code[:CODE_FIELD_LIMIT], "result": None})


@router.post("/verify", name="verify_check")
async def verify_check(request: Request) -> Response:
    from fairdebt.services.verify import lookup

    form = await request.form()
    raw = form.get("code")
    code = raw[:CODE_FIELD_LIMIT] if isinstance(raw, str) else ""
    services = services_of(request)
    now = services.clock.now()
    client = request.client.host if request.client else "-"
    wait = _throttle(request).admit(client, now)
    zone = services.settings.timezone
    if wait is not None:
        context = {"code": code, "result": {"status": "throttled", "until": zoned(wait, zone)}}
        return render(request, "verify.html", context, status_code=429)
    found = lookup(services.uow(), code, now)
    return render(request, "verify.html", {"code": code, "result": _result(found, zone)})


def _result(found: Any, zone: str) -> dict[str, Any]:
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
