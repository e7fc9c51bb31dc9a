"""Port for the staff's second factor (TOTP, RFC 6238): each user's sealed secret and recovery
codes, the half-done sign-ins waiting for a code, and the record of what happened to them.

The secret is kept sealed (encrypted with a key derived from the deployment's secret key: the
table alone cannot make codes); recovery codes are kept as password hashes only. Instants are
aware datetimes. docs/security.md, "Second factor".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


@dataclass(frozen=True, slots=True)
class SecondFactor:
    """A user's second factor: pending until `enabled_at` (the user confirmed a code)."""

    user_id: str
    sealed_secret: str
    created_at: datetime
    enabled_at: datetime | None = None
    last_step: int | None = None  # the newest time step a code was accepted for (no replay)
    recovery_hashes: tuple[str, ...] = ()  # one password hash per unused recovery code

    @property
    def enabled(self) -> bool:
        return self.enabled_at is not None


@dataclass(frozen=True, slots=True)
class Challenge:
    """A password accepted, a code still due: no session yet. `id` is the SHA-256 of the token
    the browser holds; `purpose` is "code" (enter a code) or "enrol" (set up the factor first,
    the role requires one)."""

    id: str
    user_id: str
    purpose: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


class FactorEventKind(StrEnum):
    ENROLLED = "enrolled"
    DISABLED = "disabled"
    RESET = "reset"  # by an administrator (CLI)
    CODE_FAILED = "code_failed"
    RECOVERY_USED = "recovery_used"


@dataclass(frozen=True, slots=True)
class FactorEvent:
    at: datetime
    user_id: str
    kind: FactorEventKind
    actor: str  # who did it: the user's name, or "cli" for an administrator's reset
    client: str  # the client's address ("" from the CLI)


class SecondFactorRepository(Protocol):
    def get(self, user_id: str) -> SecondFactor | None:
        """The user's second factor, pending or enabled."""
        ...

    def put(self, factor: SecondFactor) -> None:
        """Store the factor, replacing the user's previous one (a new enrolment)."""
        ...

    def remove(self, user_id: str) -> bool:
        """Delete the user's factor; whether there was one."""
        ...

    def enable(self, user_id: str, at: datetime, step: int, recovery_hashes: list[str]) -> bool:
        """Enable a pending factor with its first accepted step and its recovery codes; False
        when it is no longer pending (enabled meanwhile, or replaced)."""
        ...

    def use_step(self, user_id: str, step: int) -> bool:
        """Record `step` as used if it is newer than the last used one, atomically; False when
        it is not (a replayed or older code)."""
        ...

    def use_recovery(self, user_id: str, was: tuple[str, ...], left: tuple[str, ...]) -> bool:
        """Replace the recovery hashes `was` by `left` if they are still `was` (a code is used
        once, even by two requests at the same time); whether it was."""
        ...

    def enabled_users(self) -> set[str]:
        """The ids of every user whose factor is enabled."""
        ...


class ChallengeRepository(Protocol):
    def add(self, challenge: Challenge) -> None: ...

    def get(self, challenge_id: str) -> Challenge | None: ...

    def use(self, challenge_id: str, at: datetime) -> bool:
        """Mark the challenge used if it was not; whether this call did (used once only)."""
        ...

    def void_user(self, user_id: str, purpose: str, at: datetime) -> int:
        """Mark every unused challenge of the user for this purpose used; how many."""
        ...


class FactorEventLog(Protocol):
    def add(self, event: FactorEvent) -> None: ...

    def of_user(self, user_id: str) -> list[FactorEvent]:
        """The user's events, oldest first."""
        ...


class SecondFactorRepositories(Protocol):
    """The second-factor repositories a unit of work holds."""

    @property
    def second_factors(self) -> SecondFactorRepository: ...

    @property
    def sign_in_challenges(self) -> ChallengeRepository: ...

    @property
    def factor_events(self) -> FactorEventLog: ...
