"""The whole schema: every table module registered on the one MetaData."""

from __future__ import annotations

from fairdebt.adapters.db.tables import metadata

__all__ = ["metadata"]
