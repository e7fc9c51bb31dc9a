"""Ports for contact tasks (the worklist), contact attempts, and what a contact reads of a case.

- `TaskRepository`: the tasks a strategy run's plan dispatches, the queues that list them, and
  the claim a worker takes before it executes one (a conditional update: two workers cannot
  both hold it; a claim past its expiry may be taken over).
- `AttemptRepository`: one row per contact handed to a provider, keyed by the gate decision
  that allows it — written and committed before the provider is called, completed after.
- `CaseDirectory`: what the gate request and a message need to know of a case's borrower and
  accounts, and what dispatch and placement read of plans and agencies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # services.access imports the ports: only the type is needed here
    from fairdebt.services.access import CaseScope

WORKABLE = ("open", "deferred")  # what a newer plan supersedes and a runner may execute
# Action numbers from here on are call-backs the borrower asked for on a call (services.calls),
# not a plan's actions: a newer plan does not supersede them.
FOLLOW_UP_ACTIONS = 1000


@dataclass(frozen=True, slots=True)
class TaskFilter:
    """Which tasks to list; an empty tuple or None does not constrain."""

    kinds: tuple[str, ...] = ()
    statuses: tuple[str, ...] = WORKABLE
    assignee_kind: str | None = None
    assignee_id: str | None = None
    due_by: date | None = None
    agency_id: str | None = None  # only cases placed with this agency now (agency users)
    task_id: int | None = None
    ready_at: datetime | None = None  # leave out deferred tasks not allowed before a later time
    # Only tasks of the cases in this scope (services.access.visible_cases): who may see a
    # case now, not the assignee copied onto the task when the plan made it.
    scope: CaseScope | None = None

    def ready_iso(self) -> str | None:
        return self.ready_at.astimezone(UTC).isoformat() if self.ready_at is not None else None


@dataclass(frozen=True, slots=True)
class ContactTask:
    """A task with what a contact needs: the borrower's addresses, the case's placement and
    balance, and the account a message names (USD before CNY, then by id)."""

    id: int
    case_id: str
    kind: str
    template: str | None
    status: str
    dpd: int
    as_of: date
    borrower_id: str
    assignee_kind: str | None
    assignee_id: str | None
    overdue_cents: int | None
    name: str
    phones: str | None
    email: str | None
    address: str | None
    timezone: str
    account_id: str
    lender: str
    currency: str


@dataclass(frozen=True, slots=True)
class TaskOutcome:
    """What executing a task wrote on it."""

    status: str  # done | deferred | refused | review
    note: str
    at: datetime
    decision_id: str | None = None
    due_on: date | None = None
    not_before: datetime | None = None  # a deferral's allowed_from


@dataclass(frozen=True, slots=True)
class Person:
    """Where the borrower lives: the zone that sets their local time, and their address; and
    the name and ID number a letter to them states."""

    timezone: str
    address: str | None
    city: str | None
    national_id: str | None
    name: str = ""


@dataclass(frozen=True, slots=True)
class DebtRow:
    id: str
    currency: str
    dpd: int | None
    outstanding_cents: int | None


@dataclass(frozen=True, slots=True)
class CasePlanRow:
    """A plan row of a run joined with its case (dispatch merges them per case)."""

    case_id: str
    case_status: str
    holds: str
    assignee_kind: str | None
    assignee_id: str | None
    treatment: str
    dpd: int
    eligible: frozenset[str]


@dataclass(frozen=True, slots=True)
class Attempt:
    """A contact handed (or about to be handed) to a provider."""

    decision_id: str  # also the idempotency key the provider receives
    case_id: str
    task_id: int | None
    channel: str
    status: str  # sending | done | unconfirmed
    started_at: datetime
    outcome: str | None = None
    provider_ref: str | None = None


class TaskRepository(Protocol):
    def contact_task(self, task_id: int) -> ContactTask | None:
        """The task joined with its case, borrower and first account; None if no such task."""
        ...

    def claim(self, task_id: int, worker: str, now: datetime, until: datetime) -> bool:
        """Take the task for `worker` if it is workable and unclaimed (or its claim expired
        before `now`). True only for the one caller that got it."""
        ...

    def release(self, task_id: int, worker: str) -> None:
        """Give a claim back (the task stays as it was)."""
        ...

    def finish(self, task_id: int, worker: str | None, outcome: TaskOutcome) -> bool:
        """Write the outcome and drop the claim, if the task is still workable and (when
        `worker` is given) still claimed by that worker. False if someone else got there."""
        ...

    def settle(self, task_id: int, outcome: TaskOutcome) -> bool:
        """Write the final outcome of a `queued` task (its message left the outbox, or never
        will). False if the task is not queued."""
        ...

    def listing(self, flt: TaskFilter, limit: int) -> list[dict[str, Any]]:
        """Tasks with their case's bucket and balance, the borrower's phones and name: most
        urgent first (priority, then DPD, then due day, then id)."""
        ...

    def count_by_kind(self, flt: TaskFilter) -> dict[str, int]: ...

    def assignees(self, kind: str) -> list[str]:
        """Who has workable tasks of `kind` (a supervisor's filter)."""
        ...

    def dispatched_cases(self, run_id: str) -> set[str]: ...

    def add_many(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert tasks; a (run, case, action) that exists already raises FairdebtError."""
        ...

    def supersede(self, run_id: str, as_of: date, now: datetime) -> int:
        """Mark the workable tasks of every other run of `as_of` or earlier superseded."""
        ...

    def open_placements(self, run_id: str | None) -> list[tuple[int, str]]:
        """(task id, case id) of the open agency_placement tasks, by case then id."""
        ...

    def follow_placement(self, task_id: int, case_id: str, agency: str, now: datetime) -> None:
        """The placement task is done; the case's workable tasks are now the agency's."""
        ...


class AttemptRepository(Protocol):
    def start(self, attempt: Attempt) -> bool:
        """Record an attempt as `sending`. False (and nothing written) when its decision already
        has one: a decision allows one contact."""
        ...

    def complete(self, decision_id: str, outcome: str, provider_ref: str, at: datetime) -> None:
        """The provider answered: the attempt is done with that outcome."""
        ...

    def start_many(self, attempts: Sequence[Attempt]) -> bool:
        """`start` for many in one statement; False when any decision already has one (the
        caller rolls back: nothing is sent)."""
        ...

    def complete_many(self, done: Sequence[tuple[str, str, str]], at: datetime) -> None:
        """`complete` for many (decision id, outcome, provider reference) in one statement."""
        ...

    def mark_unconfirmed(self, decision_id: str, at: datetime) -> None:
        """Nobody can tell whether it went out: a person must find out."""
        ...

    def unfinished(self, started_before: datetime) -> list[Attempt]:
        """Attempts still `sending` that began before the instant, oldest first — but not those
        of outbox messages, which the outbox worker finishes itself (services.outbox), nor
        calls, which the collector finishes by recording the outcome (services.calls)."""
        ...

    def of_task(self, task_id: int) -> list[Attempt]:
        """Every attempt made for the task."""
        ...


class CaseDirectory(Protocol):
    def person(self, borrower_id: str) -> Person: ...

    def debts(self, borrower_id: str) -> list[DebtRow]:
        """The borrower's accounts with their current DPD and outstanding balance, by id."""
        ...

    def persons(self, borrower_ids: Sequence[str]) -> dict[str, Person]:
        """`person` of each borrower that exists, in one read."""
        ...

    def debts_of(self, borrower_ids: Sequence[str]) -> dict[str, list[DebtRow]]:
        """`debts` of each borrower, in one read (no account: [])."""
        ...

    def disbursed_on(self, account_id: str) -> date | None: ...

    def case_plans(self, run_id: str) -> Iterable[CasePlanRow]:
        """The run's plan rows with their cases, ordered by case, then most urgent first."""
        ...

    def agency_loads(self, agencies: Sequence[str]) -> dict[str, int]:
        """How many cases each agency holds now (0 for none)."""
        ...

    def agencies_with_users(self) -> list[str]: ...


class WorklistRepositories(Protocol):
    """The worklist repositories a unit of work holds."""

    @property
    def tasks(self) -> TaskRepository: ...

    @property
    def attempts(self) -> AttemptRepository: ...

    @property
    def directory(self) -> CaseDirectory: ...
