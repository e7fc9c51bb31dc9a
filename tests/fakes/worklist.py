"""Fakes of the ports for contact tasks and what a contact reads of a case."""

from __future__ import annotations


class FakeWorklistRepositories:
    def setup(self) -> None:
        """Called by FakeUnitOfWork.__init__: create this group's fake repositories here."""
