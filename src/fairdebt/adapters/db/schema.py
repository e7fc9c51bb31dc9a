"""The whole schema: every table module registered on the one MetaData."""

from __future__ import annotations

import fairdebt.adapters.db.repayment_tables  # noqa: F401  (registers its tables)
import fairdebt.adapters.db.strategy_tables  # noqa: F401  (registers its tables)
from fairdebt.adapters.db.tables import metadata

__all__ = ["metadata"]
