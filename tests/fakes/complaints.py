"""Fake of the complaint port and the desk's reads (same semantics as adapters/db)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fairdebt.domain.events import CaseEvent
from fairdebt.services.ports.complaints import (
    Complaint,
    ComplaintFilter,
    DecisionFilter,
    ReplyTo,
    decision_row,
)
from fakes.cases import FakeEventLog


class FakeComplaintRepository:
    def __init__(self) -> None:
        self.rows: dict[str, Complaint] = {}
        self.addresses: dict[str, ReplyTo] = {}  # case id -> where answers go (tests set it)

    def add(self, complaint: Complaint) -> None:
        if complaint.id in self.rows:
            raise ValueError("complaint exists")  # the primary key
        self.rows[complaint.id] = complaint

    def get(self, complaint_id: str) -> Complaint | None:
        return self.rows.get(complaint_id)

    def update(self, complaint: Complaint) -> bool:
        stored = self.rows.get(complaint.id)
        if stored is None or stored.version != complaint.version - 1:
            return False
        self.rows[complaint.id] = complaint
        return True

    def listing(self, flt: ComplaintFilter, limit: int) -> list[Complaint]:
        found = [
            c
            for c in self.rows.values()
            if (not flt.open_only or c.is_open)
            and (flt.case_id is None or c.case_id == flt.case_id)
            and (flt.assignee is None or c.assignee == flt.assignee)
            and (flt.filed_from is None or c.filed_at >= flt.filed_from)
            and (flt.filed_to is None or c.filed_at < flt.filed_to)
        ]
        return sorted(found, key=lambda c: (c.answer_by, c.id))[:limit]

    def holding(self, case_id: str, hold: str) -> list[Complaint]:
        return sorted(
            (
                c
                for c in self.rows.values()
                if c.case_id == case_id and c.hold == hold and c.hold_state in ("held", "kept")
            ),
            key=lambda c: c.id,
        )

    def reply_to(self, case_id: str) -> ReplyTo | None:
        return self.addresses.get(case_id)


class FakeDeskReads:
    def __init__(self, events: FakeEventLog) -> None:
        self.events = events
        self.review_rows: dict[int, dict[str, Any]] = {}  # task id -> row with `status`

    def reviews(self, limit: int) -> list[dict[str, Any]]:
        rows = [r for r in self.review_rows.values() if r["status"] == "review"]
        return sorted(rows, key=lambda r: (r["updated_at"], r["id"]))[:limit]

    def settle_review(self, task_id: int, status: str, note: str, at: datetime) -> str | None:
        row = self.review_rows.get(task_id)
        if row is None or row["status"] != "review":
            return None
        self.review_rows[task_id] = row | {"status": status, "note": note, "updated_at": at}
        return str(row["case_id"])

    def decisions(self, flt: DecisionFilter, limit: int) -> list[dict[str, Any]]:
        rows = []
        for event in self.events.all_events():
            if event.type != "gate_decision":
                continue
            at = datetime.fromisoformat(event.at.replace("Z", "+00:00")).astimezone(UTC)
            if flt.case_id and event.case != flt.case_id:
                continue
            if (flt.start and at < flt.start) or (flt.end and at >= flt.end):
                continue
            row = decision_row(event.case, event.seq, event.at, dict(event.data))
            if flt.collector and row["collector"] != flt.collector:
                continue
            if flt.rule and flt.rule not in row["rules"]:
                continue
            if flt.verdict and row["verdict"] != flt.verdict:
                continue
            rows.append(row)
        return sorted(rows, key=lambda r: r["at"], reverse=True)[:limit]

    def alerts(self, types: tuple[str, ...], limit: int) -> list[CaseEvent]:
        found = [e for e in self.events.all_events() if e.type in types]
        return sorted(found, key=lambda e: (e.at, e.case, e.seq), reverse=True)[:limit]


class FakeComplaintRepositories:
    def setup(self) -> None:
        """Called by FakeUnitOfWork.__init__ after the case repositories' setup."""
        self.complaints = FakeComplaintRepository()
        self.desk = FakeDeskReads(self.events)  # type: ignore[attr-defined]
