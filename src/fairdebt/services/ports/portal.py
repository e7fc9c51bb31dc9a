"""Ports for the borrower portal: one-time codes, the attempts that rate-limit them, and the
borrower user a signed-in borrower acts as.

A code is stored only as a keyed hash (services/portal_codes.py); the number it was sent to only
as a keyed hash too (`subject`), so the table says nothing readable about who asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class OneTimeCode:
    """One code: `subject` is the keyed hash of the number (or of the user, for a signing
    code), `challenge` the hash of the random token kept in the asking browser's session."""

    id: str
    purpose: str  # sign_in | sign
    subject: str
    challenge: str
    code_hash: str
    borrower_id: str | None  # None: the number is nobody's (the code is never sent)
    created_at: datetime
    expires_at: datetime
    tries: int = 0
    used_at: datetime | None = None


class OneTimeCodeRepository(Protocol):
    def add(self, code: OneTimeCode) -> None: ...

    def by_challenge(self, challenge: str) -> OneTimeCode | None:
        """The code whose challenge hash is this."""
        ...

    def count_tries(self, code_id: str) -> int:
        """Count one more try at the code; the tries so far, this one included."""
        ...

    def use(self, code_id: str, at: datetime) -> bool:
        """Mark the code used if it was not: True for the one caller that did (compare-and-set)."""
        ...

    def issued(self, purpose: str, subject: str, after: datetime) -> int:
        """How many codes of `purpose` were issued to `subject` strictly after `after`."""
        ...


class PortalAttemptRepository(Protocol):
    """Failed code checks by subject (a number's hash) and by client address."""

    def add(self, at: datetime, kind: str, subject: str) -> None: ...

    def count(self, kind: str, subject: str, after: datetime) -> int:
        """How many of `kind` were recorded for `subject` strictly after `after`."""
        ...


class BorrowerUsers(Protocol):
    def for_borrower(self, borrower_id: str) -> str | None:
        """The id of the (first, by user name) borrower user tied to this borrower, if any."""
        ...


class PortalRepositories(Protocol):
    @property
    def portal_codes(self) -> OneTimeCodeRepository: ...

    @property
    def portal_attempts(self) -> PortalAttemptRepository: ...

    @property
    def borrower_users(self) -> BorrowerUsers: ...
