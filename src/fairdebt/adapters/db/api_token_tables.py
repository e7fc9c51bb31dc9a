"""API tokens: one row per integration's token (services/api_tokens.py).

Only the token's SHA-256 is stored (`token_hash`), never the token; `prefix` is the token's
short public part, unique, by which a presented token is found. `scopes` is the sorted scope
list joined by spaces. Instants are ISO 8601 UTC strings, like every other instant in the schema.
"""

from __future__ import annotations

from sqlalchemy import Column, String, Table, Text

from fairdebt.adapters.db.tables import metadata

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("scopes", Text, nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("prefix", String(16), nullable=False, unique=True),
    Column("created_by", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("last_used_at", String(40)),
    Column("revoked_at", String(40)),
    Column("expires_at", String(40)),
)
