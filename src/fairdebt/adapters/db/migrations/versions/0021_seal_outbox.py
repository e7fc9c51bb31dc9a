"""seal_outbox: the outbox's recipients, subjects and texts encrypted at rest

Revision ID: 0021_seal_outbox
Revises: 0020_totp
Create Date: 2026-12-07 21:00:00

`outbox.recipient`, `subject` and `body` (a phone, e-mail or postal address, and the message)
become sealed columns (adapters/db/crypto.py `Sealed`; the column type stays TEXT). Every
stored value is sealed in batches with the active key; a value already sealed (a re-run after a
partial one) is left as it is. Downgrade opens them again. The keys are the application's: the
key file is made on first use.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

from fairdebt.adapters.db.crypto import PREFIX, keyring

revision = "0021_seal_outbox"
down_revision = "0020_totp"
branch_labels = None
depends_on = None

BATCH = 2_000
SEALED = ("recipient", "subject", "body")

# The columns as stored: plain text, so this migration sees the bytes, not the decrypted values.
_raw = sa.table(
    "outbox",
    sa.column("id", sa.Integer()),
    *(sa.column(name, sa.Text()) for name in SEALED),
)


def upgrade() -> None:
    ring = keyring()
    _rewrite(lambda where, value: ring.seal(value, where), sealed=False)


def downgrade() -> None:
    ring = keyring()
    _rewrite(lambda where, value: ring.open(value, where), sealed=True)


def _rewrite(change: Callable[[str, str], str], *, sealed: bool) -> None:
    """Apply `change` to every non-empty value that is sealed (`sealed`) or is not, a batch at
    a time by id; a row with nothing to change is not written."""
    bind = op.get_bind()
    after = 0
    while True:
        rows = bind.execute(
            sa.select(_raw).where(_raw.c.id > after).order_by(_raw.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        updates = []
        for row in rows:
            values = {n: _changed(change, n, row._mapping[n], sealed) for n in SEALED}
            if values != {n: row._mapping[n] for n in SEALED}:
                updates.append({"row_id": row.id, **values})
        if updates:
            bind.execute(_raw.update().where(_raw.c.id == sa.bindparam("row_id")), updates)
        after = rows[-1].id


def _changed(change: Callable[[str, str], str], name: str, value: str, sealed: bool) -> str:
    if not value or value.startswith(PREFIX + ":") != sealed:
        return value
    return change(f"outbox.{name}", value)
