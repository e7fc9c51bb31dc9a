"""Fakes of the ports for users and sign-ins."""

from __future__ import annotations


class FakeIdentityRepositories:
    def setup(self) -> None:
        """Called by FakeUnitOfWork.__init__: create this group's fake repositories here."""
