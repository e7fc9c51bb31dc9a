"""Fakes of the ports for accounts, schedules, payments, plans and promises."""

from __future__ import annotations


class FakeRepaymentRepositories:
    def setup(self) -> None:
        """Called by FakeUnitOfWork.__init__: create this group's fake repositories here."""
