"""Ports for users and sign-ins, portfolio imports, and strategy runs with their plans."""

from __future__ import annotations

from typing import Protocol


class RecordRepositories(Protocol):
    """The user, import and strategy repositories a unit of work holds."""
