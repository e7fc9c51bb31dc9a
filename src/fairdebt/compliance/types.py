"""The gate's request and decision as typed values (docs/gate.md).

The words are those of gate-request.schema.json. `Party` and `Hold` are the domain's own enums
(fairdebt.domain.contact / fairdebt.domain.case), so a case's parties and holds go to the gate
unchanged. History events are NamedTuples rather than frozen dataclasses: a request carries
dozens of them and the gate must build them at tens of thousands of requests a second; a
NamedTuple is just as immutable and several times cheaper to build. orjson (a library of pure
functions, no I/O) encodes a decision's JSON bytes for the API.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any, NamedTuple

import orjson

from fairdebt.domain.case import Hold
from fairdebt.domain.contact import LIABLE_PARTIES, Party

__all__ = [
    "LIABLE_PARTIES",
    "Agent",
    "Attempt",
    "Borrower",
    "Channel",
    "Consent",
    "DebtState",
    "Decision",
    "Direction",
    "FiredRule",
    "GateRequest",
    "HistoryEvent",
    "Hold",
    "Inconvenient",
    "OptOut",
    "Outcome",
    "Party",
    "Purpose",
    "Severity",
    "Verdict",
    "Visit",
]


class Channel(StrEnum):
    CALL = "call"
    SMS = "sms"
    EMAIL = "email"
    LETTER = "letter"
    VISIT = "visit"
    VOICEMAIL = "voicemail"


class Purpose(StrEnum):
    COLLECT = "collect"
    REMIND = "remind"
    LOCATE = "locate"  # ask a third party for the debtor's contact details
    RELAY = "relay"  # ask a third party to pass on a call-back request
    RESPOND = "respond"  # answer the borrower's own contact
    LEGAL_NOTICE = "legal_notice"


class Direction(StrEnum):
    OUT = "out"
    IN = "in"


class Outcome(StrEnum):
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    NOT_IN_SERVICE = "not_in_service"
    VOICEMAIL = "voicemail"
    CONVERSATION = "conversation"
    DELIVERED = "delivered"
    FAILED = "failed"
    REFUSED_CONTACT = "refused_contact"


class Severity(StrEnum):
    DENY = "deny"
    REVIEW = "review"
    INFO = "info"


class Verdict(StrEnum):
    ALLOW = "allow"
    DENY = "deny"
    REVIEW = "review"


@dataclass(frozen=True, slots=True)
class Agent:
    id: str
    certified: bool = True
    id_shown: bool = True


@dataclass(frozen=True, slots=True)
class Visit:
    """A field visit's facts; the defaults are the schema's (an unapproved, empty visit)."""

    agents: tuple[Agent, ...] = ()
    notice_sent_at: datetime | None = None
    approved: bool = False
    address_matches_approved: bool = True
    recording: bool = True
    enter_home: bool = False
    occupant_consent_to_enter: bool = False
    collect_cash_or_card: bool = False


@dataclass(frozen=True, slots=True)
class Attempt:
    channel: Channel
    party: Party
    purpose: Purpose
    debts: tuple[str, ...]
    collector: str
    to: str | None = None
    content: str | None = None
    public_place: bool = False
    visit: Visit | None = None

    @property
    def address(self) -> str | None:
        return normalise_address(self.to) if self.to is not None else None


@dataclass(frozen=True, slots=True)
class Consent:
    """The borrower agreed to be contacted on `channel` (in `window`, on `on_date`)."""

    given_at: datetime
    channel: Channel
    window: tuple[int, int] | None = None  # seconds of the local day, [start, end)
    on_date: date | None = None
    given_directly_to: str | None = None


@dataclass(frozen=True, slots=True)
class Inconvenient:
    """A window the borrower named as inconvenient (weekdays 1 = Monday … 7 = Sunday)."""

    window: tuple[int, int]
    weekdays: frozenset[int] = frozenset(range(1, 8))
    said_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class OptOut:
    channel: Channel
    address: str  # normalised (see normalise_address)
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DebtState:
    id: str
    dpd: int | None = None
    balance: Decimal | None = None
    currency: str | None = None
    time_barred: bool = False
    validation_notice_sent_at: datetime | None = None
    written_dispute_at: datetime | None = None
    verification_mailed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Borrower:
    timezones: tuple[str, ...]
    consents: tuple[Consent, ...] = ()
    inconvenient: tuple[Inconvenient, ...] = ()
    holds: frozenset[Hold] = frozenset()
    opt_outs: tuple[OptOut, ...] = ()
    refused_third_parties: frozenset[str] = frozenset()  # normalised addresses
    debts: tuple[DebtState, ...] = ()


class HistoryEvent(NamedTuple):
    """An earlier contact. No `debts` means it concerned every debt; no `party`, the debtor."""

    at: datetime
    channel: Channel
    direction: Direction
    outcome: Outcome
    debts: tuple[str, ...] = ()
    party: Party = Party.DEBTOR
    to: str | None = None
    collector: str | None = None
    consent_given: bool = False
    address: str | None = None  # `to`, normalised; derived, not part of the request

    def concerns(self, debt: str) -> bool:
        return not self.debts or debt in self.debts


@dataclass(frozen=True, slots=True)
class GateRequest:
    """A whole request. `digest` is the SHA-256 of the request as received, when parsed."""

    pack: str
    now: datetime
    attempt: Attempt
    borrower: Borrower
    history: Sequence[HistoryEvent] = ()  # a tuple, or request.WireHistory when read from JSON
    locale: str = "en"
    digest: str = ""


@dataclass(frozen=True, slots=True)
class FiredRule:
    id: str
    citation: str
    severity: Severity
    message: str


@dataclass(frozen=True, slots=True)
class Decision:
    """The gate's answer (gate-decision.schema.json); log it before the contact is made."""

    decision: Verdict
    rules: tuple[FiredRule, ...]
    allowed_from: datetime | None
    pack: str
    digest: str

    def to_dict(self) -> dict[str, Any]:
        """The decision as a JSON-ready dict, exactly the shape of gate-decision.schema.json."""
        return {
            "decision": self.decision.value,
            "rules": [
                {
                    "id": r.id,
                    "citation": r.citation,
                    "severity": r.severity.value,
                    "message": r.message,
                }
                for r in self.rules
            ],
            "allowed_from": self.allowed_from.isoformat() if self.allowed_from else None,
            "pack": self.pack,
            "digest": self.digest,
        }

    def to_json(self) -> str:
        """The decision as JSON text (UTF-8 characters kept), the same bytes on every route."""
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    def to_json_bytes(self) -> bytes:
        """`to_json()` encoded as UTF-8, by orjson: the same bytes for every decision it can
        encode (no floats here: strings, null and lists), to_json's otherwise (a lone surrogate
        copied from a request's content into a message, which UTF-8 cannot carry)."""
        try:
            return orjson.dumps(self.to_dict())
        except orjson.JSONEncodeError:
            return self.to_json().encode("utf-8")  # raises, as it always has

    @property
    def id(self) -> str:
        """A stable id for the case event log: the SHA-256 of the decision's JSON."""
        return decision_id(self.to_dict())


def decision_id(as_dict: dict[str, Any]) -> str:
    """`Decision.id` from the decision's `to_dict()`, for a caller that has it already."""
    text = json.dumps(as_dict, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_ADDRESS_NOISE = str.maketrans("", "", " -().\t")


@lru_cache(maxsize=4096)  # the same few numbers recur in every event of a request
def normalise_address(address: str) -> str:
    """Compare addresses loosely: `+86 138-0000-0000` and `+8613800000000` are one number."""
    if "@" in address:
        return address.strip().lower()
    return address.translate(_ADDRESS_NOISE).lower()
