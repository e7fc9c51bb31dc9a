"""Use cases of the portal's "verify a collector" page: who is this, which agency, are they on
my case, are they visiting me now — and reporting an impostor.

What the borrower types or scans is one of:
- a verify code (`XXXX-XXXX`, services.verify) read out on a call or printed in a visit notice;
- the address a QR code carries (`…/verify?code=XXXX-XXXX`, or `…?cert=NO`);
- a field agent's certificate number (services/ports/visits.py FieldAgent), shown on the badge.

The answer is about the signed-in borrower's case only: "assigned to my case" means the code was
issued for this case, or the agent is in the team of a visit of this case still to come or under
way; "visiting now" means such a visit is checked in. Nothing about any other borrower is said:
a code of another case answers only who the collector is and that they are not on this case.

An impostor report is an `impostor_reported` event on the case (the compliance desk lists it
under its alerts and on the case page; the police are the borrower's first call, and the page
says so).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import parse_qs, urlsplit

from fairdebt.domain.events import NewEvent
from fairdebt.errors import FairdebtError
from fairdebt.services import verify
from fairdebt.services.ports import UnitOfWork
from fairdebt.services.ports.identity import User

UPCOMING = ("scheduled", "noticed", "checked_in")
MAX_FIELD = 200
MAX_STORY = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CERT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-/ ]{2,39}$")
HOW = ("call", "visit", "sms", "other")


class ImpostorReportError(FairdebtError):
    """An impostor report cannot be recorded as asked (nothing was written)."""


@dataclass(frozen=True, slots=True)
class CollectorCheck:
    """The answer. `status`: valid | expired | unknown | cert_expired."""

    status: str
    via: str = ""  # code | certificate
    who: str = ""
    organisation: str = ""
    in_house: bool = False
    certificate: str = ""
    certificate_expires: date | None = None
    mine: bool = False  # assigned to my case
    visiting_now: bool = False
    valid_until: datetime | None = None


def parse(text: str) -> tuple[str, str]:
    """("code" | "certificate" | "", the value) from what the borrower typed or scanned."""
    text = text.strip()[:MAX_FIELD]
    if "://" in text or text.startswith("/"):
        query = parse_qs(urlsplit(text).query)
        if query.get("code"):
            text = query["code"][0]
        elif query.get("cert"):
            return "certificate", query["cert"][0].strip()[:40]
        else:
            return "", ""
    if verify.normalise(text) is not None:
        return "code", text
    if _CERT.fullmatch(text):
        return "certificate", text
    return "", ""


def check(
    uow: UnitOfWork,
    case_id: str,
    text: str,
    now: datetime,
    today: date,
    *,
    client: str,
    limits: verify.GuessLimits,
) -> CollectorCheck | datetime:
    """Who the code or certificate belongs to, and whether they are on my case (docstring);
    or, while `client` or the code's prefix has failed too often, when it may try again.

    The portal shares /verify's counted limits (services.verify, docs/verify.md): a signed-in
    borrower is one more client, and a code's prefix counts the same failures whichever door
    they came through, so the portal is no way round the public page's lock."""
    kind, value = parse(text)
    prefix = verify.prefix_of(value) if kind == "code" else ""
    with uow:
        uow.verify_attempts.lock(client, prefix)
        until = verify.locked_until(uow, client, prefix, now, limits)
        if until is not None:
            return until
        answer = _identify(uow, case_id, kind, value, now, today)
        uow.verify_attempts.add(now, client, prefix, answer.status != "unknown")
        uow.commit()
    return answer


def _identify(
    uow: UnitOfWork, case_id: str, kind: str, value: str, now: datetime, today: date
) -> CollectorCheck:
    if kind == "code":
        return _by_code(uow, case_id, value, now)
    if kind == "certificate":
        return _by_certificate(uow, case_id, value, today)
    return CollectorCheck("unknown")


def _by_code(uow: UnitOfWork, case_id: str, code: str, now: datetime) -> CollectorCheck:
    found = verify.lookup(uow, code, now)
    record = found.record
    if record is None:
        return CollectorCheck("unknown", "code")
    mine = record.case_id == case_id
    visiting = False
    if mine and record.visit_id:
        with uow:
            visit = uow.visits.get(record.visit_id)
        visiting = visit is not None and visit.status == "checked_in"
    return CollectorCheck(
        found.status,
        "code",
        record.collector_name,
        record.organisation,
        record.in_house,
        mine=mine and found.status == "valid",
        visiting_now=visiting and found.status == "valid",
        valid_until=record.expires_at,
    )


def _by_certificate(uow: UnitOfWork, case_id: str, number: str, today: date) -> CollectorCheck:
    wanted = " ".join(number.split()).upper()
    with uow:
        agent = next(
            (a for a in uow.field_agents.all() if a.certificate_no.strip().upper() == wanted), None
        )
        if agent is None:
            return CollectorCheck("unknown", "certificate")
        user = uow.users.get(agent.user_id)
        visits = [v for v in uow.visits.listing(UPCOMING, case_id=case_id) if v.team_id]
        teams = {v.team_id: uow.teams.get(v.team_id) for v in visits if v.team_id}
        organisation = (user.agency_id if user else None) or verify.lender_of(uow, case_id)
    on_case = [
        v for v in visits if (t := teams.get(v.team_id or "")) and agent.user_id in t.members
    ]
    valid = agent.valid_on(today) and user is not None and user.active
    return CollectorCheck(
        "valid" if valid else "cert_expired",
        "certificate",
        user.display_name if user else "",
        organisation,
        user is not None and user.agency_id is None,
        agent.certificate_no,
        agent.expires_on,
        mine=valid and bool(on_case),
        visiting_now=valid and any(v.status == "checked_in" for v in on_case),
    )


# --- an impostor ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImpostorReport:
    """What the borrower says happened."""

    how: str  # HOW
    when: str  # as the borrower says it (free text, e.g. "today 15:00")
    said_name: str
    said_organisation: str
    said_code: str
    story: str


def report_impostor(
    uow: UnitOfWork, case_id: str, report: ImpostorReport, user: User, now: datetime
) -> int:
    """Append `impostor_reported` to the case (the seq); ImpostorReportError, nothing written,
    for a bad field."""
    if report.how not in HOW:
        raise ImpostorReportError(f"unknown way {report.how[:20]!r}", hint=", ".join(HOW))
    story = _clean(report.story, MAX_STORY, "what happened")
    if not story:
        raise ImpostorReportError("say what happened", hint="who, when, what they asked for")
    data = {
        "how": report.how,
        "when": _clean(report.when, MAX_FIELD, "when"),
        "said_name": _clean(report.said_name, MAX_FIELD, "the name they gave"),
        "said_organisation": _clean(report.said_organisation, MAX_FIELD, "the organisation"),
        "said_code": _clean(report.said_code, 64, "the code"),
        "text": story,
        "reported_at": now.isoformat(),
    }
    # the code the impostor gave, looked up once for the record (not a guess: not counted)
    check_result = _identify(uow, case_id, *parse(report.said_code), now, now.date()).status
    data["code_check"] = check_result if report.said_code else ""
    with uow:
        event = uow.events.append(
            case_id, NewEvent("impostor_reported", f"borrower:{user.id}", data), now
        )
        uow.commit()
    return int(event.seq)


def _clean(text: str, limit: int, what: str) -> str:
    text = (text or "").strip()
    if _CONTROL.search(text):
        raise ImpostorReportError(f"{what} holds control characters", hint="plain text only")
    if len(text) > limit:
        raise ImpostorReportError(f"{what} is {len(text)} characters", hint=f"at most {limit}")
    return text
