"""A clock that always says the same instant: the services' `clock` for tests that need one
moment (importable from any test directory, unlike a conftest)."""

from __future__ import annotations

from datetime import datetime


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now
