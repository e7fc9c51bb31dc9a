"""What a field visit records (services/ports/field_media.py): one row per audio chunk, photo,
signature or report, the bytes in the evidence store. Instants are ISO 8601 UTC strings."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint

from fairdebt.adapters.db.tables import metadata

visit_media = Table(
    "visit_media",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("visit_id", String(64), ForeignKey("visits.id"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("ref", String(80), nullable=False),
    Column("size", Integer, nullable=False),
    Column("media_type", String(100), nullable=False),
    Column("recorded_at", String(40), nullable=False),
    Column("recorded_by", String(64), nullable=False),
    Column("detail", Text, nullable=False),  # JSON object
    UniqueConstraint("visit_id", "kind", "seq", name="uq_visit_media_visit_id_kind_seq"),
)
