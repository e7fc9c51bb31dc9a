"""The borrower portal's one-time codes and failed attempts (services/portal_codes.py).

Neither the code nor the phone number is stored: `code_hash` and `subject` are keyed hashes
(HMAC-SHA256 with the deployment's secret key), `challenge` the SHA-256 of the random token the
asking browser keeps. Instants are ISO 8601 UTC strings, like every other instant in the schema.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table

from fairdebt.adapters.db.tables import metadata

portal_codes = Table(
    "portal_codes",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("purpose", String(16), nullable=False),
    Column("subject", String(64), nullable=False),
    Column("challenge", String(64), nullable=False, unique=True),
    Column("code_hash", String(64), nullable=False),
    Column("borrower_id", String(64)),
    Column("created_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=False),
    Column("tries", Integer, nullable=False, default=0),
    Column("used_at", String(40)),
    Index("ix_portal_codes_subject", "purpose", "subject", "created_at"),
)

portal_attempts = Table(
    "portal_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(40), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("subject", String(64), nullable=False),
    Index("ix_portal_attempts_subject", "kind", "subject", "at"),
)
