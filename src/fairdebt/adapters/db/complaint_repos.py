"""The complaint repository and the compliance desk's reads, on SqlUnitOfWork's connection.

Changes to a complaint are compare-and-sets on its `version` (the row count is checked), so two
officers acting on one complaint at once cannot both win. The desk settles a `review` task with
a conditional update too: a task decided by someone else meanwhile is not decided twice.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.complaint_tables import complaints
from fairdebt.adapters.db.repositories import event_from_row
from fairdebt.adapters.db.worklist_tables import tasks
from fairdebt.domain.events import CaseEvent
from fairdebt.services.ports.complaints import (
    Complaint,
    ComplaintFilter,
    DecisionFilter,
    ReplyTo,
    decision_row,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Row

_INSTANTS = (
    "filed_at",
    "acknowledge_by",
    "answer_by",
    "acknowledged_at",
    "answered_at",
    "hold_decided_at",
    "updated_at",
)
DECISION_SCAN = 20_000  # decisions read at most per search (newest first) before filtering


def _iso(at: datetime | None) -> str | None:
    return at.astimezone(UTC).isoformat() if at is not None else None


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _values(c: Complaint) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": c.id,
        "case_id": c.case_id,
        "about": c.about,
        "kind": c.kind,
        "hold": c.hold,
        "text": c.text,
        "contact_seq": c.contact_seq,
        "attachments": json.dumps(list(c.attachments)),
        "filed_by": c.filed_by,
        "on_behalf": c.on_behalf,
        "status": c.status,
        "hold_state": c.hold_state,
        "version": c.version,
        "assignee": c.assignee,
        "acknowledged_by": c.acknowledged_by,
        "answered_by": c.answered_by,
        "answer": c.answer,
        "reply": c.reply,
        "hold_reason": c.hold_reason,
        "hold_decided_by": c.hold_decided_by,
    }
    return values | {name: _iso(getattr(c, name)) for name in _INSTANTS}


def _complaint(row: Row[Any]) -> Complaint:
    m = row._mapping
    instants = {name: _instant(m[name]) for name in _INSTANTS}
    return Complaint(
        id=m["id"],
        case_id=m["case_id"],
        about=m["about"],
        kind=m["kind"],
        hold=m["hold"],
        text=m["text"],
        contact_seq=m["contact_seq"],
        attachments=tuple(json.loads(m["attachments"] or "[]")),
        filed_by=m["filed_by"],
        on_behalf=bool(m["on_behalf"]),
        status=m["status"],
        hold_state=m["hold_state"],
        version=m["version"],
        assignee=m["assignee"],
        acknowledged_by=m["acknowledged_by"],
        answered_by=m["answered_by"],
        answer=m["answer"],
        reply=m["reply"],
        hold_reason=m["hold_reason"],
        hold_decided_by=m["hold_decided_by"],
        **instants,  # type: ignore[arg-type]
    )


class SqlComplaintRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, complaint: Complaint) -> None:
        self.conn.execute(insert(complaints).values(**_values(complaint)))

    def get(self, complaint_id: str) -> Complaint | None:
        row = self.conn.execute(select(complaints).where(complaints.c.id == complaint_id)).first()
        return _complaint(row) if row else None

    def update(self, complaint: Complaint) -> bool:
        values = _values(complaint)
        values.pop("id")
        statement = (
            update(complaints)
            .where(
                complaints.c.id == complaint.id,
                complaints.c.version == complaint.version - 1,
            )
            .values(**values)
        )
        return self.conn.execute(statement).rowcount == 1

    def listing(self, flt: ComplaintFilter, limit: int) -> list[Complaint]:
        c = complaints.c
        where: list[Any] = []
        if flt.open_only:
            where.append(c.status != "closed")
        if flt.case_id:
            where.append(c.case_id == flt.case_id)
        if flt.assignee:
            where.append(c.assignee == flt.assignee)
        if flt.filed_from is not None:
            where.append(c.filed_at >= _iso(flt.filed_from))
        if flt.filed_to is not None:
            where.append(c.filed_at < _iso(flt.filed_to))
        query = select(complaints).where(*where).order_by(c.answer_by, c.id).limit(limit)
        return [_complaint(r) for r in self.conn.execute(query)]

    def holding(self, case_id: str, hold: str) -> list[Complaint]:
        c = complaints.c
        query = select(complaints).where(
            c.case_id == case_id, c.hold == hold, c.hold_state.in_(("held", "kept"))
        )
        return [_complaint(r) for r in self.conn.execute(query.order_by(c.id))]

    def reply_to(self, case_id: str) -> ReplyTo | None:
        cs, b, a = t.cases.c, t.borrowers.c, t.accounts.c
        query = (
            select(b.phones, b.email, a.currency)
            .select_from(
                t.cases.join(t.borrowers, b.id == cs.borrower_id).outerjoin(
                    t.accounts, a.borrower_id == b.id
                )
            )
            .where(cs.id == case_id)
            .order_by(a.id)
            .limit(1)
        )
        row = self.conn.execute(query).first()
        if row is None:
            return None
        phone = next((p for p in (row.phones or "").split(";") if p.strip()), None)
        return ReplyTo(phone, row.email or None, row.currency or "CNY")


class SqlDeskReads:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def reviews(self, limit: int) -> list[dict[str, Any]]:
        k = tasks.c
        query = (
            select(k.id, k.case_id, k.kind, k.note, k.decision_id, k.updated_at, k.due_on)
            .where(k.status == "review")
            .order_by(k.updated_at, k.id)
            .limit(limit)
        )
        return [dict(r._mapping) for r in self.conn.execute(query)]

    def settle_review(self, task_id: int, status: str, note: str, at: datetime) -> str | None:
        k = tasks.c
        case_id = self.conn.execute(
            select(k.case_id).where(k.id == task_id, k.status == "review")
        ).scalar()
        if case_id is None:
            return None
        statement = (
            update(tasks)
            .where(k.id == task_id, k.status == "review")
            .values(status=status, note=note, updated_at=_iso(at), not_before=None)
        )
        return str(case_id) if self.conn.execute(statement).rowcount == 1 else None

    def decisions(self, flt: DecisionFilter, limit: int) -> list[dict[str, Any]]:
        e = t.case_events.c
        where: list[Any] = [e.type == "gate_decision"]
        if flt.case_id:
            where.append(e.case_id == flt.case_id)
        if flt.start is not None:
            where.append(e.at >= _event_instant(flt.start))
        if flt.end is not None:
            where.append(e.at < _event_instant(flt.end))
        query = (
            select(e.case_id, e.seq, e.at, e.data)
            .where(*where)
            .order_by(e.at.desc(), e.case_id, e.seq.desc())
            .limit(DECISION_SCAN)
        )
        found: list[dict[str, Any]] = []
        for row in self.conn.execute(query):
            shown = decision_row(row.case_id, row.seq, row.at, json.loads(row.data))
            if _wanted(shown, flt):
                found.append(shown)
                if len(found) >= limit:
                    break
        return found

    def alerts(self, types: tuple[str, ...], limit: int) -> list[CaseEvent]:
        e = t.case_events.c
        query = (
            select(t.case_events)
            .where(e.type.in_(types))
            .order_by(e.at.desc(), e.case_id, e.seq.desc())
            .limit(limit)
        )
        return [event_from_row(row) for row in self.conn.execute(query)]


def _event_instant(at: datetime) -> str:
    """The events table's own form of an instant (domain.events.format_instant)."""
    return at.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _wanted(row: dict[str, Any], flt: DecisionFilter) -> bool:
    if flt.collector and row["collector"] != flt.collector:
        return False
    if flt.rule and flt.rule not in row["rules"]:
        return False
    return not (flt.verdict and row["verdict"] != flt.verdict)


class SqlComplaintRepositories:
    """Mixed into SqlUnitOfWork: the repositories on the unit's connection."""

    if TYPE_CHECKING:

        @property
        def conn(self) -> Connection: ...  # SqlUnitOfWork's

    @property
    def complaints(self) -> SqlComplaintRepository:
        return SqlComplaintRepository(self.conn)

    @property
    def desk(self) -> SqlDeskReads:
        return SqlDeskReads(self.conn)
