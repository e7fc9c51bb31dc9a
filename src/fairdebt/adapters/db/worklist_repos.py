"""The worklist repositories of SqlUnitOfWork: tasks, contact attempts, the case directory.

Claims and attempts are written with conditional statements whose row counts are checked, so two
workers (threads or processes, SQLite or PostgreSQL) cannot both take one task or both start a
contact for one gate decision.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Join, bindparam, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.any_of import any_of
from fairdebt.adapters.db.case_scope import scope_condition
from fairdebt.adapters.db.outbox_tables import outbox
from fairdebt.adapters.db.strategy_tables import strategy_plans, strategy_runs
from fairdebt.adapters.db.worklist_tables import contact_attempts, tasks
from fairdebt.domain.case import AssigneeKind
from fairdebt.errors import FairdebtError
from fairdebt.services.ports.worklist import (
    FOLLOW_UP_ACTIONS,
    WORKABLE,
    Attempt,
    CasePlanRow,
    ContactTask,
    DebtRow,
    Person,
    TaskFilter,
    TaskOutcome,
)
from fairdebt.services.worklist import ELIGIBILITIES, PLACEMENT

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def with_case_and_borrower() -> Join:
    """tasks ⋈ cases ⋈ borrowers: what a queue row and a contact both read."""
    c, b = t.cases.c, t.borrowers.c
    return tasks.join(t.cases, c.id == tasks.c.case_id).join(t.borrowers, b.id == c.borrower_id)


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
    ready = flt.ready_iso()
    if ready is not None:
        where.append(or_(k.not_before.is_(None), k.not_before <= ready))
    if flt.task_id is not None:
        where.append(k.id == flt.task_id)
    if flt.agency_id is not None:
        where += [c.assignee_kind == AssigneeKind.AGENCY.value, c.assignee_id == flt.agency_id]
    if flt.scope is not None:
        where.append(scope_condition(flt.scope))
    return where


class SqlTaskRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def contact_task(self, task_id: int) -> ContactTask | None:
        k, c, b = tasks.c, t.cases.c, t.borrowers.c
        query = (
            select(
                k.id, k.case_id, k.kind, k.template, k.status, k.dpd, k.as_of, c.borrower_id,
                c.assignee_kind, c.assignee_id, c.overdue_cents, b.name, b.phones, b.email,
                b.address, b.timezone,
            )
            .select_from(with_case_and_borrower())
            .where(k.id == task_id)
        )  # fmt: skip
        row = self.conn.execute(query).mappings().first()
        if row is None:
            return None
        a = t.accounts.c
        account = (
            self.conn.execute(
                select(a.id, a.lender, a.currency)
                .where(a.borrower_id == row["borrower_id"])
                .order_by(a.currency.desc(), a.id)  # USD sorts before CNY: the stricter pack
                .limit(1)
            ).first()
        )  # fmt: skip
        extra = (
            {"account_id": account.id, "lender": account.lender, "currency": account.currency}
            if account
            else {"account_id": "", "lender": "", "currency": ""}
        )
        return ContactTask(**dict(row), **extra)

    def claim(self, task_id: int, worker: str, now: datetime, until: datetime) -> bool:
        k = tasks.c
        free = or_(k.claimed_by.is_(None), k.claim_expires < _iso(now))
        result = self.conn.execute(
            update(tasks)
            .where(k.id == task_id, k.status.in_(WORKABLE), free)
            .values(claimed_by=worker, claim_expires=_iso(until))
        )
        return result.rowcount == 1  # 0: another worker holds it, or it is no longer workable

    def release(self, task_id: int, worker: str) -> None:
        self.conn.execute(
            update(tasks)
            .where(tasks.c.id == task_id, tasks.c.claimed_by == worker)
            .values(claimed_by=None, claim_expires=None)
        )

    def finish(self, task_id: int, worker: str | None, outcome: TaskOutcome) -> bool:
        values: dict[str, Any] = {
            "status": outcome.status,
            "note": outcome.note,
            "updated_at": _iso(outcome.at),
            "claimed_by": None,
            "claim_expires": None,
        }
        if outcome.decision_id is not None:
            values["decision_id"] = outcome.decision_id
        if outcome.due_on is not None:
            values["due_on"] = outcome.due_on
        if outcome.not_before is not None:
            values["not_before"] = _iso(outcome.not_before)
        where = [tasks.c.id == task_id, tasks.c.status.in_(WORKABLE)]
        if worker is not None:
            where.append(tasks.c.claimed_by == worker)
        return self.conn.execute(update(tasks).where(*where).values(**values)).rowcount == 1

    def settle(self, task_id: int, outcome: TaskOutcome) -> bool:
        values = {"status": outcome.status, "note": outcome.note, "updated_at": _iso(outcome.at)}
        if outcome.decision_id is not None:
            values["decision_id"] = outcome.decision_id
        statement = (
            update(tasks).where(tasks.c.id == task_id, tasks.c.status == "queued").values(**values)
        )
        return self.conn.execute(statement).rowcount == 1

    def listing(self, flt: TaskFilter, limit: int) -> list[dict[str, Any]]:
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
        return [dict(r) for r in self.conn.execute(query).mappings()]

    def count_by_kind(self, flt: TaskFilter) -> dict[str, int]:
        query = (
            select(tasks.c.kind, func.count())
            .select_from(tasks.join(t.cases, t.cases.c.id == tasks.c.case_id))
            .where(*_conditions(flt))
            .group_by(tasks.c.kind)
        )
        return {row[0]: row[1] for row in self.conn.execute(query)}

    def assignees(self, kind: str) -> list[str]:
        query = (
            select(tasks.c.assignee_id)
            .where(tasks.c.kind == kind, tasks.c.status.in_(WORKABLE))
            .where(tasks.c.assignee_id.is_not(None))
            .distinct()
            .order_by(tasks.c.assignee_id)
        )
        return [str(a) for a in self.conn.scalars(query)]

    def dispatched_cases(self, run_id: str) -> set[str]:
        return set(self.conn.scalars(select(tasks.c.case_id).where(tasks.c.run_id == run_id)))

    def add_many(self, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        try:
            with self.conn.begin_nested():  # PostgreSQL: the unit goes on after a refusal
                self.conn.execute(insert(tasks), [dict(r) for r in rows])
        except IntegrityError:
            raise FairdebtError(
                f"run {rows[0]['run_id']} was being dispatched by another process meanwhile",
                hint="dispatch again: what is already there is kept",
            ) from None

    def supersede(self, run_id: str, as_of: date, now: datetime) -> int:
        older = select(strategy_runs.c.id).where(
            strategy_runs.c.as_of <= as_of, strategy_runs.c.id != run_id
        )
        result = self.conn.execute(
            update(tasks)
            .where(tasks.c.run_id.in_(older), tasks.c.status.in_(WORKABLE))
            .where(tasks.c.action_no < FOLLOW_UP_ACTIONS)  # a borrower's call-back stays
            .values(status="superseded", note=f"superseded by run {run_id}", updated_at=_iso(now))
        )
        return int(result.rowcount or 0)

    def open_placements(self, run_id: str | None) -> list[tuple[int, str]]:
        query = select(tasks.c.id, tasks.c.case_id).where(
            tasks.c.kind == PLACEMENT, tasks.c.status == "open"
        )
        if run_id:
            query = query.where(tasks.c.run_id == run_id)
        rows = self.conn.execute(query.order_by(tasks.c.case_id, tasks.c.id))
        return [(r.id, r.case_id) for r in rows]

    def follow_placement(self, task_id: int, case_id: str, agency: str, now: datetime) -> None:
        self.conn.execute(
            update(tasks)
            .where(tasks.c.case_id == case_id, tasks.c.status.in_(WORKABLE))
            .values(
                assignee_kind=AssigneeKind.AGENCY.value, assignee_id=agency, updated_at=_iso(now)
            )
        )
        self.conn.execute(
            update(tasks)
            .where(tasks.c.id == task_id)
            .values(status="done", note=f"placed with {agency}", updated_at=_iso(now))
        )


def _attempt(row: Any) -> Attempt:
    return Attempt(
        decision_id=row.decision_id,
        case_id=row.case_id,
        task_id=row.task_id,
        channel=row.channel,
        status=row.status,
        started_at=_instant(row.started_at),
        outcome=row.outcome,
        provider_ref=row.provider_ref,
    )


class SqlAttemptRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def start(self, attempt: Attempt) -> bool:
        values = {
            "decision_id": attempt.decision_id,
            "case_id": attempt.case_id,
            "task_id": attempt.task_id,
            "channel": attempt.channel,
            "status": "sending",
            "started_at": _iso(attempt.started_at),
        }
        dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(contact_attempts)
            .values(**values)
            .on_conflict_do_nothing()
            .returning(contact_attempts.c.decision_id)
        )
        return self.conn.execute(statement).first() is not None  # None: the decision was used

    def start_many(self, attempts: Sequence[Attempt]) -> bool:
        if not attempts:
            return True
        rows = [
            {
                "decision_id": a.decision_id,
                "case_id": a.case_id,
                "task_id": a.task_id,
                "channel": a.channel,
                "status": "sending",
                "started_at": _iso(a.started_at),
            }
            for a in attempts
        ]
        dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(contact_attempts)
            .on_conflict_do_nothing()
            .returning(contact_attempts.c.decision_id)
        )
        # An executemany (SQLAlchemy's "insertmanyvalues": a few multi-row INSERTs with
        # RETURNING) compiles once and is cached; `.values(rows)` compiled anew for every batch.
        return len(self.conn.execute(statement, rows).all()) == len(rows)

    def complete_many(self, done: Sequence[tuple[str, str, str]], at: datetime) -> None:
        if not done:
            return
        c = contact_attempts.c
        statement = (
            update(contact_attempts)
            .where(c.decision_id == bindparam("_decision"))
            .values(
                status="done",
                outcome=bindparam("_outcome"),
                provider_ref=bindparam("_ref"),
                completed_at=_iso(at),
            )
        )
        rows = [{"_decision": d, "_outcome": o, "_ref": r} for d, o, r in done]
        self.conn.execute(statement, rows)

    def complete(self, decision_id: str, outcome: str, provider_ref: str, at: datetime) -> None:
        self.conn.execute(
            update(contact_attempts)
            .where(contact_attempts.c.decision_id == decision_id)
            .values(
                status="done", outcome=outcome, provider_ref=provider_ref, completed_at=_iso(at)
            )
        )

    def mark_unconfirmed(self, decision_id: str, at: datetime) -> None:
        self.conn.execute(
            update(contact_attempts)
            .where(contact_attempts.c.decision_id == decision_id)
            .values(status="unconfirmed", completed_at=_iso(at))
        )

    def unfinished(self, started_before: datetime) -> list[Attempt]:
        a = contact_attempts.c
        queued = select(outbox.c.id).where(outbox.c.decision_id == a.decision_id).exists()
        rows = self.conn.execute(
            select(contact_attempts)
            .where(
                a.status == "sending",
                a.started_at < _iso(started_before),
                a.channel != "call",  # a call is finished by the collector's recorded outcome
                ~queued,
            )
            .order_by(a.started_at, a.decision_id)
        )
        return [_attempt(r) for r in rows]

    def of_task(self, task_id: int) -> list[Attempt]:
        a = contact_attempts.c
        rows = self.conn.execute(
            select(contact_attempts).where(a.task_id == task_id).order_by(a.started_at)
        )
        return [_attempt(r) for r in rows]


_AT_ONCE = 500  # borrowers one query reads


class SqlCaseDirectory:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def person(self, borrower_id: str) -> Person:
        b = t.borrowers.c
        row = self.conn.execute(
            select(b.timezone, b.address, b.city, b.national_id, b.name).where(b.id == borrower_id)
        ).one()
        return Person(row.timezone, row.address, row.city, row.national_id, row.name)

    def persons(self, borrower_ids: Sequence[str]) -> dict[str, Person]:
        b = t.borrowers.c
        wanted = sorted(set(borrower_ids))
        found: dict[str, Person] = {}
        for start in range(0, len(wanted), _AT_ONCE):
            rows = self.conn.execute(
                select(b.id, b.timezone, b.address, b.city, b.national_id, b.name).where(
                    any_of(self.conn, b.id, wanted[start : start + _AT_ONCE])
                )
            )
            found.update(
                {r.id: Person(r.timezone, r.address, r.city, r.national_id, r.name) for r in rows}
            )
        return found

    def debts(self, borrower_id: str) -> list[DebtRow]:
        return self.debts_of([borrower_id])[borrower_id]

    def debts_of(self, borrower_ids: Sequence[str]) -> dict[str, list[DebtRow]]:
        a, s = t.accounts.c, t.account_status.c
        found: dict[str, list[DebtRow]] = {b: [] for b in borrower_ids}
        wanted = sorted(found)
        for start in range(0, len(wanted), _AT_ONCE):
            rows = self.conn.execute(
                select(a.borrower_id, a.id, a.currency, s.dpd, s.outstanding_cents)
                .join(t.account_status, s.account_id == a.id, isouter=True)
                .where(any_of(self.conn, a.borrower_id, wanted[start : start + _AT_ONCE]))
                .order_by(a.id)
            )
            for r in rows:
                found[r.borrower_id].append(DebtRow(r.id, r.currency, r.dpd, r.outstanding_cents))
        return found

    def disbursed_on(self, account_id: str) -> date | None:
        found = self.conn.scalar(
            select(t.accounts.c.disbursed_on).where(t.accounts.c.id == account_id)
        )
        return found if isinstance(found, date) else None

    def case_plans(self, run_id: str) -> Iterable[CasePlanRow]:
        p, c = strategy_plans.c, t.cases.c
        query = (
            select(
                c.id, c.status, c.holds, c.assignee_kind, c.assignee_id, p.treatment, p.dpd,
                p.agency_placement, p.field_visit, p.lawyers_letter, p.litigation_review,
            )
            .select_from(strategy_plans.join(t.cases, c.borrower_id == p.borrower_id))
            .where(p.run_id == run_id)
            .order_by(c.id, p.priority, p.dpd.desc(), p.account_id)
        )  # fmt: skip
        for row in self.conn.execute(query):
            yield CasePlanRow(
                case_id=row.id,
                case_status=row.status,
                holds=row.holds or "",
                assignee_kind=row.assignee_kind,
                assignee_id=row.assignee_id,
                treatment=row.treatment,
                dpd=row.dpd,
                eligible=frozenset(k for k in ELIGIBILITIES if getattr(row, k)),
            )

    def agency_loads(self, agencies: Sequence[str]) -> dict[str, int]:
        c = t.cases.c
        rows = self.conn.execute(
            select(c.assignee_id, func.count())
            .where(c.assignee_kind == AssigneeKind.AGENCY.value, c.assignee_id.in_(agencies))
            .group_by(c.assignee_id)
        )
        return dict.fromkeys(agencies, 0) | {r[0]: r[1] for r in rows}

    def agencies_with_users(self) -> list[str]:
        u = t.users.c
        found = self.conn.scalars(select(u.agency_id).where(u.agency_id.is_not(None)).distinct())
        return sorted(str(a) for a in found)


class SqlWorklistRepositories:
    """Mixed into SqlUnitOfWork: each property builds its repository on the unit's connection."""

    if TYPE_CHECKING:

        @property
        def conn(self) -> Connection: ...  # SqlUnitOfWork's

    @property
    def tasks(self) -> SqlTaskRepository:
        return SqlTaskRepository(self.conn)

    @property
    def attempts(self) -> SqlAttemptRepository:
        return SqlAttemptRepository(self.conn)

    @property
    def directory(self) -> SqlCaseDirectory:
        return SqlCaseDirectory(self.conn)
