"""Texts queued as the running system queues them: the gate asked, its decision logged and the
message put in the outbox in one transaction. Shared by the outbox's concurrency tests."""

from __future__ import annotations

from datetime import datetime

from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.bench.outbox_data import queue_text as queue_in
from fairdebt.compliance.pack import Packs


def queue_text(
    uow: SqlUnitOfWork, case: str, phone: str, body: str, at: datetime, packs: Packs
) -> str | None:
    """The outbox key of a reminder text to the case's debtor, committed, or None if the gate
    did not allow it (nothing queued then)."""
    with uow:
        _decision, key = queue_in(uow, case, phone, body, at, packs, "t")
        if key is not None:
            uow.commit()
    return key
