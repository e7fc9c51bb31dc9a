"""A fake of the outbox port."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from fairdebt.services.ports.outbox import Change, NewMessage, QueuedMessage


class FakeOutboxRepository:
    def __init__(self) -> None:
        self.rows: dict[int, QueuedMessage] = {}
        self.expires: dict[int, datetime] = {}

    def add(self, message: NewMessage) -> int:
        if any(r.message.key == message.key for r in self.rows.values()):
            raise ValueError(f"duplicate outbox key {message.key}")
        new_id = len(self.rows) + 1
        self.rows[new_id] = QueuedMessage(
            new_id, message, "queued", 0, message.decision_id, None, None, None, None, None
        )
        return new_id

    def claim_due(
        self,
        now: datetime,
        worker: str,
        until: datetime,
        limit: int,
        presence: int | None = None,  # no sessions in memory: claims expire with time
    ) -> list[QueuedMessage]:
        def free(r: QueuedMessage) -> bool:
            expired = r.claimed_by is None or self.expires[r.id] < now
            if r.status == "queued":
                return r.message.due_at <= now and expired
            return r.status == "sending" and r.claimed_by is not None and expired

        due = sorted(
            (r for r in self.rows.values() if free(r)), key=lambda r: (r.message.due_at, r.id)
        )[:limit]
        for r in due:
            self.rows[r.id] = replace(r, claimed_by=worker)
            self.expires[r.id] = until
        return [self.rows[r.id] for r in due]

    def change(self, message_id: int, worker: str, change: Change) -> bool:
        row = self.rows.get(message_id)
        if row is None or row.claimed_by != worker:
            return False
        fields = {
            name: getattr(change, name)
            for name in ("tries", "decision_id", "evidence", "media_type", "provider_ref")
            if getattr(change, name) is not None
        }
        if change.last_error is not None:
            fields["last_error"] = change.last_error
        message = row.message
        if change.due_at is not None:
            message = replace(message, due_at=change.due_at)
        claimed = worker if change.status == "sending" else None
        if claimed is not None and change.held_until is not None:
            self.expires[message_id] = change.held_until
        self.rows[message_id] = replace(
            row, status=change.status, message=message, claimed_by=claimed, **fields
        )
        return True

    def change_many(self, worker: str, changes: Sequence[tuple[int, Change]]) -> set[int]:
        return {i for i, change in changes if self.change(i, worker, change)}

    def counts(self) -> Mapping[str, int]:
        return dict(Counter(r.status for r in self.rows.values()))

    def listing(self, status: str | None, limit: int) -> list[QueuedMessage]:
        rows = sorted(self.rows.values(), key=lambda r: -r.id)
        return [r for r in rows if status is None or r.status == status][:limit]


class FakeOutboxRepositories:
    def setup(self) -> None:
        self.outbox = FakeOutboxRepository()
