"""Fakes of the ports for imports and strategy runs."""

from __future__ import annotations


class FakeRecordRepositories:
    def setup(self) -> None:
        """Called by FakeUnitOfWork.__init__: create this group's fake repositories here."""
