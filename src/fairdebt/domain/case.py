"""The collection case (催收案件): one borrower's delinquent accounts, worked as one.

Every change of a case is a method that returns the new case and the event it records, so the
log cannot be forgotten: the service appends the event in the same unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from fairdebt.domain.errors import DomainError
from fairdebt.domain.events import NewEvent


class CaseStatus(StrEnum):
    OPEN = "open"  # delinquent, worked in-house
    PLACED = "placed"  # placed with an agency (委外)
    ON_HOLD = "on_hold"  # 停催: at least one hold
    LEGAL = "legal"  # under litigation review
    CLOSED = "closed"  # paid, settled, written off


class Hold(StrEnum):
    """Reasons to stop collecting; the words of the gate's `borrower.holds`."""

    COMPLAINT = "complaint"
    DISPUTE = "dispute"
    HARDSHIP = "hardship"
    LEGAL = "legal"
    CEASE = "cease"
    REPRESENTED_BY_ATTORNEY = "represented_by_attorney"
    DECEASED = "deceased"
    BANKRUPTCY = "bankruptcy"


class AssigneeKind(StrEnum):
    COLLECTOR = "collector"
    AGENCY = "agency"


@dataclass(frozen=True, slots=True)
class Assignee:
    kind: AssigneeKind
    id: str


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    borrower_id: str
    account_ids: tuple[str, ...]
    opened_on: date
    status: CaseStatus = CaseStatus.OPEN
    assignee: Assignee | None = None
    holds: frozenset[Hold] = frozenset()

    @property
    def is_on_hold(self) -> bool:
        return bool(self.holds)

    def assign(self, assignee: Assignee, actor: str) -> tuple[Case, NewEvent]:
        if self.status is CaseStatus.CLOSED:
            raise DomainError(f"case {self.id} is closed")
        status = CaseStatus.PLACED if assignee.kind is AssigneeKind.AGENCY else self.status
        if status is CaseStatus.PLACED and self.is_on_hold:
            status = CaseStatus.ON_HOLD
        event = NewEvent(
            "case_assigned", actor, {"kind": assignee.kind.value, "assignee": assignee.id}
        )
        return replace(self, assignee=assignee, status=status), event

    def place_hold(self, hold: Hold, actor: str, reason: str = "") -> tuple[Case, NewEvent]:
        event = NewEvent("hold_placed", actor, {"hold": hold.value, "reason": reason})
        return replace(self, holds=self.holds | {hold}, status=CaseStatus.ON_HOLD), event

    def release_hold(self, hold: Hold, actor: str, reason: str = "") -> tuple[Case, NewEvent]:
        if hold not in self.holds:
            raise DomainError(f"case {self.id} has no {hold.value} hold")
        holds = self.holds - {hold}
        status = self.status
        if not holds:
            placed = self.assignee is not None and self.assignee.kind is AssigneeKind.AGENCY
            status = CaseStatus.PLACED if placed else CaseStatus.OPEN
        event = NewEvent("hold_released", actor, {"hold": hold.value, "reason": reason})
        return replace(self, holds=holds, status=status), event

    def close(self, actor: str, reason: str) -> tuple[Case, NewEvent]:
        return replace(self, status=CaseStatus.CLOSED), NewEvent(
            "case_closed", actor, {"reason": reason}
        )
