"""The whole schema: every table module registered on the one MetaData."""

from __future__ import annotations

# Importing a table module registers its tables on `metadata`.
from fairdebt.adapters.db import (
    api_token_tables,
    checkpoint_tables,
    complaint_tables,
    field_media_tables,
    lookup_tables,
    outbox_tables,
    portal_tables,
    repayment_tables,
    second_factor_tables,
    session_tables,
    strategy_tables,
    template_tables,
    verify_tables,
    visit_tables,
    worklist_tables,
)
from fairdebt.adapters.db.tables import metadata

__all__ = [
    "api_token_tables",
    "checkpoint_tables",
    "complaint_tables",
    "field_media_tables",
    "lookup_tables",
    "metadata",
    "outbox_tables",
    "portal_tables",
    "repayment_tables",
    "second_factor_tables",
    "session_tables",
    "strategy_tables",
    "template_tables",
    "verify_tables",
    "visit_tables",
    "worklist_tables",
]
