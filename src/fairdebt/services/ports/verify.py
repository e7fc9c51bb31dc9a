"""Port for verify codes: the code a collector reads out so the borrower can check them.

A code is stored only as its SHA-256 (`code_hash`): the table cannot be read back into codes.
Beside it, what the public /verify page says about the call it was issued for: the collector's
display name and organisation as they were when the code was issued, the case, the validity.
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


class VerifyRepositories(Protocol):
    """The verify-code repository a unit of work holds."""

    @property
    def verify_codes(self) -> VerifyCodeRepository: ...
