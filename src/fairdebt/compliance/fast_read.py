"""The gate request read fast: JSON text or object → typed request in one pass, when certain.

The reference reading is schema.validate_request (every error with its JSON pointer), then
request.parse_request. It walks every value twice, once to validate and once to type, and the
history — fifty events of up to nine fields — is most of a request. `read_fast` validates and
types the history in one loop written for the history item schema (HISTORY_ITEM), and checks
the rest with the compiled validator. It admits a *subset* of the valid requests and answers
None for anything else — an error, or a value it is not sure of — and the caller then takes
the reference path: every refusal, with its pointers and messages, is the reference's.

Left to the reference path: integers that are not plain signed 64-bit `int`s (JSON Schema
calls 5.0 an integer); and everything, if the packaged schema's history item is no longer
HISTORY_ITEM (a test says it is).

orjson (a library of pure functions: no I/O, nothing at import) parses a body and encodes the
canonical form for the digest. It is trusted only where it agrees with the standard library,
which stays the definition: a body orjson refuses, or whose value the fast reader does not
admit, is parsed again by json.loads; the canonical text is orjson's only for the values the
fast reader admits (exact dicts, lists, strings, 64-bit ints, booleans, null — no floats), on
which a Hypothesis test shows the two encoders give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from functools import cache
from typing import Any

import orjson

from fairdebt.compliance.request import build_request, canonical, parse_request
from fairdebt.compliance.schema import (
    _FULLMATCH_DATE_TIME,
    Check,
    compile_schema,
    load_schema,
    validate_request,
)
from fairdebt.compliance.types import (
    Channel,
    Direction,
    GateRequest,
    HistoryEvent,
    Outcome,
    Party,
    normalise_address,
)

_PARTY_NAMES = [p.value for p in Party]
_CHANNEL_NAMES = [c.value for c in Channel]
HISTORY_ITEM: dict[str, Any] = {  # the item schema `_events` implements, field by field
    "type": "object",
    "additionalProperties": False,
    "required": ["at", "channel", "direction", "outcome"],
    "properties": {
        "at": {"type": "string", "format": "date-time"},
        "channel": {"enum": _CHANNEL_NAMES},
        "direction": {"enum": [d.value for d in Direction]},
        "outcome": {"enum": [o.value for o in Outcome]},
        "debts": {"type": "array", "items": {"type": "string"}},
        "party": {"enum": _PARTY_NAMES},
        "to": {"type": "string"},
        "collector": {"type": "string"},
        "consent_given": {"type": "boolean", "default": False},
    },
}
_KEYS = frozenset(HISTORY_ITEM["properties"])
_CHANNELS = {c.value: c for c in Channel}
_DIRECTIONS = {d.value: d for d in Direction}
_OUTCOMES = {o.value: o for o in Outcome}
_PARTIES = {p.value: p for p in Party}
_MISSING: Any = object()


class NotJsonError(ValueError):
    """The body is not JSON; the message is json.loads's own."""


def canonical_json(request: dict[str, Any]) -> bytes:
    """request.canonical's bytes (the definition), by orjson for the values it admits."""
    try:
        return orjson.dumps(request, option=orjson.OPT_SORT_KEYS)
    except (orjson.JSONEncodeError, TypeError):  # e.g. a lone surrogate, a huge integer
        return canonical(request).encode("utf-8")


def fast_digest(request: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(request)).hexdigest()


def read_body(body: bytes | str) -> GateRequest:
    """The typed request of a JSON text. NotJsonError when it is not JSON; GateRequestError
    (every pointer) when it is not a gate request."""
    try:
        typed = read_fast(orjson.loads(body))
    except orjson.JSONDecodeError:
        typed = None
    if typed is not None:
        return typed
    try:
        raw = json.loads(body)  # the reference: what the API has always accepted as JSON
    except ValueError as exc:
        raise NotJsonError(str(exc)) from None
    validate_request(raw)
    return parse_request(raw)


def read_fast(raw: Any) -> GateRequest | None:
    """The typed request, with its digest, when `raw` is certainly a valid request of the
    kind described above; None otherwise (then validate_request and parse_request decide)."""
    if not history_schema_known() or type(raw) is not dict or not _rest_validator()(raw):
        return None
    history = raw.get("history", _MISSING)
    events = () if history is _MISSING else read_history(history)
    if events is None:
        return None
    return build_request(raw, lambda _raw: events, fast_digest)


@cache
def history_schema_known() -> bool:
    """Is the packaged schema's history item the one `_events` was written for?"""
    return bool(load_schema()["properties"]["history"] == {"type": "array", "items": HISTORY_ITEM})


@cache
def _rest_validator() -> Check:
    """The compiled validator of everything but the history's items (read by `_events`)."""
    schema = load_schema()
    rest = {**schema, "properties": {**schema["properties"], "history": {"type": "array"}}}
    return compile_schema(rest, strict_integers=True)


def read_history(raw: Any) -> tuple[HistoryEvent, ...] | None:
    """The typed events of a history array, or None unless every item is certainly valid."""
    if type(raw) is not list:
        return None
    try:
        return _events(raw)
    except (KeyError, TypeError, ValueError):  # not certainly valid: the reference decides
        return None


def _events(raw: list[Any]) -> tuple[HistoryEvent, ...]:
    # The hot loop of reading (fifty events per request): each field validated and typed at
    # once, names bound locally on purpose. An invalid enum value is a KeyError, a list where
    # a string belongs a TypeError, an impossible date a ValueError: read_history turns each
    # into None. Times are kept in UTC (see request._history).
    from_iso, utc, match, make = datetime.fromisoformat, UTC, _FULLMATCH_DATE_TIME, tuple.__new__
    keys, channels, directions, outcomes = _KEYS, _CHANNELS, _DIRECTIONS, _OUTCOMES
    seen: dict[Any, Any] = {}  # debt lists and addresses already checked, in this request
    events: list[HistoryEvent] = []
    for e in raw:
        if type(e) is not dict or not keys.issuperset(e):
            raise TypeError
        at = e["at"]
        if type(at) is not str or match(at) is None:
            raise ValueError
        try:
            when = from_iso(at)
        except ValueError:  # lower-case `t` or `z`, which RFC 3339 allows
            when = from_iso(at.upper())
        kind = (channels[e["channel"]], directions[e["direction"]], outcomes[e["outcome"]])
        rest = _optional(e, seen) if len(e) > 4 else _DEFAULTS  # 4: only the required ones
        events.append(make(HistoryEvent, (when.astimezone(utc), *kind, *rest)))
    return tuple(events)


_DEFAULTS = ((), Party.DEBTOR, None, None, False, None)  # debts … address, when none is given


def _optional(e: dict[str, Any], seen: dict[Any, Any]) -> tuple[Any, ...]:
    """An event's optional fields (debts, party, to, collector, consent_given) and address;
    TypeError or KeyError when one is not certainly valid."""
    get, missing = e.get, _MISSING
    debts, party, to = get("debts", missing), get("party", missing), get("to", missing)
    collector, consent = get("collector", missing), get("consent_given", False)
    if debts is missing:
        debts = ()
    elif type(debts) is list:
        key = ("debts", *debts)  # hashable only if every item is: else TypeError
        if key not in seen:
            if not all(type(d) is str for d in debts):
                raise TypeError
            seen[key] = tuple(debts)
        debts = seen[key]
    else:
        raise TypeError
    party = Party.DEBTOR if party is missing else _PARTIES[party]
    if consent is not True and consent is not False:
        raise TypeError
    address = None
    if to is missing:
        to = None
    elif type(to) is str:
        address = seen.get(to)
        if address is None:
            address = seen[to] = normalise_address(to)
    else:
        raise TypeError
    if collector is missing:
        collector = None
    elif type(collector) is not str:
        raise TypeError
    return (debts, party, to, collector, consent, address)
