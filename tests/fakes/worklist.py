"""Fakes of the worklist ports: tasks (with claims), contact attempts, the case directory."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from fairdebt.errors import FairdebtError
from fairdebt.services.access import CaseScope
from fairdebt.services.ports.worklist import (
    WORKABLE,
    Attempt,
    CasePlanRow,
    ContactTask,
    DebtRow,
    Person,
    TaskFilter,
    TaskOutcome,
)


class FakeTaskRepository:
    def __init__(self) -> None:
        self.rows: dict[int, ContactTask] = {}
        self.claims: dict[int, tuple[str, datetime]] = {}
        self.outcomes: dict[int, TaskOutcome] = {}
        self.runs: dict[int, str] = {}  # task id -> run id (listing says it; default "R1")
        self.added: list[dict[str, Any]] = []  # rows add_many stored (follow-up tasks)

    def contact_task(self, task_id: int) -> ContactTask | None:
        return self.rows.get(task_id)

    def claim(self, task_id: int, worker: str, now: datetime, until: datetime) -> bool:
        task = self.rows.get(task_id)
        held = self.claims.get(task_id)
        if task is None or task.status not in WORKABLE or (held and held[1] >= now):
            return False
        self.claims[task_id] = (worker, until)
        return True

    def release(self, task_id: int, worker: str) -> None:
        if self.claims.get(task_id, ("",))[0] == worker:
            del self.claims[task_id]

    def finish(self, task_id: int, worker: str | None, outcome: TaskOutcome) -> bool:
        task = self.rows.get(task_id)
        holder = self.claims.get(task_id, (None,))[0]
        if task is None or task.status not in WORKABLE or (worker and holder != worker):
            return False
        self.rows[task_id] = replace(task, status=outcome.status)
        self.outcomes[task_id] = outcome
        self.claims.pop(task_id, None)
        return True

    def settle(self, task_id: int, outcome: TaskOutcome) -> bool:
        task = self.rows.get(task_id)
        if task is None or task.status != "queued":
            return False
        self.rows[task_id] = replace(task, status=outcome.status)
        if outcome.decision_id is None and task_id in self.outcomes:  # as SQL: kept
            outcome = replace(outcome, decision_id=self.outcomes[task_id].decision_id)
        self.outcomes[task_id] = outcome
        return True

    def listing(self, flt: TaskFilter, limit: int) -> list[dict[str, Any]]:
        found = [
            vars_of(t) | {"run_id": self.runs.get(t.id, "R1"), "decision_id": self._decision(t.id)}
            for t in self.rows.values()
            if (not flt.kinds or t.kind in flt.kinds)
            and (not flt.statuses or t.status in flt.statuses)
            and (flt.task_id is None or t.id == flt.task_id)
            and (flt.scope is None or _in_scope(flt.scope, t))
        ]
        return found[:limit]

    def _decision(self, task_id: int) -> str | None:
        outcome = self.outcomes.get(task_id)
        return outcome.decision_id if outcome is not None else None

    def count_by_kind(self, flt: TaskFilter) -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in self.listing(flt, len(self.rows)):
            counts[row["kind"]] = counts.get(row["kind"], 0) + 1
        return counts

    def assignees(self, kind: str) -> list[str]:
        return sorted(
            {t.assignee_id for t in self.rows.values() if t.kind == kind and t.assignee_id}
        )

    def dispatched_cases(self, run_id: str) -> set[str]:
        return set()

    def add_many(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Keeps the rows (it does not make them ContactTasks); a repeated (run, case, action)
        is refused, as the unique index does."""
        keys = {(r["run_id"], r["case_id"], r["action_no"]) for r in self.added}
        for row in rows:
            if (row["run_id"], row["case_id"], row["action_no"]) in keys:
                raise FairdebtError(f"run {row['run_id']} was being dispatched meanwhile")
            self.added.append(dict(row))

    def supersede(self, run_id: str, as_of: date, now: datetime) -> int:
        return 0

    def open_placements(self, run_id: str | None) -> list[tuple[int, str]]:
        return []

    def follow_placement(self, task_id: int, case_id: str, agency: str, now: datetime) -> None:
        return None


def _in_scope(scope: CaseScope, task: ContactTask) -> bool:
    """The scope read on the task's case (a ContactTask carries the case's assignee)."""
    if scope.everything or task.case_id in scope.case_ids:
        return True
    who = scope.assignee
    return who is not None and (task.assignee_kind, task.assignee_id) == (who.kind.value, who.id)


def vars_of(task: ContactTask) -> dict[str, Any]:
    return {name: getattr(task, name) for name in task.__slots__}


class FakeAttemptRepository:
    def __init__(self) -> None:
        self.rows: dict[str, Attempt] = {}

    def start(self, attempt: Attempt) -> bool:
        if attempt.decision_id in self.rows:
            return False
        self.rows[attempt.decision_id] = replace(attempt, status="sending")
        return True

    def complete(self, decision_id: str, outcome: str, provider_ref: str, at: datetime) -> None:
        self.rows[decision_id] = replace(
            self.rows[decision_id], status="done", outcome=outcome, provider_ref=provider_ref
        )

    def mark_unconfirmed(self, decision_id: str, at: datetime) -> None:
        self.rows[decision_id] = replace(self.rows[decision_id], status="unconfirmed")

    def start_many(self, attempts: Sequence[Attempt]) -> bool:
        if any(a.decision_id in self.rows for a in attempts):
            return False
        return all(self.start(a) for a in attempts)

    def complete_many(self, done: Sequence[tuple[str, str, str]], at: datetime) -> None:
        for decision_id, outcome, provider_ref in done:
            self.complete(decision_id, outcome, provider_ref, at)

    def unfinished(self, started_before: datetime) -> list[Attempt]:
        return sorted(
            (
                a
                for a in self.rows.values()
                if a.status == "sending" and a.started_at < started_before and a.channel != "call"
            ),
            key=lambda a: a.started_at,
        )

    def of_task(self, task_id: int) -> list[Attempt]:
        return [a for a in self.rows.values() if a.task_id == task_id]


def _started(attempt: Attempt) -> datetime:
    return attempt.started_at


class FakeCaseDirectory:
    def __init__(self) -> None:
        self.people: dict[str, Person] = {}
        self.accounts: dict[str, list[DebtRow]] = {}

    def person(self, borrower_id: str) -> Person:
        return self.people[borrower_id]

    def debts(self, borrower_id: str) -> list[DebtRow]:
        return list(self.accounts.get(borrower_id, ()))

    def persons(self, borrower_ids: Sequence[str]) -> dict[str, Person]:
        return {b: self.people[b] for b in borrower_ids if b in self.people}

    def debts_of(self, borrower_ids: Sequence[str]) -> dict[str, list[DebtRow]]:
        return {b: self.debts(b) for b in borrower_ids}

    def disbursed_on(self, account_id: str) -> date | None:
        return None

    def case_plans(self, run_id: str) -> Iterable[CasePlanRow]:
        return ()

    def agency_loads(self, agencies: Sequence[str]) -> dict[str, int]:
        return dict.fromkeys(agencies, 0)

    def agencies_with_users(self) -> list[str]:
        return []


class FakeWorklistRepositories:
    def setup(self) -> None:
        """Called by FakeUnitOfWork.__init__: create this group's fake repositories here."""
        self.tasks = FakeTaskRepository()
        self.attempts = FakeAttemptRepository()
        self.directory = FakeCaseDirectory()
