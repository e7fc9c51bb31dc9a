"""verify_attempts: the codes tried at /verify, to limit guessing per address and per prefix

Revision ID: 0016_verify_attempts
Revises: 0012_sessions
Create Date: 2026-12-10 06:00:00

One new table (adapters/db/verify_tables.py); nothing existing changes. No code is stored,
only its first four characters.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_verify_attempts"
down_revision = "0012_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verify_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=4), nullable=False),
        sa.Column("found", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verify_attempts")),
    )
    op.create_index("ix_verify_attempts_client_at", "verify_attempts", ["client", "at"])
    op.create_index("ix_verify_attempts_prefix_at", "verify_attempts", ["prefix", "at"])
    op.create_index("ix_verify_attempts_at", "verify_attempts", ["at"])


def downgrade() -> None:
    op.drop_index("ix_verify_attempts_at", table_name="verify_attempts")
    op.drop_index("ix_verify_attempts_prefix_at", table_name="verify_attempts")
    op.drop_index("ix_verify_attempts_client_at", table_name="verify_attempts")
    op.drop_table("verify_attempts")
