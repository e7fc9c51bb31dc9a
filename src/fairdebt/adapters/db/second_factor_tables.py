"""The staff's second factor (services/second_factor.py): one factor per user, the sign-ins
waiting for a code, and what happened to the factors.

`sealed_secret` is the TOTP secret encrypted with a key derived from the deployment's secret
key; `recovery_hashes` is a JSON list of password hashes (one per unused recovery code); a
challenge's `id` is the SHA-256 of the token the browser holds. Instants are ISO 8601 UTC
strings, like every other instant in the schema.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text

from fairdebt.adapters.db.tables import metadata

second_factors = Table(
    "second_factors",
    metadata,
    Column("user_id", String(64), primary_key=True),
    Column("sealed_secret", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("enabled_at", String(40)),
    Column("last_step", BigInteger),
    Column("recovery_hashes", Text, nullable=False),
)

sign_in_challenges = Table(
    "sign_in_challenges",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("user_id", String(64), nullable=False),
    Column("purpose", String(16), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=False),
    Column("used_at", String(40)),
    Index("ix_sign_in_challenges_user_id", "user_id"),
)

factor_events = Table(
    "factor_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(40), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("client", String(64), nullable=False),
    Index("ix_factor_events_user_id_at", "user_id", "at"),
)
