"""verify_codes: the codes collectors read out, checked by borrowers at /verify

Revision ID: 0010_verify_codes
Revises: 0009_message_templates
Create Date: 2026-12-07 06:00:00

One new table (adapters/db/verify_tables.py); nothing existing changes. Only each code's
SHA-256 is stored.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_verify_codes"
down_revision = "0009_message_templates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verify_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("collector_name", sa.Text(), nullable=False),
        sa.Column("organisation", sa.Text(), nullable=False),
        sa.Column("in_house", sa.Boolean(), nullable=False),
        sa.Column("decision_id", sa.String(length=64), nullable=True),
        sa.Column("issued_at", sa.String(length=40), nullable=False),
        sa.Column("expires_at", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_verify_codes_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_verify_codes")),
    )
    with op.batch_alter_table("verify_codes", schema=None) as batch_op:
        batch_op.create_index("ix_verify_codes_case_id", ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("verify_codes", schema=None) as batch_op:
        batch_op.drop_index("ix_verify_codes_case_id")
    op.drop_table("verify_codes")
