"""users.disabled_at: a disabled user can neither sign in nor use a session

Revision ID: 0007_users_disabled
Revises: 0006_contact_claims
Create Date: 2026-11-25 10:00:00

One nullable column (ISO 8601 UTC, like sign_ins.at); existing users stay enabled.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_users_disabled"
down_revision = "0006_contact_claims"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("disabled_at", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("disabled_at")
