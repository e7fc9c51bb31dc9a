"""Verify codes: a collector reads one out on a call; the borrower checks it at /verify.

Only the code's SHA-256 is stored (`code_hash`, the key), never the code itself. The row keeps
what the public page says, as it was when the code was issued: the collector's display name,
their organisation (the agency, or the lender for in-house work) and the case; instants are
ISO 8601 UTC strings, like every other instant in the schema.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from fairdebt.adapters.db.tables import metadata

verify_codes = Table(
    "verify_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("case_id", String(64), ForeignKey("cases.id"), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("collector_name", Text, nullable=False),
    Column("organisation", Text, nullable=False),
    Column("in_house", Boolean, nullable=False),
    Column("decision_id", String(64)),
    Column("visit_id", String(64)),  # a field visit's notice (services.visits)
    Column("issued_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=False),
)
Index("ix_verify_codes_case_id", verify_codes.c.case_id)

# Every code tried at /verify (services/verify.py `check`): when, from which client address,
# the code's first four characters (empty for text that cannot be a code) and whether a code
# was found. The failures within a window limit guessing per address and per prefix; the rows
# are also the record of who tried codes from where. No code is stored, only its prefix.
verify_attempts = Table(
    "verify_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(40), nullable=False),  # ISO 8601 UTC: sorts as it reads
    Column("client", String(64), nullable=False),
    Column("prefix", String(4), nullable=False),
    Column("found", Boolean, nullable=False),
)
Index("ix_verify_attempts_client_at", verify_attempts.c.client, verify_attempts.c.at)
Index("ix_verify_attempts_prefix_at", verify_attempts.c.prefix, verify_attempts.c.at)
Index("ix_verify_attempts_at", verify_attempts.c.at)
