"""The case event log: append-only, hash-chained.

Each event's `hash` is the SHA-256 of the canonical JSON of the event (`seq`, `at`, `type`,
`case`, `actor`, `data`, `prev`); `prev` is the hash of the event before it in the same case
(64 zeros for the first). Changing any stored field of any event changes its hash and so breaks
the link to every later event, which `verify_chain` reports.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from json.encoder import encode_basestring
from typing import Any

GENESIS = "0" * 64


def _default(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()  # type: ignore[no-any-return]
    raise TypeError(f"not JSON-serialisable in an event: {type(value).__name__}")


def canonical_json(payload: Mapping[str, Any]) -> str:
    """Sorted keys, no spaces, UTF-8 text: the one byte form that is hashed."""
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
    )


def format_instant(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("event times must be aware datetimes")
    return at.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class NewEvent:
    """What a domain operation records; the log gives it seq, prev and hash."""

    type: str
    actor: str
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CaseEvent:
    case: str
    seq: int
    at: str
    type: str
    actor: str
    data: Mapping[str, Any]
    prev: str
    hash: str

    def body(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "type": self.type,
            "case": self.case,
            "actor": self.actor,
            "data": dict(self.data),
            "prev": self.prev,
        }

    def to_json_line(self) -> str:
        return canonical_json({**self.body(), "hash": self.hash})


def event_hash(body: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


_text = encode_basestring  # json.dumps(value, ensure_ascii=False) for a str, without the overhead


def seal(case: str, seq: int, prev: str, at: str, type: str, actor: str, data_json: str) -> str:
    """The hash of an event given its canonical data JSON.

    Assembles the canonical body text directly (keys in sorted order) instead of building and
    serialising a dict: bulk loads seal a million events, and this is the same byte string
    `canonical_json(body)` gives, which `verify_chain` recomputes the slow, obvious way.
    """
    body = (
        f'{{"actor":{_text(actor)},"at":{_text(at)},"case":{_text(case)},"data":{data_json},'
        f'"prev":{_text(prev)},"seq":{seq},"type":{_text(type)}}}'
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def chain(case: str, seq: int, prev: str, at: datetime, new: NewEvent) -> CaseEvent:
    """Seal `new` as event number `seq` of `case`, after the event whose hash is `prev`."""
    data_json = canonical_json(new.data)
    data = json.loads(data_json)  # the stored form, so re-hashing matches
    when = format_instant(at)
    digest = seal(case, seq, prev, when, new.type, new.actor, data_json)
    return CaseEvent(case, seq, when, new.type, new.actor, data, prev, digest)


@dataclass(frozen=True, slots=True)
class BrokenLink:
    case: str
    seq: int
    reason: str


def verify_chain(case: str, events: Iterable[CaseEvent]) -> BrokenLink | None:
    """Recompute a case's chain in seq order; return the first broken link, if any."""
    prev, expected_seq = GENESIS, 1
    for event in events:
        if event.seq != expected_seq:
            return BrokenLink(case, expected_seq, f"event {expected_seq} is missing")
        if event.prev != prev:
            return BrokenLink(case, event.seq, "prev does not match the hash of the event before")
        if event_hash(event.body()) != event.hash:
            return BrokenLink(case, event.seq, "content does not match its hash (edited)")
        prev, expected_seq = event.hash, expected_seq + 1
    return None
