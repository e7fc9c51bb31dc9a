"""Tables for repayment plans, promises to pay and payment reversals (docs/repayment.md).

On the one `metadata` of tables.py, so Alembic and the drift test see them. Money is integer
cents, as everywhere. What other parts may read:
- `promises.status` / `promises.decided_on`: the daily run (`services.promises`) writes the
  outcome of every promise; "broken promises in the last N days" of an account is
  `COUNT(*) WHERE status = 'broken' AND decided_on > as_of - N` (the index serves it), and
  `services.promises.broken_promise_counts` runs exactly that.
- A reversal is never an edit: it is a new `payments` row with the negative amount, linked to
  the payment it reverses by a `payment_reversals` row. Every SUM over `payments` (the snapshot,
  the strategy) therefore nets it out with no change.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from fairdebt.adapters.db.tables import metadata

repayment_plans = Table(
    "repayment_plans",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("case_id", String(64), ForeignKey("cases.id"), nullable=False),
    Column("account_id", String(64), ForeignKey("accounts.id"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    # pending_approval -> accepted | rejected; refused by policy; accepted -> superseded
    Column("status", String(24), nullable=False),
    Column("hardship", Boolean, nullable=False, default=False),
    Column("currency", String(3), nullable=False),
    Column("proposed_on", Date, nullable=False),
    Column("first_due", Date, nullable=False),
    Column("count", Integer, nullable=False),
    Column("every_months", Integer, nullable=False),
    Column("shift_months", Integer, nullable=False),
    Column("waive_interest_cents", BigInteger, nullable=False),
    Column("waive_fee_cents", BigInteger, nullable=False),
    Column("discount_cents", BigInteger, nullable=False),
    Column("owed_cents", BigInteger, nullable=False),  # the basis: owed when proposed
    Column("total_cents", BigInteger, nullable=False),  # what the plan asks for
    Column("decision", String(24), nullable=False),  # the policy's outcome
    Column("approver_role", String(32)),
    Column("reasons", Text, nullable=False, default=""),  # limits exceeded, joined by "; "
    Column("policy_version", String(64), nullable=False),
    Column("proposed_by", String(128), nullable=False),
    Column("decided_by", String(128)),
    Column("accepted_on", Date),
)

repayment_plan_lines = Table(
    "repayment_plan_lines",
    metadata,
    Column("plan_id", String(64), ForeignKey("repayment_plans.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("due_on", Date, nullable=False),
    Column("principal_cents", BigInteger, nullable=False),
    Column("interest_cents", BigInteger, nullable=False),
    Column("fee_cents", BigInteger, nullable=False),
)

promises = Table(
    "promises",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("case_id", String(64), ForeignKey("cases.id"), nullable=False),
    Column("account_id", String(64), ForeignKey("accounts.id"), nullable=False, index=True),
    Column("made_on", Date, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("status", String(16), nullable=False),  # open | kept | partly_kept | broken
    Column("paid_cents", BigInteger, nullable=False, default=0),
    Column("decided_on", Date),  # the as_of of the run that decided it
    Column("recorded_by", String(128), nullable=False),
)
Index("ix_promises_status_decided_on", promises.c.status, promises.c.decided_on)

payment_reversals = Table(
    "payment_reversals",
    metadata,
    Column("reversal_id", String(64), ForeignKey("payments.id"), primary_key=True),
    Column("payment_id", String(64), ForeignKey("payments.id"), nullable=False, unique=True),
    Column("reversed_on", Date, nullable=False),
    Column("reason", Text, nullable=False),
    Column("recorded_by", String(128), nullable=False),
)
