"""Reading a gate request: JSON object → GateRequest, and back; the request digest.

`parse_request` expects a request that already passed the schema (schema.validate_request);
it adds the checks a JSON Schema cannot express — a time zone that exists, a time of day up to
24:00, a window that is not empty — and reports them the same way, with JSON pointers.

The digest is the SHA-256 of the request as received, in canonical form: keys sorted, no
insignificant whitespace, UTF-8 without escapes (RFC 8785 for this schema, which has no
fractional numbers). Anyone holding a logged request can recompute it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fairdebt.compliance.errors import GateRequestError
from fairdebt.compliance.localtime import format_clock, parse_clock
from fairdebt.compliance.schema import pointer
from fairdebt.compliance.types import (
    Agent,
    Attempt,
    Borrower,
    Channel,
    Consent,
    DebtState,
    Direction,
    GateRequest,
    HistoryEvent,
    Hold,
    Inconvenient,
    OptOut,
    Outcome,
    Party,
    Purpose,
    Visit,
    normalise_address,
)

_CHANNELS = {c.value: c for c in Channel}
_DIRECTIONS = {d.value: d for d in Direction}
_OUTCOMES = {o.value: o for o in Outcome}
_PARTIES = {p.value: p for p in Party}
_ALL_WEEKDAYS = frozenset(range(1, 8))


canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
"""The canonical JSON text of a request: the definition (fast_read has a faster equal one)."""


def digest(request: dict[str, Any]) -> str:
    """GateRequestError when a string cannot be UTF-8 (a lone surrogate, which JSON's `\\ud800`
    escape can write and json.loads reads): such a request has no canonical bytes."""
    try:
        return hashlib.sha256(canonical(request).encode("utf-8")).hexdigest()
    except UnicodeEncodeError:
        where = next(_surrogates(request, ""), "")
        raise GateRequestError(((where, "a lone surrogate: not a Unicode character"),)) from None


def _surrogates(value: Any, where: str) -> Iterator[str]:
    """JSON pointers of the strings (and keys) holding a lone surrogate, depth first."""
    if isinstance(value, str):
        if any("\ud800" <= c <= "\udfff" for c in value):
            yield where
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _surrogates(key, where)
            yield from _surrogates(item, where + pointer([key]))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _surrogates(item, f"{where}/{i}")


def instant(text: str) -> datetime:
    """A schema-valid RFC 3339 date-time (lower-case `t`/`z` allowed) as an aware datetime."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return datetime.fromisoformat(text.upper())


def _maybe(text: str | None) -> datetime | None:
    return None if text is None else instant(text)


def parse_request(raw: dict[str, Any], *, with_digest: bool = True) -> GateRequest:
    """Build the typed request; GateRequestError (with pointers) for impossible values."""
    return build_request(raw, _history, digest if with_digest else None)


def build_request(
    raw: dict[str, Any],
    history: Callable[[Any], tuple[HistoryEvent, ...]],
    digest_of: Callable[[dict[str, Any]], str] | None,
) -> GateRequest:
    """parse_request with the history read by `history` and the digest by `digest_of` (none
    when None): the fast reader (fast_read.py) passes its own, already read, history."""
    problems: list[tuple[str, str]] = []
    borrower = _borrower(raw["borrower"], problems)
    if problems:
        raise GateRequestError(tuple(problems))
    return GateRequest(
        pack=raw["pack"],
        now=instant(raw["now"]),
        attempt=_attempt(raw["attempt"]),
        borrower=borrower,
        history=history(raw.get("history", ())),
        locale=raw.get("locale", "en"),
        digest=digest_of(raw) if digest_of is not None else "",
    )


def _attempt(raw: dict[str, Any]) -> Attempt:
    visit = raw.get("visit")
    return Attempt(
        channel=_CHANNELS[raw["channel"]],
        party=_PARTIES[raw["party"]],
        purpose=Purpose(raw["purpose"]),
        debts=tuple(raw["debts"]),
        collector=raw["collector"],
        to=raw.get("to"),
        content=raw.get("content"),
        public_place=raw.get("public_place", False),
        visit=None if visit is None else _visit(visit),
    )


def _visit(raw: dict[str, Any]) -> Visit:
    agents = tuple(
        Agent(a["id"], a.get("certified", True), a.get("id_shown", True))
        for a in raw.get("agents", ())
    )
    return Visit(
        agents=agents,
        notice_sent_at=_maybe(raw.get("notice_sent_at")),
        approved=raw.get("approved", False),
        address_matches_approved=raw.get("address_matches_approved", True),
        recording=raw.get("recording", True),
        enter_home=raw.get("enter_home", False),
        occupant_consent_to_enter=raw.get("occupant_consent_to_enter", False),
        collect_cash_or_card=raw.get("collect_cash_or_card", False),
    )


def _borrower(raw: dict[str, Any], problems: list[tuple[str, str]]) -> Borrower:
    for i, name in enumerate(raw["timezones"]):
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append((f"/borrower/timezones/{i}", f"unknown time zone {name!r} (IANA)"))
    consents = tuple(
        _consent(c, f"/borrower/consents/{i}", problems)
        for i, c in enumerate(raw.get("consents", ()))
    )
    inconvenient = tuple(
        Inconvenient(
            window=_window(w["window"], f"/borrower/inconvenient/{i}/window", problems),
            weekdays=frozenset(w["weekdays"]) if "weekdays" in w else _ALL_WEEKDAYS,
            said_at=_maybe(w.get("said_at")),
        )
        for i, w in enumerate(raw.get("inconvenient", ()))
    )
    return Borrower(
        timezones=tuple(raw["timezones"]),
        consents=consents,
        inconvenient=inconvenient,
        holds=frozenset(Hold(h) for h in raw.get("holds", ())),
        opt_outs=tuple(
            OptOut(_CHANNELS[o["channel"]], normalise_address(o["address"]), _maybe(o.get("at")))
            for o in raw.get("opt_outs", ())
        ),
        refused_third_parties=frozenset(
            normalise_address(a) for a in raw.get("refused_third_parties", ())
        ),
        debts=tuple(_debt(d) for d in raw.get("debts", ())),
    )


def _consent(raw: dict[str, Any], where: str, problems: list[tuple[str, str]]) -> Consent:
    window = raw.get("window")
    on_date = raw.get("on_date")
    return Consent(
        given_at=instant(raw["given_at"]),
        channel=_CHANNELS[raw["channel"]],
        window=None if window is None else _window(window, f"{where}/window", problems),
        on_date=None if on_date is None else date.fromisoformat(on_date),
        given_directly_to=raw.get("given_directly_to"),
    )


def _window(raw: list[str], where: str, problems: list[tuple[str, str]]) -> tuple[int, int]:
    try:
        start, end = parse_clock(raw[0]), parse_clock(raw[1])
    except ValueError as exc:
        problems.append((where, str(exc)))
        return (0, 0)
    if start % 86_400 == end % 86_400:
        problems.append((where, "a window must not be empty or a whole day"))
    return (start, end)


def _debt(raw: dict[str, Any]) -> DebtState:
    balance = raw.get("balance")
    return DebtState(
        id=raw["id"],
        dpd=raw.get("dpd"),
        balance=None if balance is None else Decimal(balance.strip()),
        currency=raw.get("currency"),
        time_barred=raw.get("time_barred", False),
        validation_notice_sent_at=_maybe(raw.get("validation_notice_sent_at")),
        written_dispute_at=_maybe(raw.get("written_dispute_at")),
        verification_mailed_at=_maybe(raw.get("verification_mailed_at")),
    )


def _history(raw: Any) -> tuple[HistoryEvent, ...]:
    # The hot loop of parsing (dozens of events per request): names bound locally on purpose.
    # Times in UTC: aware datetimes sharing one tzinfo compare several times faster. Each
    # address is normalised once; tuples are made as the named tuple's __new__ would.
    from_iso, debtor, make = datetime.fromisoformat, Party.DEBTOR, tuple.__new__
    addresses = {to: normalise_address(to) for to in {e.get("to") for e in raw} if to is not None}
    events: list[HistoryEvent] = []
    append = events.append
    for e in raw:
        get = e.get
        to, at, debts, party = get("to"), e["at"], get("debts"), get("party")
        try:
            when = from_iso(at).astimezone(UTC)
        except ValueError:
            when = from_iso(at.upper()).astimezone(UTC)
        fields = (
            when,
            _CHANNELS[e["channel"]],
            _DIRECTIONS[e["direction"]],
            _OUTCOMES[e["outcome"]],
            tuple(debts) if debts else (),
            _PARTIES[party] if party else debtor,
            to,
            get("collector"),
            get("consent_given", False),
            addresses.get(to),  # None when `to` is
        )
        append(make(HistoryEvent, fields))
    return tuple(events)


# --- back to JSON (for requests built in code, and for round-trip tests) ---------------------


def request_to_dict(request: GateRequest) -> dict[str, Any]:
    """The JSON object of a typed request (defaults left out); parse_request reads it back."""
    out: dict[str, Any] = {
        "pack": request.pack,
        "locale": request.locale,
        "now": request.now.isoformat(),
        "attempt": _attempt_dict(request.attempt),
        "borrower": _borrower_dict(request.borrower),
    }
    if request.history:
        out["history"] = [_event_dict(e) for e in request.history]
    return out


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _attempt_dict(a: Attempt) -> dict[str, Any]:
    out = _drop_none(
        {
            "channel": a.channel.value,
            "party": a.party.value,
            "purpose": a.purpose.value,
            "debts": list(a.debts),
            "collector": a.collector,
            "to": a.to,
            "content": a.content,
        }
    )
    if a.public_place:
        out["public_place"] = True
    if a.visit is not None:
        v = a.visit
        out["visit"] = {
            "agents": [
                {"id": g.id, "certified": g.certified, "id_shown": g.id_shown} for g in v.agents
            ],
            "notice_sent_at": _iso(v.notice_sent_at),
            "approved": v.approved,
            "address_matches_approved": v.address_matches_approved,
            "recording": v.recording,
            "enter_home": v.enter_home,
            "occupant_consent_to_enter": v.occupant_consent_to_enter,
            "collect_cash_or_card": v.collect_cash_or_card,
        }
    return out


def _clock_pair(window: tuple[int, int]) -> list[str]:
    return [format_clock(window[0]), format_clock(window[1])]


def _borrower_dict(b: Borrower) -> dict[str, Any]:
    out: dict[str, Any] = {"timezones": list(b.timezones)}
    if b.consents:
        out["consents"] = [
            _drop_none(
                {
                    "given_at": c.given_at.isoformat(),
                    "channel": c.channel.value,
                    "window": None if c.window is None else _clock_pair(c.window),
                    "on_date": None if c.on_date is None else c.on_date.isoformat(),
                    "given_directly_to": c.given_directly_to,
                }
            )
            for c in b.consents
        ]
    if b.inconvenient:
        out["inconvenient"] = [
            _drop_none(
                {
                    "window": _clock_pair(w.window),
                    "weekdays": sorted(w.weekdays),
                    "said_at": _iso(w.said_at),
                }
            )
            for w in b.inconvenient
        ]
    if b.holds:
        out["holds"] = sorted(h.value for h in b.holds)
    if b.opt_outs:
        out["opt_outs"] = [
            _drop_none({"channel": o.channel.value, "address": o.address, "at": _iso(o.at)})
            for o in b.opt_outs
        ]
    if b.refused_third_parties:
        out["refused_third_parties"] = sorted(b.refused_third_parties)
    if b.debts:
        out["debts"] = [_debt_dict(d) for d in b.debts]
    return out


def _debt_dict(d: DebtState) -> dict[str, Any]:
    return _drop_none(
        {
            "id": d.id,
            "dpd": d.dpd,
            "balance": None if d.balance is None else str(d.balance),
            "currency": d.currency,
            "time_barred": d.time_barred or None,
            "validation_notice_sent_at": _iso(d.validation_notice_sent_at),
            "written_dispute_at": _iso(d.written_dispute_at),
            "verification_mailed_at": _iso(d.verification_mailed_at),
        }
    )


def _event_dict(e: HistoryEvent) -> dict[str, Any]:
    out = _drop_none(
        {
            "at": e.at.isoformat(),
            "channel": e.channel.value,
            "direction": e.direction.value,
            "outcome": e.outcome.value,
            "party": e.party.value,
            "to": e.to,
            "collector": e.collector,
        }
    )
    if e.debts:
        out["debts"] = list(e.debts)
    if e.consent_given:
        out["consent_given"] = True
    return out
