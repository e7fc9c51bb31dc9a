"""Reading the worklist: a queue of tasks for a collector, an agency or everyone, and counts.

Queues sort most urgent first — priority, then DPD, then due day — which the
`ix_tasks_assignee_queue` index serves for one assignee's open tasks due by a day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Join, func, or_, select
from sqlalchemy.engine import Connection

from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.worklist_tables import tasks
from fairdebt.domain.case import AssigneeKind
from fairdebt.services.worklist import WORKABLE


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


def with_case_and_borrower() -> Join:
    """tasks ⋈ cases ⋈ borrowers: what a queue row and a contact both read."""
    c, b = t.cases.c, t.borrowers.c
    return tasks.join(t.cases, c.id == tasks.c.case_id).join(t.borrowers, b.id == c.borrower_id)


def list_tasks(conn: Connection, flt: TaskFilter, limit: int = 200) -> list[dict[str, Any]]:
    """Tasks with their case's bucket, balance and the borrower's first phone: most urgent
    first (priority, then DPD, then due day)."""
    k, c, b = tasks.c, t.cases.c, t.borrowers.c
    query = (
        select(
            k.id, k.case_id, k.kind, k.template, k.treatment, k.dpd, k.due_on, k.time_window,
            k.priority, k.status, k.assignee_kind, k.assignee_id, k.decision_id, k.note,
            k.run_id, k.not_before, c.bucket, c.overdue_cents, b.phones, b.name,
        )
        .select_from(with_case_and_borrower())
        .where(*_conditions(flt))
        .order_by(k.priority, k.dpd.desc(), k.due_on, k.id)
        .limit(limit)
    )  # fmt: skip
    return [dict(r) for r in conn.execute(query).mappings()]


def _conditions(flt: TaskFilter) -> list[Any]:
    k, c = tasks.c, t.cases.c
    where: list[Any] = []
    if flt.kinds:
        where.append(k.kind.in_(flt.kinds))
    if flt.statuses:
        where.append(k.status.in_(flt.statuses))
    if flt.assignee_kind:
        where.append(k.assignee_kind == flt.assignee_kind)
    if flt.assignee_id:
        where.append(k.assignee_id == flt.assignee_id)
    if flt.due_by:
        where.append(k.due_on <= flt.due_by)
    if flt.ready_at is not None:
        ready = flt.ready_at.astimezone(UTC).isoformat()
        where.append(or_(k.not_before.is_(None), k.not_before <= ready))
    if flt.task_id is not None:
        where.append(k.id == flt.task_id)
    if flt.agency_id is not None:
        where += [c.assignee_kind == AssigneeKind.AGENCY.value, c.assignee_id == flt.agency_id]
    return where


def count_by_kind(conn: Connection, flt: TaskFilter) -> dict[str, int]:
    """How many tasks match, per kind (the queue's candidate counts)."""
    query = (
        select(tasks.c.kind, func.count())
        .select_from(tasks.join(t.cases, t.cases.c.id == tasks.c.case_id))
        .where(*_conditions(flt))
        .group_by(tasks.c.kind)
    )
    return {row[0]: row[1] for row in conn.execute(query)}
