"""The audit checkpoints (domain/anchor.py, services/anchor.py): the signed anchors of the case
event log, and per checkpoint the case heads that changed since the one before.

Append-only like the event log: no code path updates or deletes a row. Nothing here needs to be
trusted: every checkpoint is signed, chained to the one before, and its recorded heads must give
its signed Merkle root (`fairdebt audit verify` checks all three).
"""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table

from fairdebt.adapters.db.tables import metadata

audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("number", Integer, primary_key=True, autoincrement=False),
    Column("at", String(40), nullable=False),  # ISO 8601 UTC, exactly as signed
    Column("size", Integer, nullable=False),
    Column("root", String(64), nullable=False),
    Column("prev", String(64), nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("signature", String(128), nullable=False),
)

# No foreign keys on purpose: a row removed from either table must show in `audit verify`, not be
# blocked or cascaded away.
audit_checkpoint_heads = Table(
    "audit_checkpoint_heads",
    metadata,
    Column("case_id", String(64), primary_key=True),
    Column("checkpoint", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)
