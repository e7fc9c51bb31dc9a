"""Texts queued as the running system queues them: the gate asked, its decision logged and the
message put in the outbox in one transaction. Shared by the outbox's concurrency tests."""

from __future__ import annotations

from datetime import datetime

from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.compliance.pack import Packs
from fairdebt.services.contact import ContactRequest, ask
from fairdebt.services.outbox import enqueue, new_key
from fairdebt.services.ports.outbox import NewMessage


def queue_text(
    uow: SqlUnitOfWork, case: str, phone: str, body: str, at: datetime, packs: Packs
) -> str | None:
    """The outbox key of a reminder text to the case's debtor, or None if the gate did not
    allow it (nothing queued then)."""
    request = ContactRequest(case, "sms", "debtor", "remind", phone, "in-house", "t", body)
    with uow:
        decision = ask(uow, request, at, packs, "cn").decision
        if decision.decision.value != "allow":
            return None
        message = NewMessage(
            new_key(), case, None, "sms", "debtor", "remind", "in-house", "t", "cn",
            phone, "", body, "zh-CN", "", decision.id, at, at,
        )  # fmt: skip
        enqueue(uow, message)
        uow.commit()
    return message.key
