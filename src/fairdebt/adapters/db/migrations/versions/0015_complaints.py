"""complaints: complaints and disputes with their deadlines, answers and holds

Revision ID: 0015_complaints
Revises: 0014_portal
Create Date: 2026-12-10 06:00:00

One new table (adapters/db/complaint_tables.py); nothing existing changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_complaints"
down_revision = "0014_portal"
branch_labels = None
depends_on = None

_INSTANTS = (
    "acknowledged_at",
    "answered_at",
    "hold_decided_at",
    "updated_at",
)


def upgrade() -> None:
    op.create_table(
        "complaints",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("about", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("hold", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("contact_seq", sa.Integer(), nullable=True),
        sa.Column("attachments", sa.Text(), nullable=False),
        sa.Column("filed_by", sa.String(length=64), nullable=False),
        sa.Column("on_behalf", sa.Boolean(), nullable=False),
        sa.Column("filed_at", sa.String(length=40), nullable=False),
        sa.Column("acknowledge_by", sa.String(length=40), nullable=False),
        sa.Column("answer_by", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("hold_state", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("assignee", sa.String(length=64), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=64), nullable=True),
        sa.Column("answered_by", sa.String(length=64), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("hold_reason", sa.Text(), nullable=True),
        sa.Column("hold_decided_by", sa.String(length=64), nullable=True),
        *(sa.Column(name, sa.String(length=40), nullable=True) for name in _INSTANTS),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_complaints_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
    )
    op.create_index("ix_complaints_case_id", "complaints", ["case_id"])
    op.create_index("ix_complaints_status_answer_by", "complaints", ["status", "answer_by"])


def downgrade() -> None:
    op.drop_index("ix_complaints_status_answer_by", table_name="complaints")
    op.drop_index("ix_complaints_case_id", table_name="complaints")
    op.drop_table("complaints")
