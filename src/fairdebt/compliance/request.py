"""The gate request, defined once: its wire form as msgspec Structs, read in one pass.

The Structs below are the request's one definition in code (the packaged
`schemas/gate-request.schema.json` says the same in JSON Schema, for other languages and for the
OpenAPI document; a test checks the two agree). msgspec decodes a body straight into them and
validates while it decodes: types, enums, required and unknown fields, patterns, bounds. What
remains is typing — instants, clock windows, addresses — into the engine's GateRequest
(fairdebt.compliance.types), and the checks JSON Schema cannot express: a time zone that
exists, a time of day up to 24:00, a window that is not empty, a calendar date that exists.

Every field that has a default in the contract is UNSET when the request leaves it out, so the
decoded Structs are exactly the request as received, and encoding them with sorted keys gives
its canonical JSON — the digest's input — without a second parse.

A body msgspec refuses (or one the typing finds impossible) is read again, slowly, by
fairdebt.compliance.explain, which lists every error with its JSON pointer, walked from these
same Structs. JSON Schema calls 5.0 an integer where msgspec does not: such a body has no error
to list, and is typed from its generic JSON value instead (`strict=False`).

The digest is the SHA-256 of the request as received, in canonical form: keys sorted, no
insignificant whitespace, UTF-8 without escapes (RFC 8785 for this schema, which has no
fractional numbers). Anyone holding a logged request can recompute it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from itertools import repeat
from operator import attrgetter, itemgetter
from typing import Annotated, Any, Literal, TypeVar, overload
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from fairdebt.compliance.errors import GateRequestError
from fairdebt.compliance.localtime import format_clock, parse_clock
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
from fairdebt.jsontext import JsonEncodingError, JsonTooDeepError, check_depth, text_of

# --- the definition ---------------------------------------------------------------------------
# Patterns are searched (re.search), as JSON Schema's are; `\Z` rather than `$`, which in Python
# would also match before a final newline. An instant or a date is a string marked with its
# JSON Schema format: msgspec leaves it a string (the digest needs the text as received), and
# typing reads it as RFC 3339 (see `instants`), which is cheaper than a pattern per string.

CLOCK = r"^[0-2][0-9]:[0-5][0-9]\Z"
PACK = r"^[a-z][a-z0-9-]*(@[0-9][0-9A-Za-z.]*)?\Z"
AMOUNT = r"^-?[0-9]+(\.[0-9]+)?\Z"
DATE_TIME = {"format": "date-time"}
DATE = {"format": "date"}

Instant = Annotated[str, Meta(extra_json_schema=DATE_TIME)]
Day = Annotated[str, Meta(extra_json_schema=DATE)]
ClockWindow = Annotated[
    tuple[Annotated[str, Meta(pattern=CLOCK)], ...], Meta(min_length=2, max_length=2)
]
Ids = tuple[str, ...]
OptOutChannel = Literal["sms", "email", "call", "voicemail", "letter"]

# Fields are keyword-only and declared in sorted order: msgspec encodes a Struct's fields in
# declaration order, so the plain encoding of a decoded request is its canonical JSON (keys
# sorted) with no sorting at all. A test checks the order.


class Wire(Struct, kw_only=True, forbid_unknown_fields=True, frozen=True, gc=False):
    """The options every part of the request shares (gc=False: no part refers back, so the
    garbage collector need not track the thousands made each second)."""


class WireAgent(Wire, kw_only=True, frozen=True):
    certified: bool | UnsetType = UNSET  # default true
    id: str
    id_shown: bool | UnsetType = UNSET  # default true


class WireVisit(Wire, kw_only=True, frozen=True):
    address_matches_approved: bool | UnsetType = UNSET  # default true
    agents: tuple[WireAgent, ...] | UnsetType = UNSET
    approved: bool | UnsetType = UNSET  # default false
    collect_cash_or_card: bool | UnsetType = UNSET  # default false
    enter_home: bool | UnsetType = UNSET  # default false
    notice_sent_at: Instant | UnsetType | None = UNSET
    occupant_consent_to_enter: bool | UnsetType = UNSET  # default false
    recording: bool | UnsetType = UNSET  # default true


class WireAttempt(Wire, kw_only=True, frozen=True):
    channel: Channel
    collector: str
    content: str | UnsetType = UNSET
    debts: Annotated[Ids, Meta(min_length=1)]
    party: Party
    public_place: bool | UnsetType = UNSET  # default false
    purpose: Purpose
    to: str | UnsetType = UNSET
    visit: WireVisit | UnsetType = UNSET


class WireConsent(Wire, kw_only=True, frozen=True):
    channel: Channel
    given_at: Instant
    given_directly_to: str | UnsetType = UNSET
    on_date: Day | UnsetType = UNSET
    window: ClockWindow | UnsetType = UNSET


class WireInconvenient(Wire, kw_only=True, frozen=True):
    said_at: Instant | UnsetType = UNSET
    weekdays: tuple[Annotated[int, Meta(ge=1, le=7)], ...] | UnsetType = UNSET  # default all
    window: ClockWindow


class WireOptOut(Wire, kw_only=True, frozen=True):
    address: str
    at: Instant | UnsetType = UNSET
    channel: OptOutChannel


class WireDebt(Wire, kw_only=True, frozen=True):
    balance: Annotated[str, Meta(pattern=AMOUNT)] | UnsetType = UNSET
    currency: str | UnsetType = UNSET
    dpd: Annotated[int, Meta(ge=0)] | UnsetType = UNSET
    id: str
    time_barred: bool | UnsetType = UNSET  # default false
    validation_notice_sent_at: Instant | UnsetType | None = UNSET
    verification_mailed_at: Instant | UnsetType | None = UNSET
    written_dispute_at: Instant | UnsetType | None = UNSET


class WireBorrower(Wire, kw_only=True, frozen=True):
    consents: tuple[WireConsent, ...] | UnsetType = UNSET
    debts: tuple[WireDebt, ...] | UnsetType = UNSET
    holds: tuple[Hold, ...] | UnsetType = UNSET
    inconvenient: tuple[WireInconvenient, ...] | UnsetType = UNSET
    opt_outs: tuple[WireOptOut, ...] | UnsetType = UNSET
    refused_third_parties: tuple[str, ...] | UnsetType = UNSET
    timezones: Annotated[tuple[str, ...], Meta(min_length=1)]


class WireEvent(Wire, kw_only=True, frozen=True):
    at: Instant
    channel: Channel
    collector: str | UnsetType = UNSET
    consent_given: bool | UnsetType = UNSET  # default false
    debts: Ids | UnsetType = UNSET  # none: every debt
    direction: Direction
    outcome: Outcome
    party: Party | UnsetType = UNSET  # default debtor
    to: str | UnsetType = UNSET


class WireRequest(Wire, kw_only=True, frozen=True):
    """A whole request, as received (see the module docstring)."""

    attempt: WireAttempt
    borrower: WireBorrower
    history: tuple[WireEvent, ...] | UnsetType = UNSET
    locale: Literal["zh-CN", "en"] | UnsetType = UNSET  # default en
    now: Instant
    pack: Annotated[str, Meta(pattern=PACK)]


# --- reading ----------------------------------------------------------------------------------

_DECODER = msgspec.json.Decoder(WireRequest)
_ENCODE = msgspec.json.Encoder().encode  # Structs: canonical as declared (see above)
_ENCODE_SORTED = msgspec.json.Encoder(order="sorted").encode  # any JSON value: dicts sorted


class NotJsonError(ValueError):
    """The body is not JSON; the message is json.loads's own."""


class _Impossible(ValueError):
    """A value the schema admits but the calendar, the clock or the zone database does not."""


def read_body(body: bytes | str) -> GateRequest:
    """The typed request of a JSON text, with its digest. NotJsonError when it is not JSON;
    GateRequestError (every error, with its JSON pointer) when it is not a gate request, or
    nests deeper than any gate request (fairdebt.jsontext.MAX_DEPTH)."""
    try:
        return typed_request(*decoded(body))
    except (msgspec.MsgspecError, _Impossible):
        pass
    try:
        text = text_of(body)  # the encodings every JSON reader takes (fairdebt.jsontext)
    except JsonEncodingError as exc:
        raise NotJsonError(str(exc)) from None
    try:
        check_depth(text)  # json.loads recurses: a deep body would overflow its stack
    except JsonTooDeepError as exc:
        raise GateRequestError((("", str(exc)),)) from None
    try:
        raw = json.loads(text)  # the reference: what the gate has always accepted as JSON
    except ValueError as exc:
        raise NotJsonError(str(exc)) from None
    return read_slowly(raw)


def decoded(body: bytes | str) -> tuple[WireRequest, str]:
    """A body's wire form, validated, and its digest: the part of reading done in C (msgspec
    decodes and validates, then encodes the canonical text; hashlib hashes it). No reading of
    a request can cost less: the benchmark times it alone as the JSON-text path's floor.
    msgspec.MsgspecError when the body is not a valid request."""
    wire = _DECODER.decode(body)
    return wire, hashlib.sha256(_ENCODE(wire)).hexdigest()


def read_object(raw: Any) -> GateRequest:
    """The typed request of a parsed JSON value (e.g. json.loads's), with its digest;
    GateRequestError (every error, with its JSON pointer) when it is not a gate request."""
    try:
        body = _ENCODE_SORTED(raw)  # canonical already: it is the digest's input as it stands
        return typed_request(_DECODER.decode(body), hashlib.sha256(body).hexdigest())
    except (msgspec.MsgspecError, _Impossible, TypeError, ValueError, OverflowError):
        return read_slowly(raw)


def read_slowly(raw: Any) -> GateRequest:
    """The reading of a value the fast path refused: every error with its pointer, or — for a
    value only msgspec's stricter typing refused (an integer written 5.0) — the request."""
    from fairdebt.compliance.explain import request_errors

    errors = request_errors(raw)
    if errors:
        raise GateRequestError(errors)
    wire = msgspec.convert(raw, WireRequest, strict=False)
    return typed_request(wire, digest(raw))


canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
"""The canonical JSON text of a request: the definition (the Structs' sorted encoding is equal
on every request msgspec reads; a test shows it)."""


def digest(request: dict[str, Any]) -> str:
    """SHA-256 of `canonical(request)`. GateRequestError when a string cannot be UTF-8 (a lone
    surrogate, which JSON's `\\ud800` escape can write): such a request has no canonical bytes."""
    try:
        return hashlib.sha256(canonical(request).encode("utf-8")).hexdigest()
    except UnicodeEncodeError:
        from fairdebt.compliance.explain import surrogate_errors

        raise GateRequestError(surrogate_errors(request)) from None


def load_schema(name: str) -> dict[str, Any]:
    """One of the packaged JSON Schemas, `gate-request` or `gate-decision`
    (fairdebt/compliance/schemas/): the same contract for other languages and the OpenAPI
    document. The gate reads requests with the Structs above; a test checks the two agree."""
    from importlib.resources import files

    text = files("fairdebt.compliance").joinpath("schemas", f"{name}.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


# --- typing -----------------------------------------------------------------------------------

T = TypeVar("T")
_DATETIMES = list[datetime]
_TZINFO = attrgetter("tzinfo")
_SEPARATORS = frozenset("Tt")
_CHAR_10, _TAIL = itemgetter(10), itemgetter(slice(-3, None))
_YEAR = attrgetter("year")

# The years the gate reads (docs/gate.md, "Supported dates"). Python's calendar ends at the
# years 1 and 9999, and the rules count days, weeks and months around every instant; inside
# these years no such step can leave the calendar, so no rule needs to guard its arithmetic.
FIRST_YEAR, LAST_YEAR = 1900, 9000
OUT_OF_RANGE = f"outside the years {FIRST_YEAR} to {LAST_YEAR} the gate supports"


def instants(texts: list[str]) -> list[datetime]:
    """RFC 3339 date-times (`date-time`: seconds and an offset required, `t` and `z` allowed)
    as aware datetimes; ValueError unless every one is. msgspec parses them in C and checks
    the calendar and the ranges (minutes of an offset below 60); what it also accepts and RFC
    3339 does not — a space for `T`, an offset without its colon — is refused here."""
    try:
        moments: list[datetime] = msgspec.convert(texts, _DATETIMES)
    except msgspec.ValidationError as exc:
        raise ValueError(str(exc)) from None
    # msgspec read each as a date and a time with seconds (20 characters at least)
    if not _SEPARATORS.issuperset(map(_CHAR_10, texts)):
        raise ValueError("not an RFC 3339 date-time: a date and a time joined by T")
    for tail in set(map(_TAIL, texts)):
        if tail[2] not in "Zz" and tail[0] != ":":
            raise ValueError("not an RFC 3339 date-time: an offset Z or ±HH:MM")
    if None in set(map(_TZINFO, moments)):
        raise ValueError("not an RFC 3339 date-time: no offset")
    years = set(map(_YEAR, moments))
    if years and (min(years) < FIRST_YEAR or max(years) > LAST_YEAR):
        raise ValueError(f"a date-time {OUT_OF_RANGE}")
    return moments


def instant(text: str) -> datetime:
    """One RFC 3339 date-time (see `instants`), in the years the gate supports."""
    return instants([text])[0]


def day(text: str) -> date:
    """An RFC 3339 full-date (YYYY-MM-DD, a date that exists) in the years the gate supports."""
    if len(text) != 10 or not text.isascii():
        raise ValueError(f"{text!r} is not a date YYYY-MM-DD")
    found = date.fromisoformat(text)
    if not FIRST_YEAR <= found.year <= LAST_YEAR:
        raise ValueError(f"{text!r} is {OUT_OF_RANGE}")
    return found


MAX_ZONE_NAME = 64  # the longest IANA name is 32 characters (America/Argentina/ComodRivadavia)


def zone_problem(name: str) -> str | None:
    """Why `name` is not an IANA time zone, or None when it is one."""
    if len(name) > MAX_ZONE_NAME:  # the file system refuses the lookup (ENAMETOOLONG)
        return f"unknown time zone {name[:40]!r}… (IANA names are short)"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name the disk refuses
        return f"unknown time zone {name!r} (IANA)"
    return None


def window(pair: tuple[str, ...]) -> tuple[int, int]:
    """A clock window as seconds of the day; ValueError (its message) when impossible."""
    start, end = parse_clock(pair[0]), parse_clock(pair[1])
    if start % 86_400 == end % 86_400:
        raise ValueError("a window must not be empty or a whole day")
    return (start, end)


def _or(value: T | UnsetType, default: T) -> T:
    return default if value is UNSET else value


def typed_request(wire: WireRequest, digest_: str) -> GateRequest:
    """The engine's request from its wire form; _Impossible for an impossible value (the slow
    reading then names it)."""
    try:
        return GateRequest(
            pack=wire.pack,
            now=instant(wire.now),
            attempt=_attempt(wire.attempt),
            borrower=_borrower(wire.borrower),
            history=() if wire.history is UNSET else _history(wire.history),
            locale=_or(wire.locale, "en"),
            digest=digest_,
        )
    except (ValueError, OverflowError) as exc:  # OverflowError: 9999-12-31T23:00-05:00 in UTC
        raise _Impossible(str(exc)) from None


def _maybe(text: str | UnsetType | None) -> datetime | None:
    return None if text is None or text is UNSET else instant(text)


def _attempt(a: WireAttempt) -> Attempt:
    return Attempt(
        channel=a.channel,
        party=a.party,
        purpose=a.purpose,
        debts=a.debts,
        collector=a.collector,
        to=_or(a.to, None),
        content=_or(a.content, None),
        public_place=_or(a.public_place, False),
        visit=None if a.visit is UNSET else _visit(a.visit),
    )


def _visit(v: WireVisit) -> Visit:
    agents = tuple(
        Agent(g.id, _or(g.certified, True), _or(g.id_shown, True)) for g in _or(v.agents, ())
    )
    return Visit(
        agents=agents,
        notice_sent_at=_maybe(v.notice_sent_at),
        approved=_or(v.approved, False),
        address_matches_approved=_or(v.address_matches_approved, True),
        recording=_or(v.recording, True),
        enter_home=_or(v.enter_home, False),
        occupant_consent_to_enter=_or(v.occupant_consent_to_enter, False),
        collect_cash_or_card=_or(v.collect_cash_or_card, False),
    )


_ALL_WEEKDAYS = frozenset(range(1, 8))


def _borrower(b: WireBorrower) -> Borrower:
    for name in b.timezones:
        if _known_zone(name) is not None:
            raise ValueError(name)
    consents = tuple(
        Consent(
            given_at=instant(c.given_at),
            channel=c.channel,
            window=None if c.window is UNSET else window(c.window),
            on_date=None if c.on_date is UNSET else day(c.on_date),
            given_directly_to=_or(c.given_directly_to, None),
        )
        for c in _or(b.consents, ())
    )
    inconvenient = tuple(
        Inconvenient(
            window=window(w.window),
            weekdays=_ALL_WEEKDAYS if w.weekdays is UNSET else frozenset(w.weekdays),
            said_at=_maybe(w.said_at),
        )
        for w in _or(b.inconvenient, ())
    )
    return Borrower(
        timezones=b.timezones,
        consents=consents,
        inconvenient=inconvenient,
        holds=frozenset(_or(b.holds, ())),
        opt_outs=tuple(
            OptOut(Channel(o.channel), normalise_address(o.address), _maybe(o.at))
            for o in _or(b.opt_outs, ())
        ),
        refused_third_parties=frozenset(map(normalise_address, _or(b.refused_third_parties, ()))),
        debts=tuple(map(_debt, _or(b.debts, ()))),
    )


@lru_cache(maxsize=256)
def _known_zone(name: str) -> str | None:
    """zone_problem, remembered: the same few zones come in every request."""
    return zone_problem(name)


def _debt(d: WireDebt) -> DebtState:
    return DebtState(
        id=d.id,
        dpd=_or(d.dpd, None),
        balance=None if d.balance is UNSET else Decimal(d.balance),
        currency=_or(d.currency, None),
        time_barred=_or(d.time_barred, False),
        validation_notice_sent_at=_maybe(d.validation_notice_sent_at),
        written_dispute_at=_maybe(d.written_dispute_at),
        verification_mailed_at=_maybe(d.verification_mailed_at),
    )


# The history is most of a request (fifty events in the benchmark's mix): its events are typed
# a column at a time, each step a C loop (map over attrgetter, dict lookups) rather than Python
# bytecode per event, and only those a rule reaches (WireHistory).
_AT, _DEBTS, _PARTY, _TO, _COLLECTOR, _CONSENT = map(
    attrgetter, ("at", "debts", "party", "to", "collector", "consent_given")
)
_CHANNEL, _DIRECTION, _OUTCOME = map(attrgetter, ("channel", "direction", "outcome"))
_NONE_FOR_UNSET: dict[Any, None] = {UNSET: None}
_DEBTS_OR_ALL: dict[Any, tuple[str, ...]] = {UNSET: ()}
_PARTY_OR_DEBTOR: dict[Any, Party] = {UNSET: Party.DEBTOR, **{p: p for p in Party}}
_CONSENT_OR_NOT: dict[Any, bool] = {UNSET: False, True: True, False: False}


def _history(events: tuple[WireEvent, ...]) -> WireHistory:
    """The history as the rules read it: every instant read and checked now (an impossible one
    refuses the request), each event typed — its instant moved to UTC — when a rule reaches it.
    """
    return WireHistory(events, instants(list(map(_AT, events))))


def typed_events(
    events: Sequence[WireEvent], times: Sequence[datetime]
) -> tuple[HistoryEvent, ...]:
    """The events typed a column at a time, each column a C loop: `times` are their instants
    (`instants`), each event's `at` the same instant in UTC."""
    times = list(map(datetime.astimezone, times, repeat(UTC)))
    to = list(map(_NONE_FOR_UNSET.get, map(_TO, events), map(_TO, events)))
    # An empty address is no address (None), as the slow reading has it.
    addresses = {a: normalise_address(a) if a else None for a in set(to)}
    debts = map(_DEBTS_OR_ALL.get, map(_DEBTS, events), map(_DEBTS, events))
    columns = (
        times,
        map(_CHANNEL, events),
        map(_DIRECTION, events),
        map(_OUTCOME, events),
        debts,
        map(_PARTY_OR_DEBTOR.__getitem__, map(_PARTY, events)),
        to,
        map(_NONE_FOR_UNSET.get, map(_COLLECTOR, events), map(_COLLECTOR, events)),
        map(_CONSENT_OR_NOT.__getitem__, map(_CONSENT, events)),
        map(addresses.__getitem__, to),
    )
    return tuple(map(tuple.__new__, repeat(HistoryEvent), zip(*columns, strict=True)))


def typed_history(events: tuple[WireEvent, ...]) -> tuple[HistoryEvent, ...]:
    """Every event typed at once: the reading before WireHistory, kept as the tests' oracle
    (the same decisions, byte for byte) and for callers that want a plain tuple."""
    return typed_events(events, instants(list(map(_AT, events))))


_CHUNK = 8  # events typed at a time by a scan: most scans stop within the first few
_FEW = 4  # up to this many events are typed one by one (`_event`), more a column at a time
_NEW_EVENT = tuple.__new__


def _event(e: WireEvent, at: datetime) -> HistoryEvent:
    """One event, typed as `typed_events` types it (a test holds the two equal)."""
    to = None if e.to is UNSET else e.to
    return _NEW_EVENT(
        HistoryEvent,
        (
            at.astimezone(UTC),
            e.channel,
            e.direction,
            e.outcome,
            () if e.debts is UNSET else e.debts,
            Party.DEBTOR if e.party is UNSET else e.party,
            to,
            None if e.collector is UNSET else e.collector,
            e.consent_given is True,
            normalise_address(to) if to else None,
        ),
    )


class WireHistory(Sequence[HistoryEvent]):
    """A request's history as decoded, typed event by event as the rules reach it.

    A request carries dozens of events, and most rules look at a window of a day or a week
    (found by bisection on `times`) or scan from one end and stop early: typing every event
    up front was most of a JSON request's cost. What is typed is remembered. Reading an
    event gives exactly what `typed_history` gives for it, so decisions do not change; the
    instants themselves are read and checked for the whole history before the request is
    accepted, as before. `times` keeps each instant in the offset it was written in: moving
    all of them to UTC cost more than reading them, and aware datetimes order and compare as
    instants whatever their offsets (so sorting and bisecting on them find what the same on
    UTC times finds); an event's `at`, which rules read and messages show, is in UTC.
    """

    __slots__ = ("_typed", "_wire", "times")

    def __init__(self, wire: Sequence[WireEvent], times: list[datetime]) -> None:
        self._wire = wire
        self.times = times
        self._typed: list[HistoryEvent | None] = [None] * len(times)

    def in_order(self) -> WireHistory:
        """The same events sorted by time, the stable way (equal instants keep their order)."""
        times = self.times
        order = sorted(range(len(times)), key=times.__getitem__)
        wire = self._wire
        return WireHistory([wire[i] for i in order], [times[i] for i in order])

    def head(self, count: int) -> WireHistory:
        """The first `count` events (those up to now, once sorted)."""
        if count >= len(self.times):
            return self
        return WireHistory(self._wire[:count], self.times[:count])

    def _type(self, start: int, stop: int) -> list[HistoryEvent]:
        typed = self._typed
        part = typed[start:stop]
        if None in part:
            wire, times = self._wire[start:stop], self.times[start:stop]
            # a column pass has a fixed cost of a dozen C loops: a few events go one by one
            part[:] = typed_events(wire, times) if stop - start > _FEW else map(_event, wire, times)
            typed[start:stop] = part
        return part  # type: ignore[return-value]  # no None left

    def __len__(self) -> int:
        return len(self.times)

    @overload
    def __getitem__(self, index: int) -> HistoryEvent: ...

    @overload
    def __getitem__(self, index: slice) -> list[HistoryEvent]: ...

    def __getitem__(self, index: int | slice) -> HistoryEvent | list[HistoryEvent]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self.times))
            if step != 1:
                return self._type(0, len(self.times))[index]
            return self._type(start, stop) if start < stop else []
        position = range(len(self.times))[index]  # IndexError as a list's
        return self._type(position, position + 1)[0]

    def __iter__(self) -> Iterator[HistoryEvent]:
        count = len(self.times)
        for start in range(0, count, _CHUNK):
            yield from self._type(start, min(start + _CHUNK, count))

    def __reversed__(self) -> Iterator[HistoryEvent]:
        for stop in range(len(self.times), 0, -_CHUNK):
            yield from reversed(self._type(max(0, stop - _CHUNK), stop))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, WireHistory | tuple):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"WireHistory({tuple(self)!r})"


# --- back to JSON (for requests built in code, and for round-trip tests) -----------------------


def request_to_dict(request: GateRequest) -> dict[str, Any]:
    """The JSON object of a typed request (defaults left out); read_object reads it back."""
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
