"""web_sessions: the console's server-side sign-in sessions

Revision ID: 0012_sessions
Revises: 0011_api_tokens
Create Date: 2026-12-09 06:00:00

One new table (adapters/db/session_tables.py); nothing existing changes. Only each session
token's SHA-256 is stored. Sessions held in signed cookies before this revision carry no token
and simply end: everyone signs in once more.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_sessions"
down_revision = "0011_api_tokens"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("last_seen_at", sa.String(length=40), nullable=False),
        sa.Column("expires_at", sa.String(length=40), nullable=False),
        sa.Column("revoked_at", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
    )
    op.create_index("ix_web_sessions_user_id", "web_sessions", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_web_sessions_user_id", table_name="web_sessions")
    op.drop_table("web_sessions")
