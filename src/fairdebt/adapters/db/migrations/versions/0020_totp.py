"""second_factors, sign_in_challenges, factor_events: the staff's TOTP second factor

Revision ID: 0020_totp
Revises: 0019_encrypt_personal
Create Date: 2026-12-07 15:00:00

Three new tables (adapters/db/second_factor_tables.py); nothing existing changes. Nobody has a
second factor after the upgrade; a role that requires one enrols at its next sign-in.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_totp"
down_revision = "0019_encrypt_personal"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "second_factors",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("sealed_secret", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("enabled_at", sa.String(length=40), nullable=True),
        sa.Column("last_step", sa.BigInteger(), nullable=True),
        sa.Column("recovery_hashes", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_second_factors")),
    )
    op.create_table(
        "sign_in_challenges",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("expires_at", sa.String(length=40), nullable=False),
        sa.Column("used_at", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_challenges")),
    )
    op.create_index("ix_sign_in_challenges_user_id", "sign_in_challenges", ["user_id"])
    op.create_table(
        "factor_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_factor_events")),
    )
    op.create_index("ix_factor_events_user_id_at", "factor_events", ["user_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_factor_events_user_id_at", table_name="factor_events")
    op.drop_table("factor_events")
    op.drop_index("ix_sign_in_challenges_user_id", table_name="sign_in_challenges")
    op.drop_table("sign_in_challenges")
    op.drop_table("second_factors")
