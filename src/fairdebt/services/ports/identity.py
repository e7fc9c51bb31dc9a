"""Ports for console users and their sign-in attempts."""

from __future__ import annotations

from typing import Protocol


class IdentityRepositories(Protocol):
    """The user and sign-in repositories a unit of work holds."""
