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
from functools import cache, partial
from itertools import repeat
from operator import itemgetter
from typing import Any

import orjson

from fairdebt.compliance.request import (
    build_request,
    canonical,
    digest,
    instant,
    parse_request,
)
from fairdebt.compliance.schema import (
    _FULLMATCH_DATE_TIME,
    Check,
    compile_schema,
    fast_validator,
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


class _Missing:
    """The type of a value an event does not give (its own type, so a set of types shows
    it apart from null)."""


_MISSING = _Missing()
_AT, _CHANNEL, _DIRECTION, _OUTCOME = map(itemgetter, ("at", "channel", "direction", "outcome"))
_NO_DEBTS: list[str] = []  # never changed: the default read for an event without debts
_OPTIONAL = (
    ("debts", _NO_DEBTS),
    ("party", _MISSING),
    ("to", _MISSING),
    ("collector", _MISSING),
    ("consent_given", False),
)
_DICT, _LIST, _BOOL, _STR = (frozenset({t}) for t in (dict, list, bool, str))
_STR_OR_MISSING = frozenset({str, _Missing})
_PARTY_OR_DEBTOR: dict[Any, Party] = {**_PARTIES, _MISSING: Party.DEBTOR}
_NONE_FOR_MISSING: dict[Any, None] = {_MISSING: None}
_MAKE = partial(tuple.__new__, HistoryEvent)


class NotJsonError(ValueError):
    """The body is not JSON; the message is json.loads's own."""


def canonical_json(request: dict[str, Any]) -> bytes:
    """request.canonical's bytes (the definition), by orjson for the values it admits."""
    try:
        return orjson.dumps(request, option=orjson.OPT_SORT_KEYS)
    except (orjson.JSONEncodeError, TypeError):  # e.g. a lone surrogate, a huge integer
        return canonical(request).encode("utf-8")


def fast_digest(request: dict[str, Any]) -> str:
    try:
        return hashlib.sha256(canonical_json(request)).hexdigest()
    except UnicodeEncodeError:  # no canonical bytes: request.digest says where, and refuses
        return digest(request)


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


def prepare_reading() -> None:
    """Build the validators now rather than at the first request (both are cached)."""
    history_schema_known()
    _rest_validator()
    fast_validator()


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
    """The history read a column at a time: each step runs over every event at C speed (map,
    itemgetter, set of types), which costs a fraction of a Python loop's bytecode per event.
    An invalid enum value is a KeyError, an unhashable one a TypeError, a wrong type or an
    impossible date a TypeError or ValueError: read_history turns each into None."""
    if not _DICT.issuperset(map(type, raw)) or not all(map(_KEYS.issuperset, raw)):
        raise TypeError
    columns = (
        _times(list(map(_AT, raw))),
        map(_CHANNELS.__getitem__, map(_CHANNEL, raw)),
        map(_DIRECTIONS.__getitem__, map(_DIRECTION, raw)),
        map(_OUTCOMES.__getitem__, map(_OUTCOME, raw)),
        *_optional(raw),
    )
    return tuple(map(_MAKE, zip(*columns, strict=True)))


def _times(texts: list[Any]) -> list[datetime]:
    """RFC 3339 date-times (schema.parse_instant's test) as aware datetimes in UTC: one tzinfo
    for all, so the rules compare them several times faster (see request._history)."""
    if not _STR.issuperset(map(type, texts)) or not all(map(_FULLMATCH_DATE_TIME, texts)):
        raise ValueError
    try:
        parsed = list(map(datetime.fromisoformat, texts))
    except ValueError:  # lower-case `t` or `z`, which RFC 3339 allows; or no such date
        parsed = list(map(instant, texts))
    return list(map(datetime.astimezone, parsed, repeat(UTC)))


def _optional(raw: list[Any]) -> tuple[list[Any], ...]:
    """The columns debts, party, to, collector, consent_given and the derived address."""
    debts, party, to, collector, consent = (
        list(map(dict.get, raw, repeat(name), repeat(default)))  # e.get(name, default), in C
        for name, default in _OPTIONAL
    )
    if not (
        _LIST.issuperset(map(type, debts))
        and _STR_OR_MISSING.issuperset(map(type, to))
        and _STR_OR_MISSING.issuperset(map(type, collector))
        and _BOOL.issuperset(map(type, consent))
    ):
        raise TypeError
    debt_tuples = list(map(tuple, debts))
    if not _STR.issuperset(type(d) for t in set(debt_tuples) for d in t):
        raise TypeError
    addresses: dict[Any, str | None] = {_MISSING: None}
    addresses.update((a, normalise_address(a)) for a in set(to) if a is not _MISSING)
    return (
        debt_tuples,
        list(map(_PARTY_OR_DEBTOR.__getitem__, party)),
        list(map(_NONE_FOR_MISSING.get, to, to)),
        list(map(_NONE_FOR_MISSING.get, collector, collector)),
        consent,
        list(map(addresses.__getitem__, to)),
    )
