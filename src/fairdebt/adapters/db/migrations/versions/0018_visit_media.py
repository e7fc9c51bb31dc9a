"""visit_media: the field app's recordings, photos, signatures and reports of a visit

Revision ID: 0018_visit_media
Revises: 0017_checkpoints
Create Date: 2026-12-10 09:00:00

One new table (adapters/db/field_media_tables.py); nothing existing changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_visit_media"
down_revision = "0017_checkpoints"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "visit_media",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("visit_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=80), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.String(length=40), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visits.id"], name=op.f("fk_visit_media_visit_id_visits")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_media")),
        sa.UniqueConstraint("visit_id", "kind", "seq", name="uq_visit_media_visit_id_kind_seq"),
    )


def downgrade() -> None:
    op.drop_table("visit_media")
