"""Fakes of the second-factor ports (dicts and a list, same semantics as the tables)."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from fairdebt.services.ports.second_factor import Challenge, FactorEvent, SecondFactor


class FakeSecondFactorRepository:
    def __init__(self) -> None:
        self.rows: dict[str, SecondFactor] = {}

    def get(self, user_id: str) -> SecondFactor | None:
        return self.rows.get(user_id)

    def put(self, factor: SecondFactor) -> None:
        self.rows[factor.user_id] = factor

    def remove(self, user_id: str) -> bool:
        return self.rows.pop(user_id, None) is not None

    def enable(self, user_id: str, at: datetime, step: int, recovery_hashes: list[str]) -> bool:
        found = self.rows.get(user_id)
        if found is None or found.enabled_at is not None:
            return False
        self.rows[user_id] = dataclasses.replace(
            found, enabled_at=at, last_step=step, recovery_hashes=tuple(recovery_hashes)
        )
        return True

    def use_step(self, user_id: str, step: int) -> bool:
        found = self.rows.get(user_id)
        if found is None or (found.last_step is not None and found.last_step >= step):
            return False
        self.rows[user_id] = dataclasses.replace(found, last_step=step)
        return True

    def use_recovery(self, user_id: str, was: tuple[str, ...], left: tuple[str, ...]) -> bool:
        found = self.rows.get(user_id)
        if found is None or found.recovery_hashes != was:
            return False
        self.rows[user_id] = dataclasses.replace(found, recovery_hashes=left)
        return True

    def enabled_users(self) -> set[str]:
        return {f.user_id for f in self.rows.values() if f.enabled_at is not None}


class FakeChallengeRepository:
    def __init__(self) -> None:
        self.rows: dict[str, Challenge] = {}

    def add(self, challenge: Challenge) -> None:
        if challenge.id in self.rows:
            raise ValueError("challenge exists")  # the primary key
        self.rows[challenge.id] = challenge

    def get(self, challenge_id: str) -> Challenge | None:
        return self.rows.get(challenge_id)

    def use(self, challenge_id: str, at: datetime) -> bool:
        found = self.rows.get(challenge_id)
        if found is None or found.used_at is not None:
            return False
        self.rows[challenge_id] = dataclasses.replace(found, used_at=at)
        return True

    def void_user(self, user_id: str, purpose: str, at: datetime) -> int:
        open_ones = [
            c
            for c in self.rows.values()
            if c.user_id == user_id and c.purpose == purpose and c.used_at is None
        ]
        for found in open_ones:
            self.rows[found.id] = dataclasses.replace(found, used_at=at)
        return len(open_ones)


class FakeFactorEventLog:
    def __init__(self) -> None:
        self.rows: list[FactorEvent] = []

    def add(self, event: FactorEvent) -> None:
        self.rows.append(event)

    def of_user(self, user_id: str) -> list[FactorEvent]:
        return sorted((e for e in self.rows if e.user_id == user_id), key=lambda e: e.at)


class FakeSecondFactorRepositories:
    def setup(self) -> None:
        """Called by FakeUnitOfWork.__init__: this group's fake repositories."""
        self.second_factors = FakeSecondFactorRepository()
        self.sign_in_challenges = FakeChallengeRepository()
        self.factor_events = FakeFactorEventLog()
