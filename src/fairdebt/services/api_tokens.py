"""Use cases: the API tokens integrations call the JSON API with (docs/gate.md, "API tokens").

Each integration (a dialler, a CRM, a reporting job) gets its own token, limited to the scopes
it needs, so one can be revoked without touching the others. A token is
`fd_<prefix>_<secret>`: the prefix (8 hex characters) is not secret and is shown in listings;
the secret is 32 bytes from `secrets` (256 bits, URL-safe). The token is shown once, when it is
created; only its SHA-256 is stored, so whoever reads the table cannot call the API. A presented
token is found by its prefix and its hash compared in constant time.

`authenticate` refuses an unknown, revoked or expired token (`TokenRefused`, `forbidden`
False: HTTP 401) and a token without the scope asked for (`forbidden` True: HTTP 403). It
records when a token was last used, at most once a `TOUCH_EVERY`: a write on every request
would cost the gate a database write per contact attempt for a figure read in minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from fairdebt.errors import FairdebtError
from fairdebt.services.ports import UnitOfWork
from fairdebt.services.ports.api_tokens import ApiToken

# One scope per thing the API does, named after its routes (web/api/*.py declare theirs with
# web.api_auth.require_scope; tests/api/test_api_auth.py checks both lists agree).
SCOPES: dict[str, str] = {
    "gate:check": "POST /api/v1/gate/check: ask the contact gate",
    "strategy:read": "GET /api/v1/strategy/runs…: read the strategy run reports",
}
TOUCH_EVERY = timedelta(minutes=1)
SECRET_BYTES = 32
_TOKEN = re.compile(r"fd_([0-9a-f]{8})_([A-Za-z0-9_-]{43,})")


class TokenRefused(FairdebtError):
    """The token does not open this door: `forbidden` False — no valid token (401); True — a
    valid token without the scope (403)."""

    def __init__(self, cause: str, hint: str, *, forbidden: bool = False) -> None:
        super().__init__(cause, hint)
        self.forbidden = forbidden


@dataclass(frozen=True, slots=True)
class Created:
    """A new token's record and the token itself, which nothing can show again."""

    record: ApiToken
    token: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse_scopes(scopes: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The scopes, sorted and without repeats; an unknown one is refused naming the known."""
    if not scopes:
        raise FairdebtError("a token needs at least one scope", f"--scope {' / '.join(SCOPES)}")
    unknown = sorted(set(scopes) - SCOPES.keys())
    if unknown:
        raise FairdebtError(
            f"unknown scope {', '.join(unknown)}", f"the scopes are: {', '.join(SCOPES)}"
        )
    return tuple(sorted(set(scopes)))


def create(
    uow: UnitOfWork,
    name: str,
    scopes: list[str] | tuple[str, ...],
    created_by: str,
    now: datetime,
    expires_in: timedelta | None = None,
) -> Created:
    """A new token for the integration `name`; the token is in the answer and nowhere else."""
    name = name.strip()
    if not name:
        raise FairdebtError("a token needs a name", "name the integration that will use it")
    if expires_in is not None and expires_in <= timedelta(0):
        raise FairdebtError("a token's validity must be positive", "--expires-days 1 or more")
    wanted = parse_scopes(scopes)
    with uow:
        prefix = secrets.token_hex(4)
        while uow.api_tokens.by_prefix(prefix) is not None:  # 1 in 4 billion per token held
            prefix = secrets.token_hex(4)
        token = f"fd_{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
        record = ApiToken(
            id=uuid.uuid4().hex[:12],
            name=name,
            scopes=wanted,
            token_hash=token_hash(token),
            prefix=prefix,
            created_by=created_by,
            created_at=now,
            expires_at=now + expires_in if expires_in is not None else None,
        )
        uow.api_tokens.add(record)
        uow.commit()
    return Created(record, token)


def list_tokens(uow: UnitOfWork) -> list[ApiToken]:
    """Every token, revoked ones too (oldest first): the record of who could call the API."""
    with uow:
        return uow.api_tokens.all()


def revoke(uow: UnitOfWork, token_id: str, now: datetime) -> ApiToken:
    """Revoke a token (by id or prefix) from now on; revoking it again keeps the first date."""
    with uow:
        found = uow.api_tokens.get(token_id) or uow.api_tokens.by_prefix(token_id)
        if found is None:
            raise FairdebtError(f"no API token {token_id}", "fairdebt tokens list shows them")
        if found.revoked_at is None:
            uow.api_tokens.revoke(found.id, now)
            uow.commit()
        return uow.api_tokens.get(found.id) or found


NOT_VALID = "the API token is missing or not valid"
ASK_FOR_ONE = (
    "send `Authorization: Bearer fd_…`; an administrator creates one: fairdebt tokens create"
)


def identify(uow: UnitOfWork, token: str | None) -> ApiToken:
    """The record of this very token (its hash matched in constant time), whatever its state;
    TokenRefused when the text is not one of our tokens."""
    matched = _TOKEN.fullmatch(token or "")
    if matched is None:
        raise TokenRefused(NOT_VALID, ASK_FOR_ONE)
    with uow:
        found = uow.api_tokens.by_prefix(matched.group(1))
    if found is None or not hmac.compare_digest(found.token_hash, token_hash(matched[0])):
        raise TokenRefused(NOT_VALID, ASK_FOR_ONE)
    return found


def permit(found: ApiToken, scope: str, now: datetime) -> None:
    """Refuse a revoked or expired token (401), or one without `scope` (403)."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")  # a programming error, not a refusal
    new_one = "ask an administrator for a new token (fairdebt tokens create)"
    if found.revoked_at is not None and found.revoked_at <= now:
        raise TokenRefused(f"the API token {found.prefix} was revoked", new_one)
    if found.expires_at is not None and found.expires_at <= now:
        raise TokenRefused(f"the API token {found.prefix} has expired", new_one)
    if scope not in found.scopes:
        raise TokenRefused(
            f"the API token {found.prefix} does not carry the scope {scope}",
            f"create a token with --scope {scope}",
            forbidden=True,
        )


def authenticate(uow: UnitOfWork, token: str | None, scope: str, now: datetime) -> ApiToken:
    """The token's record when it may use `scope` at `now`; TokenRefused otherwise. Records
    the use (last_used_at) when the last recorded one is TOUCH_EVERY old or more."""
    with uow:
        found = identify(uow, token)
        permit(found, scope, now)
        if found.last_used_at is None or now - found.last_used_at >= TOUCH_EVERY:
            uow.api_tokens.touch(found.id, now)
            uow.commit()
    return found
