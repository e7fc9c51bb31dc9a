"""borrower_lookup: the blind index that finds a borrower by phone or e-mail.

Phones and e-mail are encrypted in `borrowers` (adapters/db/crypto.py), so SQL cannot compare
them; each number and address is kept here as a keyed digest (HMAC-SHA256 under the index key),
which answers "who holds this number?" without decrypting anything and without storing the
number itself.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, String, Table

from fairdebt.adapters.db.tables import metadata

borrower_lookup = Table(
    "borrower_lookup",
    metadata,
    Column("kind", String(8), primary_key=True),  # phone | email
    Column("digest", String(64), primary_key=True),
    Column("borrower_id", String(64), ForeignKey("borrowers.id"), primary_key=True),
    sqlite_with_rowid=False,
)

Index("ix_borrower_lookup_borrower_id", borrower_lookup.c.borrower_id)
