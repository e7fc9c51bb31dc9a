"""The outbox table (services.ports.outbox): one row per message the gate allowed, written in
the transaction that logged the decision, delivered by `fairdebt worker`.

The recipient (a phone, an e-mail or a postal address), the subject and the text are personal
data: they are stored sealed (crypto.Sealed, docs/security.md "Encryption at rest"), so no SQL
may compare or filter on them; the worker finds its rows by status, due time, key and id."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text, text

from fairdebt.adapters.db.crypto import Sealed
from fairdebt.adapters.db.tables import metadata
from fairdebt.services.ports.outbox import OPEN

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # The idempotency key every provider receives, the same on every try.
    Column("key", String(64), nullable=False, unique=True),
    Column("case_id", String(64), ForeignKey("cases.id"), nullable=False),
    Column("task_id", Integer, ForeignKey("tasks.id")),
    Column("channel", String(16), nullable=False),
    Column("party", String(24), nullable=False),
    Column("purpose", String(24), nullable=False),
    Column("collector", String(96), nullable=False),
    Column("actor", String(96), nullable=False),
    Column("pack", String(32), nullable=False),
    Column("recipient", Sealed("outbox.recipient"), nullable=False),
    Column("subject", Sealed("outbox.subject"), nullable=False),
    Column("body", Sealed("outbox.body"), nullable=False),
    Column("language", String(8), nullable=False),
    Column("document", String(48), nullable=False),  # a letter's kind; "" otherwise
    Column("status", String(16), nullable=False),
    Column("due_at", String(40), nullable=False),  # ISO 8601 UTC, like every instant here
    Column("tries", Integer, nullable=False),
    Column("decision_id", String(64), nullable=False),
    Column("evidence", String(80)),  # sha256:<hex> of the bytes handed over
    Column("media_type", String(64)),
    Column("provider_ref", Text),
    Column("outcome", String(24)),
    Column("last_error", Text),
    Column("claimed_by", String(96)),
    Column("claim_expires", String(40)),
    # The key of the lock its claimer holds while it lives (adapters/db/presence, PostgreSQL):
    # the row is taken over as soon as that lock is free. None: only claim_expires frees it.
    Column("claim_lock", Integer),
    Column("created_at", String(40), nullable=False),
    Column("finished_at", String(40)),
)
# The console's question: the rows of one status.
Index("ix_outbox_status_due", outbox.c.status, outbox.c.due_at)
# The worker's question: what is due now, oldest first. Only rows not yet final are in it, so a
# claim reads the head of the queue in order, however many sent rows the table has kept; the
# query names the same statuses literally (OPEN_STATUSES), or neither database would use it.
OPEN_STATUSES = "status IN (" + ", ".join(f"'{s}'" for s in OPEN) + ")"
Index(
    "ix_outbox_open_due",
    outbox.c.due_at,
    outbox.c.id,
    postgresql_where=text(OPEN_STATUSES),
    sqlite_where=text(OPEN_STATUSES),
)
Index("ix_outbox_case_id", outbox.c.case_id)
