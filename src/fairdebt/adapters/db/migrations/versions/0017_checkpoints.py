"""audit_checkpoints, audit_checkpoint_heads: signed anchors of the case event log

Revision ID: 0017_checkpoints
Revises: 0016_verify_attempts
Create Date: 2026-12-10 06:00:00

Two new tables (adapters/db/checkpoint_tables.py); nothing existing changes. The event log
written before this revision is anchored by the first `fairdebt audit checkpoint`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_checkpoints"
down_revision = "0016_verify_attempts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_checkpoints",
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("prev", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_audit_checkpoints")),
    )
    op.create_table(
        "audit_checkpoint_heads",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("checkpoint", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "checkpoint", name=op.f("pk_audit_checkpoint_heads")),
    )


def downgrade() -> None:
    op.drop_table("audit_checkpoint_heads")
    op.drop_table("audit_checkpoints")
