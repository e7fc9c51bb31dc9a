"""Ports for contact tasks (the worklist) and what a contact needs to know of a case."""

from __future__ import annotations

from typing import Protocol


class WorklistRepositories(Protocol):
    """The worklist repositories a unit of work holds."""
