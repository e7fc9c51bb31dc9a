"""Ports for complaints and disputes (投诉 / 异议), and the compliance desk's read side.

A complaint row keeps what the borrower said, what it is about (the debt, one contact, one
visit), the deadlines it was given when filed (so the borrower sees the same dates later, even
if the settings change), who works it, the answer, and what became of the hold it placed.
Every change is a compare-and-set on `version`: two officers answering at once cannot both win.

`DeskReads` is what the compliance desk lists besides complaints: tasks a person must decide
(status `review`), and the gate's logged decisions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from fairdebt.domain.events import CaseEvent

ABOUT = ("debt", "contact", "visit")
KINDS = ("amount", "identity_theft", "credit_record", "conduct", "other")
STATUSES = ("open", "acknowledged", "answered", "closed")
HOLD_STATES = ("held", "kept", "released")


@dataclass(frozen=True, slots=True)
class Complaint:
    id: str
    case_id: str
    about: str  # ABOUT
    kind: str  # KINDS
    hold: str  # the hold it placed: complaint | dispute
    text: str  # personal data: masked in lists for roles that do not reveal
    contact_seq: int | None  # the case event (a contact) it is about
    attachments: tuple[str, ...]  # evidence refs sha256:<hex>
    filed_by: str  # the user (borrower, or staff on the borrower's behalf)
    on_behalf: bool  # filed by staff for the borrower
    filed_at: datetime
    acknowledge_by: datetime
    answer_by: datetime
    status: str = "open"  # STATUSES
    hold_state: str = "held"  # HOLD_STATES
    version: int = 1
    assignee: str | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    answered_at: datetime | None = None
    answered_by: str | None = None
    answer: str | None = None
    reply: str | None = None  # what became of the answer's message (queued #n / not sent: ...)
    hold_reason: str | None = None
    hold_decided_at: datetime | None = None
    hold_decided_by: str | None = None
    updated_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status != "closed"


@dataclass(frozen=True, slots=True)
class ComplaintFilter:
    """Which complaints to list; None does not constrain. `filed_to` is exclusive."""

    open_only: bool = False
    case_id: str | None = None
    assignee: str | None = None
    filed_from: datetime | None = None
    filed_to: datetime | None = None


@dataclass(frozen=True, slots=True)
class ReplyTo:
    """Where an answer to the case's borrower goes, and the pack its currency asks for."""

    phone: str | None
    email: str | None
    currency: str


@dataclass(frozen=True, slots=True)
class DecisionFilter:
    """The gate decisions to search (`end` exclusive); collector and rule are exact."""

    case_id: str | None = None
    collector: str | None = None
    rule: str | None = None
    verdict: str | None = None
    start: datetime | None = None
    end: datetime | None = None


def decision_row(case_id: str, seq: int, at: str, data: dict[str, Any]) -> dict[str, Any]:
    """A gate_decision event's data as one flat row."""
    decision = data.get("decision") or {}
    attempt = data.get("attempt") or {}
    rules = [str(r.get("id", "")) for r in decision.get("rules") or [] if isinstance(r, dict)]
    return {
        "case_id": case_id,
        "seq": seq,
        "at": at,
        "verdict": str(decision.get("decision", "")),
        "rules": rules,
        "channel": attempt.get("channel", ""),
        "purpose": attempt.get("purpose", ""),
        "collector": attempt.get("collector", ""),
        "decision_id": data.get("decision_id", ""),
    }


class ComplaintRepository(Protocol):
    def add(self, complaint: Complaint) -> None:
        """Store a new complaint (its id is new: the service drew it at random)."""
        ...

    def get(self, complaint_id: str) -> Complaint | None: ...

    def update(self, complaint: Complaint) -> bool:
        """Write every field if the stored row's version is `complaint.version - 1`; False
        (nothing written) if someone changed it meanwhile."""
        ...

    def listing(self, flt: ComplaintFilter, limit: int) -> list[Complaint]:
        """Complaints filed in the window, the answer deadline soonest first, then by id."""
        ...

    def holding(self, case_id: str, hold: str) -> list[Complaint]:
        """The case's complaints whose hold of this kind still stands (held or kept)."""
        ...

    def reply_to(self, case_id: str) -> ReplyTo | None:
        """The case's borrower's first phone and e-mail, and the first account's currency."""
        ...


class DeskReads(Protocol):
    def reviews(self, limit: int) -> list[dict[str, Any]]:
        """Tasks in `review`, oldest first: id, case_id, kind, note, decision_id, updated_at."""
        ...

    def settle_review(self, task_id: int, status: str, note: str, at: datetime) -> str | None:
        """Move a task from `review` to `status` (open or refused) with `note`; its case id, or
        None if it is not in review (decided already)."""
        ...

    def decisions(self, flt: DecisionFilter, limit: int) -> list[dict[str, Any]]:
        """Logged gate decisions, newest first: case_id, seq, at, verdict, rules (ids),
        channel, purpose, collector, decision_id."""
        ...

    def alerts(self, types: tuple[str, ...], limit: int) -> list[CaseEvent]:
        """Case events of these types (impostor reports, money mentioned at a visit), newest
        first, across every case."""
        ...


class ComplaintRepositories(Protocol):
    """The complaint and desk repositories a unit of work holds."""

    @property
    def complaints(self) -> ComplaintRepository: ...

    @property
    def desk(self) -> DeskReads: ...
