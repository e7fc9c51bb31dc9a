"""Complaints and disputes (services.complaints): one row per complaint, its deadlines as they
were set when it was filed, its answer and what became of its hold.

Instants are ISO 8601 UTC strings, like every other instant in the schema; `attachments` is a
JSON list of evidence refs. `version` makes every change a compare-and-set.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from fairdebt.adapters.db.tables import metadata

complaints = Table(
    "complaints",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("case_id", String(64), ForeignKey("cases.id"), nullable=False),
    Column("about", String(16), nullable=False),  # debt | contact | visit
    Column("kind", String(24), nullable=False),  # amount | identity_theft | ... | other
    Column("hold", String(32), nullable=False),  # complaint | dispute
    Column("text", Text, nullable=False),
    Column("contact_seq", Integer),  # the case event it is about
    Column("attachments", Text, nullable=False, default="[]"),
    Column("filed_by", String(64), nullable=False),
    Column("on_behalf", Boolean, nullable=False),
    Column("filed_at", String(40), nullable=False),
    Column("acknowledge_by", String(40), nullable=False),
    Column("answer_by", String(40), nullable=False),
    Column("status", String(16), nullable=False),  # open | acknowledged | answered | closed
    Column("hold_state", String(16), nullable=False),  # held | kept | released
    Column("version", Integer, nullable=False),
    Column("assignee", String(64)),
    Column("acknowledged_at", String(40)),
    Column("acknowledged_by", String(64)),
    Column("answered_at", String(40)),
    Column("answered_by", String(64)),
    Column("answer", Text),
    Column("reply", Text),
    Column("hold_reason", Text),
    Column("hold_decided_at", String(40)),
    Column("hold_decided_by", String(64)),
    Column("updated_at", String(40)),
)
Index("ix_complaints_case_id", complaints.c.case_id)
Index("ix_complaints_status_answer_by", complaints.c.status, complaints.c.answer_by)
