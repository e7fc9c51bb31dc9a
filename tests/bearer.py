"""API tokens for tests that call the JSON API: `headers = bearer_for(services, "gate:check")`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fairdebt.services.api_tokens import create


def token_for(services: Any, *scopes: str, name: str = "tests", days: int | None = None) -> str:
    """A new token in `services`' database with these scopes (gate:check when none)."""
    expires = timedelta(days=days) if days is not None else None
    made = create(
        services.uow(), name, scopes or ("gate:check",), "tests", services.clock.now(), expires
    )
    return made.token


def bearer_for(services: Any, *scopes: str, **kwargs: Any) -> dict[str, str]:
    """The Authorization header of a new token (token_for)."""
    return {"Authorization": f"Bearer {token_for(services, *scopes, **kwargs)}"}
