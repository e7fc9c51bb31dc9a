"""Use cases of the field app (/field/, web/pages/field.py): what a field agent does at the door.

- `day_list`: the signed-in agent's visits of a day, their team's route in order, with the case's
  essentials only (minimum necessary: masked case reference, DPD, amount due, language); the
  approved address in full, because the agent must find the door (only a member of the team
  assigned to the visit ever gets it).
- `add_chunk`: the visit's audio recording, uploaded in chunks as it records. Each chunk comes
  with the SHA-256 the browser computed; a chunk whose bytes do not hash to it is refused and
  nothing is stored. Chunks are numbered from 0: a connection that drops loses at most the chunk
  in flight, which the browser sends again (the same number and bytes are accepted once).
  The chunks are rows of `visit_media`, not events: the case log gets one manifest at check-out.
- `add_photo`: a photo of the surroundings; inside a home only with the occupant's consent,
  recorded with the photo.
- `show_id`: the agents' certificates for the occupant, with a fresh /verify code of the visit.
- `update_contacts`, `deliver_notice`: new contact details heard at the door; the collection
  notice or lawyer's letter handed over, signed on the screen (a `demand_delivered` event with
  `signed_by`, which interrupts the limitation period: 《最高人民法院关于审理民事案件适用诉讼时效
  制度若干问题的规定》第八条, services/acknowledgment.py) or refused (`visit_notice_refused`).
- `finish`: check-out with both agents' signatures: the visit report PDF
  (fairdebt.letters.visit_report) in the evidence store, `visit_media_manifest` and
  `visit_report_signed` events, the outcome through services.visits.record_outcome (whose money
  screen raises `visit_money_alert`). There is no way to record money received.

Time is a parameter; nothing here reads a clock.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from fairdebt.domain.borrower import mask_address
from fairdebt.domain.events import NewEvent
from fairdebt.errors import FairdebtError
from fairdebt.services import visits
from fairdebt.services.ports import UnitOfWork
from fairdebt.services.ports.evidence import EvidenceStore
from fairdebt.services.ports.field_media import VisitMedia
from fairdebt.services.ports.identity import Role, User
from fairdebt.services.ports.visits import Team, Visit
from fairdebt.services.verify import issue, lender_of, masked_case_ref

DAY_STATUSES = ("scheduled", "noticed", "checked_in", "checked_out", "reported")
MAX_CHUNK = 4 * 1024 * 1024  # 10 s of speech is tens of kB; a stalled recorder's backlog fits
MAX_SEQ = 100_000  # 10 s chunks: more than a day of recording
MAX_PHOTO = 10 * 1024 * 1024
MAX_SIGNATURE = 2_000_000  # as fairdebt.letters.visit_report.SIGNATURE_LIMIT
MAX_TEXT = 2_000
PNG = b"\x89PNG\r\n\x1a\n"
PHOTO_TYPES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (PNG, "image/png"),
    (b"RIFF", "image/webp"),
)
AUDIO_TYPE = re.compile(r"^audio/[a-z0-9.+-]{1,30}(;\s?codecs=[a-z0-9.,+\"-]{1,40})?$")
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
DOCUMENTS = ("collection_notice", "lawyers_letter")
SIGNERS = ("debtor", "co_resident_adult_relative")  # fairdebt.legal.limitation.Signer
CODE_DAYS = 7  # a verify code shown at the door holds a week after the window, as the notice's


class NotYours(FairdebtError):
    """No such visit, or not one of the agent's team: the page answers 404 either way, so an
    agent cannot learn which visits exist."""


class BadChunk(FairdebtError):
    """A chunk refused before anything was stored (wrong hash, size, number or type)."""


def _refuse(cause: str, hint: str = "") -> FairdebtError:
    return FairdebtError(cause, hint=hint)


# --- the day's list ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Stop:
    """One visit of the agent's day, with only what the agent needs at the door."""

    visit_id: str
    order: int
    status: str
    address: str  # the approved address in full: the agent is in the visit's team
    visit_date: date
    window: tuple[str, str]  # local "HH:MM"
    zone: str  # the borrower's time zone: the window's
    team: str
    others: tuple[str, ...]  # the other agents' names
    case_ref: str  # masked
    dpd: int
    due_cents: int
    currency: str
    language: str


def _field_agent(agent: User) -> None:
    if agent.role is not Role.FIELD_AGENT or not agent.active:
        raise NotYours("only field agents use the field app")


def teams_of(uow: UnitOfWork, agent: User) -> list[Team]:
    with uow:
        return [t for t in uow.teams.all() if agent.id in t.members]


def day_list(uow: UnitOfWork, agent: User, day: date) -> list[Stop]:
    """The agent's visits of `day`, team by team, each team's route in order."""
    _field_agent(agent)
    stops: list[Stop] = []
    with uow:
        for team in teams_of(uow, agent):
            names = _names(uow, team, agent)
            for visit in uow.visits.listing((), day, team.id):
                if visit.status in DAY_STATUSES:
                    stops.append(_stop(uow, visit, team, names))
    return stops


def _names(uow: UnitOfWork, team: Team, agent: User) -> tuple[str, ...]:
    users = (uow.users.get(m) for m in team.members if m != agent.id)
    return tuple(u.display_name for u in users if u is not None)


def language_of(currency: str) -> str:
    return "en" if currency == "USD" else "zh-CN"


def _stop(uow: UnitOfWork, visit: Visit, team: Team, others: tuple[str, ...]) -> Stop:
    task = visits._task_of(uow, visit)
    return Stop(
        visit_id=visit.id,
        order=visit.stop_order or 0,
        status=visit.status,
        address=visit.address,
        visit_date=visit.visit_date or task.as_of,
        window=(visit.window_start or "", visit.window_end or ""),
        zone=task.timezone,
        team=team.name,
        others=others,
        case_ref=masked_case_ref(visit.case_id),
        dpd=task.dpd,
        due_cents=task.overdue_cents or 0,
        currency=task.currency,
        language=language_of(task.currency),
    )


def visit_of(uow: UnitOfWork, agent: User, visit_id: str) -> tuple[Visit, Team]:
    """The visit and its team, if the agent is a member of that team; else NotYours."""
    _field_agent(agent)
    try:
        with uow:
            visit = visits.get_visit(uow, visit_id)
            team = uow.teams.get(visit.team_id) if visit.team_id else None
    except FairdebtError:
        raise NotYours("no such visit of your team") from None
    if team is None or agent.id not in team.members:
        raise NotYours("no such visit of your team")
    return visit, team


def stop_of(uow: UnitOfWork, agent: User, visit_id: str) -> Stop:
    visit, team = visit_of(uow, agent, visit_id)
    with uow:
        return _stop(uow, visit, team, _names(uow, team, agent))


def _at_the_door(visit: Visit) -> None:
    if visit.status != "checked_in":
        raise _refuse(
            f"visit {visit.id} is {visit.status}", "check in at the address first; after "
            "check-out nothing more is recorded"
        )  # fmt: skip


# --- recording --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Stored:
    ref: str
    seq: int
    again: bool = False  # the same chunk was stored before (a retry after a lost answer)


def add_chunk(
    uow: UnitOfWork,
    evidence: EvidenceStore,
    visit_id: str,
    agent: User,
    seq: int,
    data: bytes,
    sha256_hex: str,
    media_type: str,
    now: datetime,
) -> Stored:
    """Keep chunk `seq` of the visit's recording if its bytes hash to `sha256_hex`."""
    claimed = (sha256_hex or "").strip().lower()
    if not SHA256_HEX.match(claimed):
        raise BadChunk("the chunk's SHA-256 is missing or not 64 hex digits")
    if not 0 <= seq <= MAX_SEQ:
        raise BadChunk(f"chunk number {seq} is outside 0-{MAX_SEQ}")
    if not 0 < len(data) <= MAX_CHUNK:
        raise BadChunk(f"a chunk is 1 byte to {MAX_CHUNK // (1024 * 1024)} MB")
    kind = (media_type or "").strip().lower()
    if not AUDIO_TYPE.match(kind):
        raise BadChunk(f"{kind[:40]!r} is not an audio type")
    digest = hashlib.sha256(data).hexdigest()
    if digest != claimed:
        raise BadChunk(
            "the chunk's bytes do not match its SHA-256", "nothing was stored; send it again"
        )
    visit, _team = visit_of(uow, agent, visit_id)
    _at_the_door(visit)
    ref = f"sha256:{digest}"
    with uow:
        known = uow.visit_media.get(visit.id, "audio_chunk", seq)
    if known is not None:
        if known.ref != ref:
            raise BadChunk(f"chunk {seq} was stored with other bytes", "number chunks from 0")
        return Stored(ref, seq, again=True)
    stored = evidence.put(data, kind.split(";")[0])
    media = VisitMedia(visit.id, "audio_chunk", seq, stored, len(data), kind, now, agent.id)
    with uow:
        if not uow.visit_media.add(media):
            again = uow.visit_media.get(visit.id, "audio_chunk", seq)
            if again is None or again.ref != ref:
                raise BadChunk(f"chunk {seq} was stored with other bytes")
            return Stored(ref, seq, again=True)
        uow.commit()
    return Stored(stored, seq)


def add_photo(
    uow: UnitOfWork,
    evidence: EvidenceStore,
    visit_id: str,
    agent: User,
    data: bytes,
    now: datetime,
    *,
    inside_home: bool,
    consent: bool,
) -> Stored:
    """A photo of the surroundings; inside a home only with the occupant's recorded consent."""
    if inside_home and not consent:
        raise _refuse(
            "a photo inside a home needs the occupant's consent",
            "ask first; without consent take photos outside only",
        )
    if not 0 < len(data) <= MAX_PHOTO:
        raise _refuse(f"a photo is at most {MAX_PHOTO // (1024 * 1024)} MB")
    media_type = next((t for magic, t in PHOTO_TYPES if data.startswith(magic)), None)
    if media_type is None:
        raise _refuse("the photo is not a JPEG, PNG or WebP image")
    visit, _team = visit_of(uow, agent, visit_id)
    _at_the_door(visit)
    ref = evidence.put(data, media_type)
    detail = {"inside_home": inside_home, "consent": consent}
    with uow:
        seq = len(uow.visit_media.listing(visit.id, "photo"))
        media = VisitMedia(
            visit.id, "photo", seq, ref, len(data), media_type, now, agent.id, detail
        )
        if not uow.visit_media.add(media):
            raise _refuse("another photo was stored at the same moment", "send it again")
        uow.commit()
    return Stored(ref, seq)


# --- at the door ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgentCard:
    user_id: str
    name: str
    certificate_no: str
    issuer: str
    expires_on: date
    has_photo: bool


@dataclass(frozen=True, slots=True)
class IdCard:
    """What the occupant is shown: every agent's certificate, whom they work for, and a code
    that /verify answers with the visit's agents."""

    code: str
    organisation: str
    agents: tuple[AgentCard, ...]


def show_id(uow: UnitOfWork, visit_id: str, agent: User, now: datetime) -> IdCard:
    """A fresh /verify code for the visit (only its hash is stored) and the agents' cards;
    logged as `visit_id_shown`."""
    visit, team = visit_of(uow, agent, visit_id)
    _at_the_door(visit)
    with uow:
        task = visits._task_of(uow, visit)
        cards = tuple(_card(uow, member) for member in team.members)
        agency = task.assignee_id if task.assignee_kind == "agency" else None
        organisation = agency or lender_of(uow, visit.case_id)
        names = "、".join(f"{c.name}（{c.certificate_no}）" for c in cards)
        _start, end = visits.window_of(visit, task.timezone)
        ttl = max(end + timedelta(days=CODE_DAYS) - now, timedelta(hours=1))
        code = issue(
            uow, visit.case_id, agent, agency, now, ttl, visit_id=visit.id, collector_name=names
        )
        _event(uow, visit, "visit_id_shown", agent, {"agents": [c.name for c in cards]}, now)
        uow.commit()
    return IdCard(code, organisation, cards)


def _card(uow: UnitOfWork, member: str) -> AgentCard:
    user, cert = uow.users.get(member), uow.field_agents.get(member)
    if user is None or cert is None:
        raise _refuse("a member of the team is no longer a certified agent")
    return AgentCard(
        member, user.display_name, cert.certificate_no, cert.issuer, cert.expires_on,
        cert.photo_ref is not None,
    )  # fmt: skip


def agent_photo(
    uow: UnitOfWork, evidence: EvidenceStore, visit_id: str, agent: User, member: str
) -> bytes:
    """The certificate photo of a member of the visit's team (for the ID screen)."""
    _visit, team = visit_of(uow, agent, visit_id)
    with uow:
        cert = uow.field_agents.get(member) if member in team.members else None
    if cert is None or cert.photo_ref is None:
        raise NotYours("no photo")
    return evidence.get(cert.photo_ref)


def _event(
    uow: UnitOfWork, visit: Visit, kind: str, agent: User, data: dict[str, Any], now: datetime
) -> None:
    body = {"visit_id": visit.id, **data}
    uow.events.append(visit.case_id, NewEvent(kind, agent.username, body), now)


def _text(value: str, name: str) -> str:
    text = (value or "").strip()
    if len(text) > MAX_TEXT or "\x00" in text:
        raise _refuse(f"the {name} is too long or not text (at most {MAX_TEXT} characters)")
    return text


def update_contacts(
    uow: UnitOfWork, visit_id: str, agent: User, phone: str, address: str, now: datetime
) -> None:
    """New contact details the person met gave: a `visit_contact_update` event for the case's
    collector to check and apply (the field app does not overwrite the borrower's record)."""
    from fairdebt.domain.borrower import normalise_phone

    number, place = _text(phone, "phone"), _text(address, "address")
    if not number and not place:
        raise _refuse("give a phone number or an address")
    if number:
        try:
            number = normalise_phone(number)
        except ValueError:
            raise _refuse(f"{number[:20]!r} is not a phone number") from None
    visit, _team = visit_of(uow, agent, visit_id)
    _at_the_door(visit)
    data = {k: v for k, v in (("phone", number), ("address", place)) if v}
    with uow:
        _event(uow, visit, "visit_contact_update", agent, data, now)
        uow.commit()


def signature_png(data_url: str) -> bytes:
    """A signature pad's `data:image/png;base64,...` as PNG bytes (refused otherwise)."""
    head, _, body = (data_url or "").partition(",")
    if head != "data:image/png;base64" or len(body) > MAX_SIGNATURE * 4 // 3 + 4:
        raise _refuse("the signature is not a PNG from the signature pad")
    try:
        png = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise _refuse("the signature is not a PNG from the signature pad") from None
    if not png.startswith(PNG) or len(png) > MAX_SIGNATURE:
        raise _refuse("the signature is not a PNG from the signature pad")
    return png


def deliver_notice(
    uow: UnitOfWork,
    evidence: EvidenceStore,
    visit_id: str,
    agent: User,
    document: str,
    signer: str,
    png: bytes | None,
    now: datetime,
) -> str:
    """The notice handed over: signed (`png`) → its PNG in the evidence store and a
    `demand_delivered` event the limitation engine reads; refused (`png` None) → a
    `visit_notice_refused` event. Returns the event type."""
    if document not in DOCUMENTS:
        raise _refuse(f"unknown document {document[:30]!r}", "one of " + ", ".join(DOCUMENTS))
    if signer not in SIGNERS:
        raise _refuse(f"unknown signer {signer[:30]!r}", "one of " + ", ".join(SIGNERS))
    if png is not None and (not png.startswith(PNG) or len(png) > MAX_SIGNATURE):
        raise _refuse("the signature is not a PNG from the signature pad")
    visit, _team = visit_of(uow, agent, visit_id)
    _at_the_door(visit)
    with uow:
        zone = visits._task_of(uow, visit).timezone
    on = now.astimezone(ZoneInfo(zone)).date().isoformat()
    if png is None:
        with uow:
            data = {"document": document, "by": signer, "on": on}
            _event(uow, visit, "visit_notice_refused", agent, data, now)
            uow.commit()
        return "visit_notice_refused"
    ref = evidence.put(png, "image/png")
    with uow:
        seq = len(uow.visit_media.listing(visit.id, "notice_signature"))
        detail = {"signer": signer, "document": document}
        media = VisitMedia(
            visit.id, "notice_signature", seq, ref, len(png), "image/png", now, agent.id, detail
        )
        if not uow.visit_media.add(media):
            raise _refuse("another signature was stored at the same moment", "send it again")
        data = {"on": on, "signed_by": signer, "medium": "document", "document": document}
        _event(uow, visit, "demand_delivered", agent, data | {"signature": ref}, now)
        uow.commit()
    return "demand_delivered"


# --- check-out and the report -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignOff:
    """Both agents' signatures: the signed-in agent's, and the second agent's, who proved who
    they are on this device (web/pages/field.py: their password, checked like a sign-in)."""

    first_png: bytes
    second: User
    second_png: bytes


@dataclass(frozen=True, slots=True)
class Finished:
    visit: Visit
    report_ref: str | None
    manifest_ref: str
    money_words: tuple[str, ...]
    gaps: tuple[int, ...]  # chunk numbers missing from the recording
    reports: Mapping[str, str] = field(default_factory=dict)  # language -> report reference


def finish(
    uow: UnitOfWork,
    evidence: EvidenceStore,
    visit_id: str,
    agent: User,
    report: visits.Report,
    sign_off: SignOff,
    now: datetime,
    *,
    language: str,
) -> Finished:
    """Check out with both agents' signatures (module docstring). The report PDF is made before
    anything is written: a report that cannot be printed (fieldkit's checks) refuses the
    check-out, and nothing is half-written."""
    from fairdebt.visits.money_words import money_mentions

    visit, team = visit_of(uow, agent, visit_id)
    _at_the_door(visit)
    second = sign_off.second
    if second.id == agent.id or second.id not in team.members:
        raise _refuse("the second signature must be another agent of the visit's team")
    if second.role is not Role.FIELD_AGENT or not second.active:
        raise _refuse(f"{second.username} is not an active field agent")
    visits._report_data(report)  # refuses a report record_outcome would refuse, before writing
    with uow:
        task = visits._task_of(uow, visit)
        media = uow.visit_media.listing(visit.id)
        agents = visits.visitors(uow, visit)
        certs = {m: uow.field_agents.get(m) for m in team.members}
    manifest, gaps = _manifest(visit, media)
    manifest_ref = evidence.put(manifest, "application/json")
    signed = _agent_signatures(certs, agent, sign_off, now)
    pdfs = {
        lang: _report_pdf(
            visit, task, agents, report, media, evidence, signed, (now, manifest_ref, lang)
        )
        for lang in report_languages(language)
    }
    refs = {lang: evidence.put(pdf, "application/pdf") for lang, pdf in pdfs.items()}
    pdf_ref = refs[language]
    sig_refs = [evidence.put(png, "image/png") for _user, png, _cert in signed]
    words = tuple(money_mentions("\n".join((report.notes, report.plan_proposal))))
    with uow:
        visits.check_out(uow, visit.id, agent, now)
        moved = visits.record_outcome(uow, visit.id, agent, report, now)
        for n, ((user, png, _cert), ref) in enumerate(zip(signed, sig_refs, strict=True)):
            row = VisitMedia(
                visit.id, "agent_signature", n, ref, len(png), "image/png", now, user.id,
                {"username": user.username},
            )  # fmt: skip
            uow.visit_media.add(row)
        for n, (lang, pdf) in enumerate(pdfs.items()):  # seq 0: the page's language
            uow.visit_media.add(
                VisitMedia(visit.id, "visit_report", n, refs[lang], len(pdf), "application/pdf",
                           now, agent.id, {"language": lang})
            )  # fmt: skip
        chunks = [m for m in media if m.kind == "audio_chunk"]
        _event(uow, visit, "visit_media_manifest", agent, {
            "manifest": manifest_ref,
            "audio_chunks": len(chunks),
            "audio_bytes": sum(m.size for m in chunks),
            "gaps": list(gaps),
            "photos": sum(1 for m in media if m.kind == "photo"),
        }, now)  # fmt: skip
        _event(uow, visit, "visit_report_signed", agent, {
            "report": pdf_ref,
            "sha256": pdf_ref.removeprefix("sha256:"),
            "language": language,
            "reports": refs,
            "signed_by": [agent.username, second.username],
        }, now)  # fmt: skip
        uow.commit()
    return Finished(moved, pdf_ref, manifest_ref, words, gaps, refs)


def report_languages(language: str) -> tuple[str, ...]:
    """The languages a visit report is printed in: the page's first, then the others. Both
    are kept, signed by the same two agents, so the borrower and an auditor each read one in
    their own language (docs/visit-report.md)."""
    from fairdebt.letters.visit_report import LANGUAGES

    if language not in LANGUAGES:
        raise _refuse(f"unknown language {language[:20]!r}", ", ".join(LANGUAGES))
    return (language, *(other for other in LANGUAGES if other != language))


@dataclass(frozen=True, slots=True)
class SignedReport:
    """A visit's signed report in one language, its bytes checked against the case log."""

    visit_id: str
    language: str
    ref: str
    data: bytes


def signed_report(
    uow: UnitOfWork, evidence: EvidenceStore, visit_id: str, language: str | None = None
) -> SignedReport:
    """The report both agents signed at check-out, in `language` (None: the one printed in
    the page's language). Its bytes are read from the evidence store and hashed against the
    reference the `visit_report_signed` event recorded: altered or missing bytes are refused,
    never handed out. Reports signed before both languages were kept have the page's only."""
    with uow:
        visit = uow.visits.get(visit_id)
        if visit is None:
            raise _refuse(f"no visit {visit_id[:40]!r}", "see `fairdebt visits list`")
        signed = [
            e for e in uow.events.events(visit.case_id)
            if e.type == "visit_report_signed" and e.data.get("visit_id") == visit.id
        ]  # fmt: skip
    if not signed:
        raise NotYours(
            f"visit {visit.id} has no signed report yet",
            hint="the field app makes it when both agents sign at check-out",
        )
    data = signed[-1].data
    refs = dict(data.get("reports") or {data.get("language", ""): data.get("report", "")})
    chosen = language or str(data.get("language", ""))
    ref = str(refs.get(chosen, ""))
    if not ref:
        kept = ", ".join(sorted(refs))
        raise _refuse(f"visit {visit.id} has no report in {chosen[:20]!r}", f"kept: {kept}")
    return SignedReport(visit.id, chosen, ref, _checked(evidence, ref))


def _checked(evidence: EvidenceStore, ref: str) -> bytes:
    """The bytes behind `ref`, refused unless they hash to it."""
    missing = FairdebtError(
        f"the report {ref} is missing or altered in the evidence store",
        hint="run `fairdebt audit verify` and restore the evidence store from a backup",
    )
    try:
        data = evidence.get(ref)
    except FairdebtError:
        raise missing from None
    if "sha256:" + hashlib.sha256(data).hexdigest() != ref:
        raise missing
    return data


def _manifest(visit: Visit, media: list[VisitMedia]) -> tuple[bytes, tuple[int, ...]]:
    """The recording's chunks in order and the visit's other media, as canonical JSON; the
    chunk numbers missing below the highest one are gaps (a chunk that never arrived)."""
    chunks = sorted((m for m in media if m.kind == "audio_chunk"), key=lambda m: m.seq)
    seen = {m.seq for m in chunks}
    gaps = tuple(n for n in range(chunks[-1].seq + 1) if n not in seen) if chunks else ()
    body = {
        "visit_id": visit.id,
        "audio": [{"seq": m.seq, "ref": m.ref, "size": m.size, "type": m.media_type,
                   "at": m.recorded_at.isoformat()} for m in chunks],
        "gaps": list(gaps),
        "other": [{"kind": m.kind, "seq": m.seq, "ref": m.ref, **dict(m.detail)}
                  for m in media if m.kind != "audio_chunk"],
    }  # fmt: skip
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.encode(), gaps


def _agent_signatures(
    certs: dict[str, Any], agent: User, sign_off: SignOff, now: datetime
) -> list[tuple[User, bytes, str]]:
    """(agent, PNG, certificate number) of both signers, each checked."""
    out = []
    for user, png in ((agent, sign_off.first_png), (sign_off.second, sign_off.second_png)):
        if not png.startswith(PNG) or len(png) > MAX_SIGNATURE:
            raise _refuse(f"{user.username}'s signature is not a PNG from the signature pad")
        cert = certs.get(user.id)
        if cert is None or not cert.valid_on(now.date()):
            raise _refuse(f"{user.username} has no valid certificate")
        out.append((user, png, str(cert.certificate_no)))
    return out


MET = {
    "borrower_present": "borrower",
    "relative_present": "relative",
    "nobody_home": "nobody",
    "refused_entry": "refused",
    "wrong_address": "wrong_address",
}
WORDS = {
    "zh-CN": {
        "reason": "逾期原因",
        "ability": "还款能力",
        "willingness": "还款意愿",
        "promise": "承诺于 {due} 前通过官方渠道（{channel}）还款 {amount}",
        "none": "none",
    },
    "en": {
        "reason": "Reasons for arrears",
        "ability": "Ability to pay",
        "willingness": "Willingness to pay",
        "promise": "Promised to pay {amount} by {due} through the official channel {channel}",
        "none": "none",
    },
}


def _report_pdf(
    visit: Visit,
    task: Any,
    agents: list[tuple[str, str, str]],
    report: visits.Report,
    media: list[VisitMedia],
    evidence: EvidenceStore,
    signed: list[tuple[User, bytes, str]],
    refs: tuple[datetime, str, str],
) -> bytes:
    """The visit report (fairdebt.letters.visit_report) of this check-out, in `language`."""
    from datetime import time

    from fairdebt.letters import visit_report as vr

    now, manifest_ref, language = refs
    words = WORDS.get(language, WORDS["en"])
    outcome = "; ".join(
        f"{label}: {value}"
        for label, value in (
            (words["reason"], report.arrears_reason.strip()),
            (words["ability"], report.ability),
            (words["willingness"], report.willingness),
        )
        if value
    )
    proposal = report.plan_proposal.strip()
    if report.promise is not None:
        _account, amount, due, channel = report.promise
        promised = words["promise"].format(
            due=due.isoformat(), channel=channel, amount=f"{amount} {task.currency}"
        )
        proposal = f"{promised}. {proposal}".strip()
    signatures = [m for m in media if m.kind == "notice_signature"]
    notices = tuple(dict.fromkeys(vr.Notice(str(m.detail.get("document"))) for m in signatures))
    if report.outcome == "nobody_home":
        notices += (vr.Notice.SEALED_LETTER,)
    person = signatures[-1] if signatures else None
    listed = [vr.Evidence("audio", manifest_ref)]
    listed += [vr.Evidence("photo", m.ref) for m in media if m.kind == "photo"]
    listed += [vr.Evidence("signature", m.ref) for m in signatures]
    start, end = (time.fromisoformat(t or "00:00") for t in (visit.window_start, visit.window_end))
    data = vr.VisitReport(
        case_ref=visit.case_id,
        visit_id=visit.id,
        visit_date=visit.visit_date or now.date(),
        window=(start, end),
        timezone=task.timezone,
        checked_in_at=visit.checked_in_at or now,
        checked_out_at=now,
        place=mask_address(visit.address),
        distance_m=round(visit.check_in_distance_m or 0),
        agents=tuple(vr.Agent(n, c, i) for n, c, i in agents),
        met=vr.Met(MET[report.outcome]),
        outcome=outcome or report.outcome,
        relationship=(report.relationship or "").strip(),
        proposal=proposal,
        notices=notices,
        person_signature=evidence.get(person.ref) if person else None,
        person_signed_at=person.recorded_at if person else None,
        evidence=tuple(listed),
        signatures=tuple(vr.AgentSignature(cert, png, now) for _u, png, cert in signed),
    )
    return vr.render_visit_report(data, language)


def promise_of(
    account_id: str, amount: str, due: str, channel: str
) -> tuple[str, str, date, str] | None:
    """The report's promise from the form's text, or None when no amount is given."""
    from fairdebt.domain.payment_channel import OFFICIAL_CHANNELS

    if not (amount or "").strip():
        return None
    try:
        value = Decimal(amount.strip())
        day = date.fromisoformat(due.strip())
    except (InvalidOperation, ValueError):
        raise _refuse("a promise needs an amount and a date (YYYY-MM-DD)") from None
    if not value.is_finite() or value <= 0 or value > Decimal(10) ** 12:
        raise _refuse("the promised amount must be positive")
    if channel not in OFFICIAL_CHANNELS:
        raise _refuse("a promise names an official channel", ", ".join(OFFICIAL_CHANNELS))
    return account_id, str(value), day, channel
