"""Port for API tokens: the credentials each integration calls the JSON API with.

A token is stored only as its SHA-256 (`token_hash`) beside a short prefix that is not secret
(`prefix`, part of the token, shown in listings so a person can tell tokens apart); the table
cannot be read back into tokens. Instants are aware datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ApiToken:
    id: str
    name: str  # the integration that holds it
    scopes: tuple[str, ...]  # sorted (services.api_tokens.SCOPES)
    token_hash: str  # SHA-256 hex of the whole token
    prefix: str  # unique; the token is `fd_<prefix>_<secret>`
    created_by: str
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    expires_at: datetime | None = None


class ApiTokenRepository(Protocol):
    def add(self, token: ApiToken) -> None:
        """Store a new token (its id and prefix are new)."""
        ...

    def get(self, token_id: str) -> ApiToken | None: ...

    def by_prefix(self, prefix: str) -> ApiToken | None:
        """The token with this prefix, revoked or expired alike."""
        ...

    def all(self) -> list[ApiToken]:
        """Every token, oldest first."""
        ...

    def revoke(self, token_id: str, at: datetime) -> None: ...

    def touch(self, token_id: str, at: datetime) -> None:
        """Record that the token was used at `at` (last_used_at)."""
        ...


class ApiTokenRepositories(Protocol):
    """The API-token repository a unit of work holds."""

    @property
    def api_tokens(self) -> ApiTokenRepository: ...
