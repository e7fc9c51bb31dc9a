"""Use case: the transactional outbox — queue a message with its gate decision, deliver it later.

`enqueue` writes an outbox row and a `contact_queued` case event inside the caller's unit of
work: the caller (services.worklist_execute) has just logged the gate decision that allows the
message in the same transaction, so the decision, the event and the row are committed together
or not at all. A queued message counts for the gate at once (services.contact.history_of), so two
tasks cannot both pass a frequency cap by being queued before either is sent.

`Worker.deliver_due` delivers what is due, a claimed batch at a time, in three steps, the
provider called outside any transaction:
1. claim due rows for a lease (adapters/db/outbox_repos: a compare-and-set on SQLite, FOR UPDATE
   SKIP LOCKED on PostgreSQL), then ask the gate again for each, its decision committed row by
   row — a complaint, an opt-out or a new hold may have arrived since it was queued. A denial
   with `allowed_from` reschedules the row; any other denial cancels it and a review sends it to
   a person (its task follows).
2. for each row allowed: the provider prepares the exact bytes it will send and they go to the
   evidence store (content-addressed); then the batch's attempts — per row a `contact_attempts`
   row keyed by the new decision, a `contact_attempted` event holding the evidence hash, the
   row `sending` — are committed together, before anything leaves;
3. the provider is called with each row's key (the same on every try), and the outcomes are
   committed — a `contact_recorded` event, the row `sent`, the task `done`: an idempotent
   provider's together after the batch. A provider that cannot be asked (SMTP) gets steps 2
   and 3 one row at a time instead, so a crash leaves at most one message unconfirmed.

A worker killed between any two of these loses nothing: its claim expires and another worker
takes the row over. A row found `sending` was handed to the provider, or nearly: the provider is
asked by key; an idempotent provider (it drops a key it has seen) is simply given the same bytes
again, read back from the evidence store; any other (SMTP) cannot be asked, so the row becomes
`unconfirmed` for a person rather than risk a second message. A worker that was only slow —
its claim ran out while it worked — records nothing more: every step moves the row only while
the worker still holds it and is rolled back otherwise, so the outcome is recorded once, by
the worker that took the row over (asking the provider by key). A provider error is retried with
backoff (BACKOFF) and after MAX_TRIES, or at once when the provider says it is permanent, the row
is `failed` with the provider's answer, and its task goes to review.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from fairdebt.adapters.channels.base import (
    Channel,
    ChannelError,
    Delivery,
    OutboundMessage,
    Prepared,
)
from fairdebt.compliance.pack import Packs
from fairdebt.compliance.types import Verdict
from fairdebt.domain.events import NewEvent
from fairdebt.errors import DatabaseError, FairdebtError
from fairdebt.services.contact import (
    DEFAULT_ORDER,
    ContactRequest,
    ask,
    attempted_event,
    record_outcome,
)
from fairdebt.services.payments import Order
from fairdebt.services.ports import UnitOfWork
from fairdebt.services.ports.evidence import EvidenceStore
from fairdebt.services.ports.outbox import Change, NewMessage, QueuedMessage
from fairdebt.services.ports.worklist import Attempt, TaskOutcome

OUTBOX_KINDS = ("sms", "email", "letter", "voicemail")  # a call is made by a person, not queued
LEASE = timedelta(minutes=2)  # a claim older than this was abandoned: another worker takes over
MAX_TRIES = 5
BACKOFF = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=2),
)

TAKEN_OVER = "taken over"  # its claim ran out and another worker holds the row: nothing recorded
RACES = 4  # a step that lost a race on a case's log is run again up to this many times in all
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Ready:
    """A row the gate allowed again, its bytes prepared and kept: ready to start and send."""

    item: QueuedMessage
    channel: Channel
    message: OutboundMessage  # payload: the prepared bytes
    attempt: dict[str, Any]  # the contact_attempted event's data
    change: Change  # the row `sending`


# Makes a letter's document (a PDF) for a queued message; texts and e-mails need none.
Documents = Callable[[UnitOfWork, NewMessage, datetime], bytes]


def new_key() -> str:
    return uuid.uuid4().hex


def enqueue(uow: UnitOfWork, message: NewMessage) -> int:
    """Queue `message` inside the caller's open unit of work (the caller commits): the outbox
    row and its `contact_queued` event."""
    message_id = uow.outbox.add(message)
    data = {
        "key": message.key,
        "outbox_id": message_id,
        "decision_id": message.decision_id,
        "at": message.created_at.isoformat(),
        "due_at": message.due_at.isoformat(),
        "channel": message.channel,
        "direction": "out",
        "party": message.party,
        "to": message.to,
        "collector": message.collector,
    }
    uow.events.append(
        message.case_id, NewEvent("contact_queued", message.actor, data), message.created_at
    )
    return message_id


@dataclass
class Summary:
    """What one pass of the worker did, by what happened to each message."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1

    def merge(self, other: Summary) -> None:
        for what, n in other.counts.items():
            self.counts[what] = self.counts.get(what, 0) + n

    @property
    def handled(self) -> int:
        return sum(self.counts.values())

    def line(self) -> str:
        words = ("sent", "deferred", "retrying", "cancelled", "review", "failed", "unconfirmed")
        parts = [f"{w} {self.counts.get(w, 0)}" for w in words]
        parts += [f"{w} {n}" for w, n in sorted(self.counts.items()) if w not in words]
        return ", ".join(parts)


class Worker:
    """Delivers due outbox rows (module docstring)."""

    def __init__(
        self,
        uow: UnitOfWork,
        channels: Mapping[str, Channel],
        packs: Packs,
        *,
        evidence: EvidenceStore | None = None,
        documents: Documents | None = None,
        order: Order = DEFAULT_ORDER,
        name: str | None = None,
        lease: timedelta = LEASE,
    ) -> None:
        self.uow = uow
        self.channels = channels
        self.packs = packs
        self.evidence = evidence
        self.documents = documents
        self.order = order
        self.name = name or f"worker#{uuid.uuid4().hex[:12]}"
        self.lease = lease

    def deliver_due(self, now: datetime, limit: int = 50) -> Summary:
        """Claim up to `limit` due rows and deliver them; what happened to each."""
        with self.uow as uow:
            claimed = uow.outbox.claim_due(now, self.name, now + self.lease, limit)
            uow.commit()
        summary = Summary()
        ready: list[_Ready] = []
        for item in claimed:
            got = self._ask(item, now)
            if isinstance(got, _Ready):
                ready.append(got)
            else:
                summary.add(got)
        for what in self._send_all(ready, now):
            summary.add(what)
        return summary

    def drain(self, clock: Callable[[], datetime], limit: int = 50) -> Summary:
        """Deliver until nothing is due (`fairdebt worker --once`)."""
        total = Summary()
        while True:
            done = self.deliver_due(clock(), limit)
            total.merge(done)
            if done.handled == 0:
                return total

    # -- the steps -------------------------------------------------------------------------

    def _step(self, step: Callable[[], T]) -> T:
        """Run one transactional step, again if it lost a race: two workers appending to one
        case's log at once collide on its sequence number (the chain keeps itself whole), and
        the loser's transaction is rolled back whole, so running it again is safe."""
        for attempt in range(RACES):
            try:
                return step()
            except DatabaseError:
                if attempt == RACES - 1:
                    raise
                time.sleep(random.uniform(0.005, 0.05) * (attempt + 1))
        raise AssertionError("unreachable")

    def _one(self, item: QueuedMessage, now: datetime) -> str:
        got = self._ask(item, now)
        return got if isinstance(got, str) else self._send_all([got], now)[0]

    def _ask(self, item: QueuedMessage, now: datetime) -> str | _Ready:
        """Step 1 for one row: the gate asked again (its decision committed), then, if allowed,
        the bytes prepared and kept; what happened, or the row ready for step 2."""
        channel = self.channels.get(item.message.channel)
        if channel is None:
            why = f"no {item.message.channel} channel here"
            return self._step(lambda: self._end(item, now, "failed", why))
        if item.status == "sending":
            return self._resume(item, channel, now)
        m = item.message
        request = ContactRequest(
            m.case_id, m.channel, m.party, m.purpose, m.to, m.collector, m.actor, m.body,
            outbox_key=m.key,
        )  # fmt: skip
        decision = self._step(
            lambda: ask(self.uow, request, now, self.packs, m.pack, order=self.order).decision
        )
        rules = ", ".join(r.id for r in decision.rules)
        if decision.decision is Verdict.REVIEW:
            return self._step(lambda: self._end(item, now, "review", rules, decision.id))
        if decision.decision is Verdict.DENY:
            until = decision.allowed_from
            if until is None:
                return self._step(lambda: self._end(item, now, "cancelled", rules, decision.id))
            return self._step(lambda: self._defer(item, now, until, rules, decision.id))
        return self._prepare(item, channel, decision.id, now)

    def _prepare(
        self, item: QueuedMessage, channel: Channel, decision_id: str, now: datetime
    ) -> str | _Ready:
        m = item.message
        try:
            message = self._message(item, decision_id, now)
        except FairdebtError as exc:  # a letter the case cannot fill: a person writes it
            why = exc.cause
            return self._step(lambda: self._end(item, now, "review", why, decision_id))
        try:
            prepared = channel.prepare(message)
        except ChannelError as exc:
            why = exc.cause
            return self._step(lambda: self._end(item, now, "failed", why, decision_id))
        ref = self._keep(prepared)
        attempt = {
            "decision_id": decision_id,
            "key": m.key,
            "at": now.isoformat(),
            "channel": m.channel,
            "direction": "out",
            "party": m.party,
            "to": m.to,
            "collector": m.collector,
            "actor": m.actor,
            "evidence": ref,
            "media_type": prepared.media_type,
        }
        change = Change(
            "sending", decision_id=decision_id, evidence=ref, media_type=prepared.media_type
        )
        return _Ready(item, channel, replace(message, payload=prepared.data), attempt, change)

    def _send_all(self, ready: list[_Ready], now: datetime) -> list[str]:
        """Steps 2 and 3 for the rows of one batch. For an idempotent provider, the attempts
        are committed together, then each row handed over, then the outcomes committed
        together (a crash in between leaves the rows `sending`; the worker that takes them
        over asks the provider by key or hands the same bytes over again). For any other
        provider, one row at a time: its attempt, its hand-over, its outcome, so a crash
        leaves at most one message that cannot be asked about."""
        words: list[str] = []
        batched = [r for r in ready if r.channel.idempotent]
        if batched:
            started = self._step(lambda: self._start_all(batched, now))
            words += [TAKEN_OVER] * (len(batched) - len(started))
            known = []
            for r in started:
                got = self._hand(r, now)
                if isinstance(got, str):
                    words.append(got)
                else:
                    known.append((r, got))
            if known:
                words += self._step(lambda: self._record_all(known, now))
        for r in (r for r in ready if not r.channel.idempotent):
            if not self._start_one(r, now):
                words.append(TAKEN_OVER)
                continue
            got = self._hand(r, now)
            words += [got] if isinstance(got, str) else self._record_one(r, got, now)
        return words

    def _start_one(self, r: _Ready, now: datetime) -> bool:
        return bool(self._step(lambda: self._start_all([r], now)))

    def _hand(self, r: _Ready, now: datetime) -> str | Delivery:
        """Hand one started row to its provider: the delivery, or what its failure did."""
        try:
            delivery = r.channel.deliver(r.message)
        except ChannelError as exc:
            return self._gave_up(r, exc, now)
        if delivery.outcome == "failed":
            error = ChannelError(delivery.detail or "the provider said failed", permanent=True)
            return self._gave_up(r, error, now, delivery)
        return delivery

    def _record_one(self, r: _Ready, delivery: Delivery, now: datetime) -> list[str]:
        return self._step(lambda: self._record_all([(r, delivery)], now))

    def _gave_up(
        self, r: _Ready, error: ChannelError, now: datetime, delivery: Delivery | None = None
    ) -> str:
        return self._step(lambda: self._failed(r.item, r.attempt, error, now, delivery))

    def _start_all(self, ready: list[_Ready], now: datetime) -> list[_Ready]:
        """Step 2: each row this worker still holds `sending`, its attempt and its
        `contact_attempted` event on the record, in one transaction, before anything leaves.
        A row whose claim ran out is left to the worker that took it over."""
        with self.uow as uow:
            ours = [r for r in ready if uow.outbox.change(r.item.id, self.name, r.change)]
            for r in ours:
                m = r.item.message
                decision_id = str(r.attempt["decision_id"])
                started = Attempt(decision_id, m.case_id, m.task_id, m.channel, "sending", now)
                if not uow.attempts.start(started):  # cannot happen: the decisions are new
                    return []  # rolled back: nothing sent, the rows return when claims expire
            uow.events.append_many(
                (
                    (
                        r.item.message.case_id,
                        NewEvent("contact_attempted", r.item.message.actor, r.attempt),
                    )
                    for r in ours
                ),
                now,
            )
            uow.commit()
        return ours

    def _record_all(self, done: list[tuple[_Ready, Delivery]], now: datetime) -> list[str]:
        """Step 3: the outcomes of rows handed over, in one transaction."""
        words = []
        with self.uow as uow:
            for r, delivery in done:
                words.append(self._record(uow, r.item, r.attempt, delivery, now))
            uow.commit()
        return words

    def _hand_over(
        self,
        item: QueuedMessage,
        channel: Channel,
        message: OutboundMessage,
        attempt: dict[str, Any],
        now: datetime,
    ) -> str:
        try:
            delivery = channel.deliver(message)
        except ChannelError as exc:
            error = exc
            return self._step(lambda: self._failed(item, attempt, error, now))
        if delivery.outcome == "failed":
            error = ChannelError(delivery.detail or "the provider said failed", permanent=True)
            return self._step(lambda: self._failed(item, attempt, error, now, delivery))
        return self._step(lambda: self._record_known(item, attempt, delivery, now))

    def _failed(
        self,
        item: QueuedMessage,
        attempt: dict[str, Any],
        error: ChannelError,
        now: datetime,
        delivery: Delivery | None = None,
    ) -> str:
        """The provider failed: record it; retry with backoff, or give up with its answer."""
        tries = item.tries + 1
        failed = delivery or Delivery("failed", "", error.cause)
        failed = replace(failed, provider_ref=failed.provider_ref or f"error: {error.cause}")
        final = error.permanent or tries >= MAX_TRIES
        with self.uow as uow:
            record_outcome(uow, item.message.case_id, attempt, failed, now)
            if final:
                uow.events.append(
                    item.message.case_id,
                    NewEvent(
                        "contact_failed",
                        "worker",
                        {"key": item.message.key, "tries": tries, "detail": error.cause},
                    ),
                    now,
                )
                change = Change("failed", tries=tries, last_error=error.cause, at=now)
                note = f"the provider failed after {tries} tries: {error.cause}"
                self._settle_task(uow, item, "review", note, now)
            else:
                due = now + BACKOFF[min(tries, len(BACKOFF)) - 1]
                change = Change("queued", due_at=due, tries=tries, last_error=error.cause)
            if not uow.outbox.change(item.id, self.name, change):
                return TAKEN_OVER  # rolled back: the worker that took it over records it
            uow.commit()
        return "failed" if final else "retrying"

    def _resume(self, item: QueuedMessage, channel: Channel, now: datetime) -> str:
        """A row left `sending` by a worker that died (module docstring)."""
        with self.uow as uow:
            attempt = attempted_event(uow.events.events(item.message.case_id), item.decision_id)
        if attempt is None:  # no attempt was committed, so nothing was handed over: start again
            return self._one(replace(item, status="queued"), now)
        known = channel.lookup(item.message.key)
        if known is not None:
            return self._step(lambda: self._record_known(item, attempt, known, now))
        if channel.idempotent:
            message = self._message(item, item.decision_id, now)
            payload = self._payload(item, channel, message)
            return self._hand_over(item, channel, replace(message, payload=payload), attempt, now)
        return self._step(lambda: self._unconfirmed(item, now))

    def _unconfirmed(self, item: QueuedMessage, now: datetime) -> str:
        with self.uow as uow:
            uow.attempts.mark_unconfirmed(item.decision_id, now)
            event = NewEvent("contact_unconfirmed", "worker", {"decision_id": item.decision_id})
            uow.events.append(item.message.case_id, event, now)
            if not uow.outbox.change(item.id, self.name, Change("unconfirmed", at=now)):
                return TAKEN_OVER
            note = "the worker stopped while handing it over and the provider cannot be asked"
            self._settle_task(uow, item, "review", note, now)
            uow.commit()
        return "unconfirmed"

    def _record_known(
        self,
        item: QueuedMessage,
        attempt: dict[str, Any],
        delivery: Delivery,
        now: datetime,
    ) -> str:
        with self.uow as uow:
            word = self._record(uow, item, attempt, delivery, now)
            uow.commit()
        return word

    def _record(
        self,
        uow: UnitOfWork,
        item: QueuedMessage,
        attempt: dict[str, Any],
        delivery: Delivery,
        now: datetime,
    ) -> str:
        """The outcome on the record and the row `sent`, inside `uow` — or nothing, if another
        worker holds the row now (it records the outcome itself)."""
        sent = Change("sent", provider_ref=delivery.provider_ref, outcome=delivery.outcome)
        if not uow.outbox.change(item.id, self.name, replace(sent, at=now)):
            return TAKEN_OVER
        record_outcome(uow, item.message.case_id, attempt, delivery, now)
        self._settle_task(uow, item, "done", f"sent ({delivery.provider_ref})", now)
        return "sent"

    def _payload(self, item: QueuedMessage, channel: Channel, message: OutboundMessage) -> bytes:
        """The bytes handed over before the crash: from the evidence store, else prepared anew."""
        if self.evidence is not None and item.evidence:
            return self.evidence.get(item.evidence)
        return channel.prepare(message).data

    def _message(self, item: QueuedMessage, decision_id: str, now: datetime) -> OutboundMessage:
        m = item.message
        payload = b""
        if m.channel == "letter" and self.documents is not None:
            payload = self.documents(self.uow, m, now)
        subject = m.document or m.subject if m.channel == "letter" else m.subject  # its kind
        return OutboundMessage(
            m.case_id, m.channel, m.to, m.body, decision_id,
            key=m.key, subject=subject, language=m.language, payload=payload,
        )  # fmt: skip

    def _keep(self, prepared: Prepared) -> str:
        """Keep the bytes as evidence; their reference (the hash even with no store)."""
        if self.evidence is not None:
            return self.evidence.put(prepared.data, prepared.media_type)
        return "sha256:" + hashlib.sha256(prepared.data).hexdigest()

    def _defer(
        self, item: QueuedMessage, now: datetime, until: datetime, rules: str, decision_id: str
    ) -> str:
        with self.uow as uow:
            data = {"key": item.message.key, "decision_id": decision_id, "until": until.isoformat()}
            uow.events.append(
                item.message.case_id, NewEvent("contact_deferred", "worker", data), now
            )
            change = Change("queued", due_at=until, decision_id=decision_id, last_error=rules)
            if not uow.outbox.change(item.id, self.name, change):
                return TAKEN_OVER
            uow.commit()
        return "deferred"

    def _end(
        self,
        item: QueuedMessage,
        now: datetime,
        status: str,
        why: str,
        decision_id: str | None = None,
    ) -> str:
        """The message will not be sent: cancelled (the gate refused), review, or failed."""
        with self.uow as uow:
            data = {"key": item.message.key, "status": status, "why": why}
            if decision_id:
                data["decision_id"] = decision_id
            uow.events.append(
                item.message.case_id, NewEvent("contact_cancelled", "worker", data), now
            )
            change = Change(status, decision_id=decision_id, last_error=why, at=now)
            if not uow.outbox.change(item.id, self.name, change):
                return TAKEN_OVER
            task_status = {"cancelled": "refused", "review": "review"}.get(status, "review")
            self._settle_task(uow, item, task_status, why, now)
            uow.commit()
        return status

    def _settle_task(
        self, uow: UnitOfWork, item: QueuedMessage, status: str, note: str, now: datetime
    ) -> None:
        if item.message.task_id is not None:
            uow.tasks.settle(item.message.task_id, TaskOutcome(status, note, now, None))
