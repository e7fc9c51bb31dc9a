"""outbox: an index of the rows not yet final, in due order, and the claimer's lock key

Revision ID: 0022_outbox_open_index
Revises: 0021_seal_outbox
Create Date: 2026-12-08 00:00:00

Before it, a claim could not use an index (its condition is an OR of two statuses) and read
the whole table, sent rows included, then sorted what was due: a claim's cost grew with every
message ever sent. The partial index holds only `queued` and `sending` rows, by due time and
id, so a claim reads the head of the queue and stops at its limit.

claim_lock (nullable) names the lock a worker holds while it lives (adapters/db/presence): a
row claimed under it is taken over as soon as the worker's process is gone, not a lease later.
Existing rows have none, and are freed by their claim's expiry as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022_outbox_open_index"
down_revision = "0021_seal_outbox"
branch_labels = None
depends_on = None

OPEN = "status IN ('queued', 'sending')"  # frozen here: the table module may change


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(sa.Column("claim_lock", sa.Integer(), nullable=True))
    op.create_index(
        "ix_outbox_open_due",
        "outbox",
        ["due_at", "id"],
        unique=False,
        postgresql_where=sa.text(OPEN),
        sqlite_where=sa.text(OPEN),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_open_due", table_name="outbox")
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_column("claim_lock")
