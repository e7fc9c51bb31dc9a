"""Ports for portfolio imports, and strategy runs with their plans and reports."""

from __future__ import annotations

from typing import Protocol


class RecordRepositories(Protocol):
    """The import and strategy repositories a unit of work holds."""
