"""Strategy runs and their action plans, on the one schema `metadata` of tables.py.

A run is one execution of `fairdebt strategy run` for an `as_of`; its plan has one row per
account. `strategy_current` points at the one current run of each as_of: its primary key makes
"already run" race-free, and `--replace` moves the pointer and marks the old run superseded in
the same transaction that writes the new plan. Plans keep account ids without a foreign key,
because a run may read a portfolio folder that was never imported.
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

strategy_runs = Table(
    "strategy_runs",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("as_of", Date, nullable=False),
    Column("status", String(16), nullable=False),  # current | superseded
    Column("strategy_name", Text, nullable=False),
    Column("strategy_sha256", String(64), nullable=False),
    Column("strategy_yaml", Text, nullable=False),  # exactly what decided this plan
    Column("backend", String(16), nullable=False),
    Column("source", Text, nullable=False),
    Column("accounts", Integer, nullable=False),
    Column("started_at", String(40), nullable=False),  # ISO 8601 UTC
    Column("finished_at", String(40), nullable=False),
    Column("timings", Text, nullable=False),  # JSON {stage: seconds}
    Column("supersedes", String(64)),
)
Index("ix_strategy_runs_as_of", strategy_runs.c.as_of)

strategy_current = Table(
    "strategy_current",
    metadata,
    Column("as_of", Date, primary_key=True),
    Column("run_id", String(64), ForeignKey("strategy_runs.id"), nullable=False),
)

strategy_plans = Table(
    "strategy_plans",
    metadata,
    Column("run_id", String(64), ForeignKey("strategy_runs.id"), primary_key=True),
    Column("account_id", String(64), primary_key=True),
    Column("borrower_id", String(64), nullable=False),
    Column("dpd", Integer, nullable=False),
    Column("bucket", String(8), nullable=False),
    Column("prev_bucket", String(8)),
    Column("roll", String(8), nullable=False),
    Column("overdue_cents", BigInteger, nullable=False),
    Column("outstanding_cents", BigInteger, nullable=False),
    Column("paid_cents", BigInteger, nullable=False),
    Column("collected_cents", BigInteger, nullable=False),  # paid since the previous run
    Column("complaints", Integer, nullable=False),
    Column("limitation", String(16), nullable=False),
    Column("score", Integer, nullable=False),
    Column("score_band", String(32), nullable=False),
    Column("segment", String(64), nullable=False),
    Column("arm_slot", Integer, nullable=False),
    Column("arm", String(32), nullable=False),
    Column("treatment", String(64), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("channels", Text, nullable=False),  # the treatment's action channels, in order
    Column("agency_placement", Boolean, nullable=False),
    Column("field_visit", Boolean, nullable=False),
    Column("lawyers_letter", Boolean, nullable=False),
    Column("litigation_review", Boolean, nullable=False),
)
Index("ix_strategy_plans_run_id_treatment", strategy_plans.c.run_id, strategy_plans.c.treatment)
