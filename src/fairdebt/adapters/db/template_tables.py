"""Message template versions (services.templates): one row per version of a template.

The packaged YAML files are version 1 of each template, stored on first use (services.templates
stores them); later versions are added as drafts and activated after the lint. Texts and lint
reports are JSON text (the same on SQLite and PostgreSQL); instants ISO 8601 UTC strings.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, String, Table, Text

from fairdebt.adapters.db.tables import metadata

message_templates = Table(
    "message_templates",
    metadata,
    Column("template_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("pack", String(32), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("party", String(24), nullable=False),
    Column("purpose", String(24), nullable=False),
    Column("time_barred", Boolean, nullable=False),
    Column("text", Text, nullable=False),  # JSON {language: Jinja2 source}
    Column("status", String(8), nullable=False),  # draft | active | retired
    Column("created_by", String(96), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("activated_by", String(96)),
    Column("activated_at", String(40)),
    Column("retired_by", String(96)),
    Column("retired_at", String(40)),
    Column("lint_report", Text),  # JSON list of problems found at activation ([] = clean)
)
# The worklist's question: the active templates of a pack for a channel.
Index(
    "ix_message_templates_pack_channel_status",
    message_templates.c.pack,
    message_templates.c.channel,
    message_templates.c.status,
)
