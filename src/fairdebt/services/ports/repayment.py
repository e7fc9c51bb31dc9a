"""Ports for accounts and their schedules, payments, repayment plans and promises to pay."""

from __future__ import annotations

from typing import Protocol


class RepaymentRepositories(Protocol):
    """The repayment repositories a unit of work holds."""
