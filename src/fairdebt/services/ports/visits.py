"""Ports for field visits (上门催收 / 外访): certified field agents, their teams, the visits.

- `FieldAgent`: a FIELD_AGENT user's certificate (number, issuer, expiry) and the evidence
  reference of their photo; only an agent whose certificate is valid on the day may visit.
- `Team`: at least two agents who visit together, where they start from (base), how many visits
  a day they can make (capacity) and their working hours (local clock, "HH:MM").
- `Visit`: one visit of one case, made from the plan's `field_visit` task. Its status moves
  candidate → approved | rejected → scheduled → noticed → checked_in → checked_out → reported,
  or to cancelled. `VisitRepository.update` is conditional on the status the caller read, so
  two people acting on one visit cannot both move it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

STATUSES = (
    "candidate",
    "approved",
    "rejected",
    "scheduled",
    "noticed",
    "checked_in",
    "checked_out",
    "reported",
    "cancelled",
)
# Which status may follow which (services.visits moves a visit only along these).
NEXT: Mapping[str, frozenset[str]] = {
    "candidate": frozenset({"approved", "rejected", "cancelled"}),
    "approved": frozenset({"scheduled", "cancelled"}),
    "rejected": frozenset(),
    "scheduled": frozenset({"approved", "scheduled", "noticed", "cancelled"}),  # re-planned
    "noticed": frozenset({"checked_in", "cancelled"}),
    "checked_in": frozenset({"checked_out"}),
    "checked_out": frozenset({"reported"}),
    "reported": frozenset(),
    "cancelled": frozenset(),
}


@dataclass(frozen=True, slots=True)
class FieldAgent:
    """A field agent's certification (the user is a FIELD_AGENT user)."""

    user_id: str
    certificate_no: str
    issuer: str
    expires_on: date
    registered_at: datetime
    photo_ref: str | None = None  # `sha256:<hex>` in the evidence store

    def valid_on(self, day: date) -> bool:
        return day <= self.expires_on


@dataclass(frozen=True, slots=True)
class Team:
    """Agents who visit together; hours are local clock times "HH:MM" (start before end)."""

    id: str
    name: str
    members: tuple[str, ...]  # user ids of field agents
    base_lat: float
    base_lon: float
    base_label: str
    capacity: int  # visits a day
    hours_start: str
    hours_end: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Visit:
    """One field visit of a case (module docstring: its statuses)."""

    id: str
    case_id: str
    task_id: int | None
    status: str
    address: str  # the approved address: the only place the agents may check in
    city: str
    created_at: datetime
    updated_at: datetime
    reason: str | None = None  # why it was approved or rejected
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_id: str | None = None  # the gate decision at approval
    lat: float | None = None  # the approved address, geocoded
    lon: float | None = None
    visit_date: date | None = None
    team_id: str | None = None
    window_start: str | None = None  # local "HH:MM"
    window_end: str | None = None
    stop_order: int | None = None  # the team's n-th stop of the day, from 1
    notice_at: datetime | None = None
    checked_in_at: datetime | None = None
    check_in_lat: float | None = None
    check_in_lon: float | None = None
    check_in_distance_m: float | None = None
    checked_out_at: datetime | None = None
    outcome: str | None = None
    outcome_data: Mapping[str, Any] = field(default_factory=dict)


class FieldAgentRepository(Protocol):
    def add(self, agent: FieldAgent) -> None:
        """Store a new agent (FairdebtError when the user or the certificate number is taken)."""
        ...

    def get(self, user_id: str) -> FieldAgent | None: ...

    def all(self) -> list[FieldAgent]:
        """Every agent, by user id."""
        ...


class TeamRepository(Protocol):
    def add(self, team: Team) -> None:
        """Store a new team with its members (FairdebtError when the name is taken)."""
        ...

    def get(self, team_id: str) -> Team | None: ...

    def all(self) -> list[Team]:
        """Every team, by name."""
        ...


class VisitRepository(Protocol):
    def add(self, visit: Visit) -> bool:
        """Store a new visit; False (nothing written) when its id or its task has one already."""
        ...

    def get(self, visit_id: str) -> Visit | None: ...

    def update(self, visit: Visit, expected_status: str) -> bool:
        """Write every field of the visit (by id) if its stored status is still
        `expected_status`; False when someone moved it meanwhile."""
        ...

    def listing(
        self,
        statuses: tuple[str, ...] = (),
        visit_date: date | None = None,
        team_id: str | None = None,
        case_id: str | None = None,
    ) -> list[Visit]:
        """Visits matching every given filter (empty/None: any), by date, team, order, id."""
        ...

    def task_ids(self) -> set[int]:
        """The tasks some visit was made from."""
        ...


class VisitRepositories(Protocol):
    """The field-visit repositories a unit of work holds."""

    @property
    def field_agents(self) -> FieldAgentRepository: ...

    @property
    def teams(self) -> TeamRepository: ...

    @property
    def visits(self) -> VisitRepository: ...
