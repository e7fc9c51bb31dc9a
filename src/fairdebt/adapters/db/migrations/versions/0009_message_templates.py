"""message_templates: versioned message templates, activated after the lint

Revision ID: 0009_message_templates
Revises: 0008_outbox
Create Date: 2026-12-08 10:00:00

One new table (adapters/db/template_tables.py); nothing existing changes. The table starts
empty: services.templates stores the packaged YAML files as version 1 the first time templates
are read, so a template file added by a later release needs no migration of its own.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_message_templates"
down_revision = "0008_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "message_templates",
        sa.Column("template_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("pack", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("party", sa.String(length=24), nullable=False),
        sa.Column("purpose", sa.String(length=24), nullable=False),
        sa.Column("time_barred", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_by", sa.String(length=96), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("activated_by", sa.String(length=96), nullable=True),
        sa.Column("activated_at", sa.String(length=40), nullable=True),
        sa.Column("retired_by", sa.String(length=96), nullable=True),
        sa.Column("retired_at", sa.String(length=40), nullable=True),
        sa.Column("lint_report", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("template_id", "version", name=op.f("pk_message_templates")),
    )
    with op.batch_alter_table("message_templates", schema=None) as batch_op:
        batch_op.create_index(
            "ix_message_templates_pack_channel_status",
            ["pack", "channel", "status"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("message_templates", schema=None) as batch_op:
        batch_op.drop_index("ix_message_templates_pack_channel_status")
    op.drop_table("message_templates")
