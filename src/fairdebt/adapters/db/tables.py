"""SQLAlchemy 2 Core tables: the one schema, for SQLite and PostgreSQL alike.

Money is stored as integer minor units (`*_cents`) and rates as decimal text, because SQLite
has no exact decimal type. Tables keyed by a natural id are WITHOUT ROWID on SQLite: the rows
live in their primary-key B-tree, so a bulk load maintains one tree per table instead of two.
Alembic migrations in `migrations/` must produce exactly this metadata (a test compares them).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from fairdebt.adapters.db.crypto import Sealed

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

borrowers = Table(
    "borrowers",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    # Encrypted at rest (adapters/db/crypto.py); found by phone or e-mail via borrower_lookup.
    Column("national_id", Sealed("borrowers.national_id")),
    Column("phones", Sealed("borrowers.phones"), nullable=False, default=""),  # E.164, ";"
    Column("email", Sealed("borrowers.email")),
    Column("address", Sealed("borrowers.address")),
    Column("city", Text),
    Column("lat", Float),
    Column("lon", Float),
    Column("timezone", String(64), nullable=False),
    sqlite_with_rowid=False,
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("borrower_id", String(64), ForeignKey("borrowers.id"), nullable=False),
    Column("product", String(32), nullable=False),
    Column("lender", Text, nullable=False),
    Column("lender_type", String(32), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("principal_cents", BigInteger, nullable=False),
    Column("interest_rate", String(24), nullable=False),
    Column("penalty_rate", String(24), nullable=False),
    Column("fee_rate", String(24), nullable=False),
    Column("contract_date", Date, nullable=False),
    Column("disbursed_on", Date, nullable=False),
    sqlite_with_rowid=False,
)

Index("ix_accounts_borrower_product", accounts.c.borrower_id, accounts.c.product)

instalments = Table(
    "instalments",
    metadata,
    Column("account_id", String(64), ForeignKey("accounts.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("due_on", Date, nullable=False),
    Column("principal_cents", BigInteger, nullable=False),
    Column("interest_cents", BigInteger, nullable=False),
    Column("fee_cents", BigInteger, nullable=False),
    sqlite_with_rowid=False,
)

payments = Table(
    "payments",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("account_id", String(64), ForeignKey("accounts.id"), nullable=False, index=True),
    Column("paid_on", Date, nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("channel", String(32), nullable=False),
    Column("channel_ref", Text, nullable=False, default=""),
    sqlite_with_rowid=False,
)

cases = Table(
    "cases",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("borrower_id", String(64), ForeignKey("borrowers.id"), nullable=False, unique=True),
    Column("status", String(16), nullable=False),
    Column("assignee_kind", String(16)),
    Column("assignee_id", String(64)),
    Column("holds", Text, nullable=False, default=""),  # hold words joined by ","
    Column("opened_on", Date, nullable=False),
    # Denormalised from account_status by the last snapshot, so lists filter and page fast.
    Column("status_as_of", Date),
    Column("dpd", Integer, nullable=False, default=0),
    Column("bucket", String(8), nullable=False, default="M0"),
    Column("overdue_cents", BigInteger, nullable=False, default=0),
    Column("outstanding_cents", BigInteger, nullable=False, default=0),
    sqlite_with_rowid=False,
)
# Keyset paging of the console's case list: (bucket, dpd, id) leaves nothing to sort.
Index("ix_cases_bucket_dpd_id", cases.c.bucket, cases.c.dpd, cases.c.id)
Index(
    "ix_cases_assignee",
    cases.c.assignee_kind,
    cases.c.assignee_id,
    cases.c.bucket,
    cases.c.dpd,
    cases.c.id,
)

account_status = Table(
    "account_status",
    metadata,
    Column("account_id", String(64), ForeignKey("accounts.id"), primary_key=True),
    Column("as_of", Date, nullable=False),
    Column("dpd", Integer, nullable=False),
    Column("bucket", String(8), nullable=False),
    Column("overdue_cents", BigInteger, nullable=False),
    Column("outstanding_cents", BigInteger, nullable=False),
    Column("paid_cents", BigInteger, nullable=False),
    sqlite_with_rowid=False,
)

case_events = Table(
    "case_events",
    metadata,
    Column("case_id", String(64), ForeignKey("cases.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("at", String(40), nullable=False),  # ISO 8601 UTC, exactly as hashed
    Column("type", String(64), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("data", Text, nullable=False),  # canonical JSON, exactly as hashed
    Column("prev", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    sqlite_with_rowid=False,
)
Index("ix_case_events_type_at", case_events.c.type, case_events.c.at)

users = Table(
    "users",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", Text, nullable=False),
    Column("role", String(32), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("agency_id", String(64)),
    Column("borrower_id", String(64)),
    Column("disabled_at", String(40)),  # ISO 8601 UTC; set: no sign-in, no session
)

# Every sign-in attempt, kept for throttling (services.sign_ins) and as a security record.
sign_ins = Table(
    "sign_ins",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(40), nullable=False),  # ISO 8601 UTC: sorts as it reads
    Column("username", String(64), nullable=False),  # as typed, lower-cased: may name no user
    Column("client", String(64), nullable=False),  # the client's address
    Column("ok", Boolean, nullable=False),
)
Index("ix_sign_ins_username_at", sign_ins.c.username, sign_ins.c.at)
Index("ix_sign_ins_client_at", sign_ins.c.client, sign_ins.c.at)


# borrower_lookup and the engine event that keeps it in step with borrowers' phones and e-mail
# (imported last: both modules use the tables above).
from fairdebt.adapters.db import lookup_repos, lookup_tables  # noqa: E402, F401
