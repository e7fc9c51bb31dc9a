"""The outbox: every message the gate allowed, written in the transaction that logged the
decision, and delivered later by a worker (services.outbox).

A row moves queued → sending → sent; or back to queued (due later: the gate deferred it, or the
provider failed and it is retried with backoff); or ends cancelled (the gate said no when asked
again just before sending), review (a person decides), failed (the provider refused, or it kept
failing), or unconfirmed (a worker died after handing it to a provider that cannot be asked).
A worker claims due rows for a lease; a row whose lease ran out is taken over by another.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

STATUSES = ("queued", "sending", "sent", "cancelled", "review", "failed", "unconfirmed")
FINAL = ("sent", "cancelled", "review", "failed", "unconfirmed")
OPEN = tuple(s for s in STATUSES if s not in FINAL)  # a worker may still claim these


@dataclass(frozen=True, slots=True)
class NewMessage:
    """What is queued: the contact as the gate was asked about it, and its text."""

    key: str  # the idempotency key every provider receives, the same on every try
    case_id: str
    task_id: int | None
    channel: str
    party: str
    purpose: str
    collector: str
    actor: str
    pack: str
    to: str
    subject: str
    body: str
    language: str
    document: str  # a letter's kind (collection_notice, ...); "" for texts and e-mails
    decision_id: str  # the decision that allowed it to be queued
    due_at: datetime
    created_at: datetime


@dataclass(frozen=True, slots=True)
class QueuedMessage:
    id: int
    message: NewMessage
    status: str
    tries: int
    decision_id: str  # the newest decision: while `sending`, the one its attempt carries
    evidence: str | None  # sha256:<hex> of the bytes handed over, once prepared
    media_type: str | None
    provider_ref: str | None
    last_error: str | None
    claimed_by: str | None


@dataclass(frozen=True, slots=True)
class Change:
    """A claimed row's next state; fields left None stay as they are."""

    status: str
    due_at: datetime | None = None
    tries: int | None = None
    decision_id: str | None = None
    evidence: str | None = None
    media_type: str | None = None
    provider_ref: str | None = None
    outcome: str | None = None
    last_error: str | None = None
    at: datetime | None = None  # when it reached a final state
    held_until: datetime | None = None  # `sending`: the worker's claim renewed until then


class Presence(Protocol):
    """A worker's sign of life that outlives any one transaction (adapters/db/presence: a
    PostgreSQL session lock); the database frees it when the worker's process is gone."""

    def key(self) -> int | None:
        """The key of the lock held now (taken again if it was lost), or None where the
        database has none to give: claims then expire only with time."""
        ...

    def close(self) -> None:
        """Free the lock (the worker stops)."""
        ...


class OutboxRepository(Protocol):
    def add(self, message: NewMessage) -> int:
        """Queue a message; its id."""
        ...

    def claim_due(
        self,
        now: datetime,
        worker: str,
        until: datetime,
        limit: int,
        presence: int | None = None,
    ) -> list[QueuedMessage]:
        """Claim up to `limit` rows that are queued and due, or `sending` whose claim expired
        (a worker died), oldest due first. Each row goes to exactly one caller.

        `presence`: the key of the lock this worker holds for as long as it lives (Presence).
        Rows are claimed under it, and rows another worker claimed under its own are taken
        over as soon as that lock is free (the worker is gone), without waiting for the claim
        to expire. None: the claims expire only with time."""
        ...

    def change(self, message_id: int, worker: str, change: Change) -> bool:
        """Move a row this worker holds to its next state; the claim is kept while `sending`
        and dropped otherwise. False if the worker no longer holds it."""
        ...

    def change_many(self, worker: str, changes: Sequence[tuple[int, Change]]) -> set[int]:
        """`change` for many rows at once; the ids of those this worker still held (the others
        are left as they are). Which rows are held is decided under the write lock (or the
        rows' locks) that the changes are made under, so a row taken over in between is never
        counted as held."""
        ...

    def counts(self) -> Mapping[str, int]:
        """Rows by status."""
        ...

    def listing(self, status: str | None, limit: int) -> list[QueuedMessage]:
        """The newest rows, of one status or all."""
        ...


class OutboxRepositories(Protocol):
    @property
    def outbox(self) -> OutboxRepository: ...
