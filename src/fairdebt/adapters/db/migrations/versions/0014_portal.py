"""portal_codes, portal_attempts: the borrower portal's one-time codes and failed checks

Revision ID: 0014_portal
Revises: 0013_visits
Create Date: 2026-12-10 09:00:00

Two new tables (adapters/db/portal_tables.py); nothing existing changes. Codes and phone
numbers are stored only as keyed hashes (services/portal_codes.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_portal"
down_revision = "0013_visits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_codes",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("challenge", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("expires_at", sa.String(length=40), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_codes")),
        sa.UniqueConstraint("challenge", name=op.f("uq_portal_codes_challenge")),
    )
    op.create_index("ix_portal_codes_subject", "portal_codes", ["purpose", "subject", "created_at"])
    op.create_table(
        "portal_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_attempts")),
    )
    op.create_index("ix_portal_attempts_subject", "portal_attempts", ["kind", "subject", "at"])


def downgrade() -> None:
    op.drop_index("ix_portal_attempts_subject", table_name="portal_attempts")
    op.drop_table("portal_attempts")
    op.drop_index("ix_portal_codes_subject", table_name="portal_codes")
    op.drop_table("portal_codes")
