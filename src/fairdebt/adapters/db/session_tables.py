"""Server-side console sessions: one row per sign-in (services/sessions.py).

`id` is the SHA-256 hex of the token the browser's cookie carries; the token itself is never
stored. Instants are ISO 8601 UTC strings, like every other instant in the schema.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, String, Table

from fairdebt.adapters.db.tables import metadata

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("user_id", String(64), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("last_seen_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=False),
    Column("revoked_at", String(40)),
    Index("ix_web_sessions_user_id", "user_id"),
)
