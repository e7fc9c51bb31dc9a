"""Port for verify codes: the code a collector reads out so the borrower can check them.

A code is stored only as its SHA-256 (`code_hash`): the table cannot be read back into codes.
Beside it, what the public /verify page says about the call it was issued for: the collector's
display name and organisation as they were when the code was issued, the case, the validity.
The attempts made at /verify are kept too (`VerifyAttemptRepository`): they limit guessing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class VerifyCode:
    code_hash: str  # SHA-256 hex of the normalised code (services.verify)
    case_id: str
    user_id: str  # the collector who read it out
    collector_name: str  # their display name when it was issued
    organisation: str  # the agency, or the lender when the case is worked in-house
    in_house: bool
    issued_at: datetime
    expires_at: datetime
    decision_id: str | None = None  # the gate decision of the call it was issued for
    visit_id: str | None = None  # the field visit it was issued for (services.visits)


class VerifyCodeRepository(Protocol):
    def add(self, code: VerifyCode) -> None:
        """Store a new code (its hash is new: the service drew it at random)."""
        ...

    def get(self, code_hash: str) -> VerifyCode | None:
        """The code with this hash, expired or not."""
        ...


class VerifyAttemptRepository(Protocol):
    """The codes tried at /verify: when, from which client, the code's first four characters
    (empty for text that cannot be a code), and whether a code was found."""

    def lock(self, client: str, prefix: str) -> None:
        """Serialise the attempts of this client and of this prefix until the transaction
        ends (so parallel guesses are counted one after another)."""
        ...

    def add(self, at: datetime, client: str, prefix: str, found: bool) -> None:
        """Keep one attempt (a client address longer than the column is cut, not refused)."""
        ...

    def failures(
        self, *, after: datetime, limit: int, client: str | None = None, prefix: str | None = None
    ) -> list[datetime]:
        """The instants of attempts that found nothing after `after` from `client` or for
        `prefix` (whichever is given), newest first, at most `limit`."""
        ...

    def prune(self, before: datetime) -> int:
        """Forget the attempts before `before`; how many were forgotten."""
        ...


class VerifyRepositories(Protocol):
    """The verify repositories a unit of work holds."""

    @property
    def verify_codes(self) -> VerifyCodeRepository: ...

    @property
    def verify_attempts(self) -> VerifyAttemptRepository: ...
