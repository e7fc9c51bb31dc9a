"""Use case: the transactional outbox — queue a message with its gate decision, deliver it later.

`enqueue` writes an outbox row and a `contact_queued` case event inside the caller's unit of
work: the caller (services.worklist_execute) has just logged the gate decision that allows the
message in the same transaction, so the decision, the event and the row are committed together
or not at all. A queued message counts for the gate at once (services.contact.history_of), so two
tasks cannot both pass a frequency cap by being queued before either is sent.

`Worker.deliver_due` delivers what is due, a claimed batch at a time, the provider called
outside any transaction:
1. claim due rows for a lease (adapters/db/outbox_repos: a compare-and-set on SQLite, FOR UPDATE
   SKIP LOCKED on PostgreSQL), then ask the gate again for the whole batch
   (services.contact.decide_many: each kind of record read once for all its cases, nothing
   written yet) — a complaint, an opt-out or a new hold may have arrived since it was queued.
   A denial with `allowed_from` reschedules the row; any other denial cancels it and a review
   sends it to a person (its task follows, keeping the decision that asked for review). A review
   a person already approved for the row's task counts as allow (services.review_approval).
2. for each row allowed: the provider prepares the exact bytes it will send and they go to the
   evidence store (content-addressed). Then one transaction commits, for every row this worker
   still holds, its decision and what it led to — the cancellation, the deferral, or the attempt
   (a `contact_attempts` row keyed by the new decision, a `contact_attempted` event holding the
   evidence hash, the row `sending`) — before anything leaves.
3. the provider is given the started rows with each row's key (the same on every try): a batch
   at once when it takes one (`deliver_many`), and the outcomes are committed together — per
   row a `contact_recorded` event, the row `sent`, the task `done`. A provider that cannot be
   asked (SMTP) gets its rows' attempt, hand-over and outcome one row at a time instead, so a
   crash leaves at most one message unconfirmed.

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
    BatchChannel,
    Channel,
    ChannelError,
    Delivery,
    OutboundMessage,
    Prepared,
)
from fairdebt.compliance.pack import Packs
from fairdebt.compliance.types import Decision, Verdict
from fairdebt.domain.events import NewEvent
from fairdebt.errors import DatabaseError, FairdebtError
from fairdebt.services.contact import (
    DEFAULT_ORDER,
    NOT_READ_BY_THE_GATE,
    ContactRequest,
    attempted_event,
    decide_many,
    record_outcome,
    record_outcomes,
)
from fairdebt.services.payments import Order
from fairdebt.services.ports import UnitOfWork
from fairdebt.services.ports.evidence import EvidenceStore
from fairdebt.services.ports.outbox import Change, NewMessage, Presence, QueuedMessage
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
RACES = 4  # a step the database refused is run again up to this many times in all
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Ready:
    """A row the gate allowed again, its bytes prepared and kept: ready to start and send."""

    item: QueuedMessage
    channel: Channel
    message: OutboundMessage  # payload: the prepared bytes
    attempt: dict[str, Any]  # the contact_attempted event's data
    change: Change  # the row `sending`


@dataclass(frozen=True, slots=True)
class _Act:
    """What a batch's one write transaction does for one row the gate was asked about."""

    item: QueuedMessage
    decision: NewEvent | None  # the gate_decision event to log (None: the gate was not asked)
    change: Change | None  # the row's next state (None: it stays as it is, still claimed)
    events: tuple[NewEvent, ...] = ()  # logged after the batch's decisions
    task: tuple[str, str] | None = None  # the task's outcome: status, note
    word: str = ""  # what happened; "" for a row ready to be handed over
    ready: _Ready | None = None
    attempt: Attempt | None = None  # the contact_attempts row started with it


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
        clock: Callable[[], datetime] | None = None,
        presence: Presence | None = None,
    ) -> None:
        self.uow = uow
        self.channels = channels
        self.packs = packs
        self.evidence = evidence
        self.documents = documents
        self.order = order
        self.name = name or f"worker#{uuid.uuid4().hex[:12]}"
        self.lease = lease
        self.clock = clock  # renews a batch's claims as it starts them (_renewed)
        # Claims made under this worker's presence are taken over as soon as it is gone, not
        # when they expire (services.ports.outbox.Presence); None: they expire with time.
        self.presence = presence

    def deliver_due(self, now: datetime, limit: int = 50) -> Summary:
        """Claim up to `limit` due rows and deliver them; what happened to each."""
        alive = self.presence.key() if self.presence is not None else None
        with self.uow as uow:
            claimed = uow.outbox.claim_due(now, self.name, now + self.lease, limit, alive)
            uow.commit()
        summary = Summary()
        fresh: list[QueuedMessage] = []
        left: list[tuple[QueuedMessage, Channel]] = []
        for item in claimed:
            channel = self.channels.get(item.message.channel)
            if channel is None:
                summary.add(self._no_channel(item, now))
            elif item.status == "sending":
                left.append((item, channel))
            else:
                fresh.append(item)
        if left:
            words, again = self._resume_all(left, now)
            for what in words:
                summary.add(what)
            fresh += again
        if fresh:
            for what in self._deliver_fresh(fresh, now):
                summary.add(what)
        return summary

    def _no_channel(self, item: QueuedMessage, now: datetime) -> str:
        why = f"no {item.message.channel} channel here"
        return self._step(lambda: self._end(item, now, "failed", why))

    def _deliver_fresh(self, items: list[QueuedMessage], now: datetime) -> list[str]:
        """Steps 1 to 3 for a batch of rows not handed over before (module docstring)."""
        acts = self._acts(items, now)
        held = self._step(lambda: self._write(acts, now))
        words = [TAKEN_OVER] * (len(acts) - len(held))
        started = [a.ready for a in held if a.ready is not None and a.attempt is not None]
        later = [a.ready for a in held if a.ready is not None and a.attempt is None]
        words += [a.word for a in held if a.word]
        words += self._hand_all(started, now)
        for r in later:  # a provider that cannot be asked: one row at a time
            if not self._start_one(r, now):
                words.append(TAKEN_OVER)
                continue
            got = self._hand(r, now)
            words += [got] if isinstance(got, str) else self._record_one(r, got, now)
        return words

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
        """Run one transactional step, again if the database refused it (a deadlock or a lock
        timeout on a busy server): its transaction was rolled back whole, so running it again
        is safe. Two workers appending to one case's log no longer collide: the log holds the
        case before it reads the tip (adapters/db SqlEventLog), so the second one waits."""
        for attempt in range(RACES):
            try:
                return step()
            except DatabaseError:
                if attempt == RACES - 1:
                    raise
                time.sleep(random.uniform(0.005, 0.05) * (attempt + 1))
        raise AssertionError("unreachable")

    def _acts(self, items: list[QueuedMessage], now: datetime) -> list[_Act]:
        """Step 1 for a batch: the gate asked again for every row (each case's record read
        once, nothing written yet), then each allowed row's bytes prepared and kept."""
        requests = []
        for item in items:
            m = item.message
            request = ContactRequest(
                m.case_id, m.channel, m.party, m.purpose, m.to, m.collector, m.actor, m.body,
                outbox_key=m.key, task_id=m.task_id,
            )  # fmt: skip
            requests.append((request, m.pack))
        decided = self._step(
            lambda: decide_many(self.uow, requests, now, self.packs, order=self.order)
        )
        return [
            self._act(item, d, logged, now)
            for item, (d, logged) in zip(items, decided, strict=True)
        ]

    def _act(
        self, item: QueuedMessage, decision: Decision, logged: NewEvent, now: datetime
    ) -> _Act:
        rules = ", ".join(r.id for r in decision.rules)
        decision_id = str(logged.data["decision_id"])  # decision.id, hashed once already
        if decision.decision is Verdict.REVIEW:
            return replace(_ending(item, now, "review", rules, decision_id), decision=logged)
        if decision.decision is Verdict.DENY:
            until = decision.allowed_from
            if until is None:
                return replace(_ending(item, now, "cancelled", rules, decision_id), decision=logged)
            return replace(_deferral(item, until, rules, decision_id), decision=logged)
        channel = self.channels[item.message.channel]
        return replace(self._prepare(item, channel, decision_id, now), decision=logged)

    def _prepare(
        self, item: QueuedMessage, channel: Channel, decision_id: str, now: datetime
    ) -> _Act:
        m = item.message
        try:
            message = self._message(item, decision_id, now)
        except FairdebtError as exc:  # a letter the case cannot fill: a person writes it
            return _ending(item, now, "review", exc.cause, decision_id)
        try:
            prepared = channel.prepare(message)
        except ChannelError as exc:
            return _ending(item, now, "failed", exc.cause, decision_id)
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
        ready = _Ready(item, channel, replace(message, payload=prepared.data), attempt, change)
        if not channel.idempotent:  # started later, alone (_deliver_fresh)
            return _Act(item, None, None, ready=ready)
        started = Attempt(decision_id, m.case_id, m.task_id, m.channel, "sending", now)
        attempted = NewEvent("contact_attempted", m.actor, attempt)
        return _Act(item, None, change, (attempted,), ready=ready, attempt=started)

    def _write(self, acts: list[_Act], now: datetime) -> list[_Act]:
        """Steps 1 and 2 on the record, in one transaction: each row this worker still holds
        moved (cancelled, deferred, review, or `sending` with its attempt), its decision and
        then its events logged, its task settled. A row whose claim ran out is left to the
        worker that took it over; nothing of it is written."""
        with self.uow as uow:
            moved = uow.outbox.change_many(
                self.name, [(a.item.id, self._renewed(a.change)) for a in acts if a.change]
            )
            held = [a for a in acts if a.change is None or a.item.id in moved]
            if not uow.attempts.start_many([a.attempt for a in held if a.attempt is not None]):
                return []  # cannot happen (the decisions are new): rolled back, nothing sent
            logged = [(a.item.message.case_id, a.decision) for a in held if a.decision]
            logged += [(a.item.message.case_id, e) for a in held for e in a.events]
            uow.events.append_many(logged, now)
            for a in held:
                if a.task is not None:
                    decision_id = a.change.decision_id if a.change is not None else None
                    self._settle_task(uow, a.item, *a.task, now, decision_id)
            uow.commit()
        return held

    def _renewed(self, change: Change) -> Change:
        """A row going `sending` held for a whole lease from now, not from its claim: asking
        the gate for a big batch on a busy machine can take a good part of a short lease, and
        a claim that ran out before the hand-over lets another worker take the row over and
        send it again under its key (wasted, never doubled) while this one records nothing."""
        if self.clock is None or change.status != "sending":
            return change
        return replace(change, held_until=self.clock() + self.lease)

    def _hand_all(self, started: list[_Ready], now: datetime) -> list[str]:
        """Step 3 for the started rows of idempotent providers: handed over (a batch at once
        to a provider that takes one), then the outcomes committed together."""
        words: list[str] = []
        known: list[tuple[QueuedMessage, dict[str, Any], Delivery]] = []
        by_channel: dict[int, list[_Ready]] = {}
        for r in started:
            by_channel.setdefault(id(r.channel), []).append(r)
        for rows in by_channel.values():
            channel = rows[0].channel
            if isinstance(channel, BatchChannel) and len(rows) > 1:
                results = channel.deliver_many([r.message for r in rows])
            else:
                results = [_try_deliver(channel, r.message) for r in rows]
            for r, result in zip(rows, results, strict=True):
                got = self._outcome(r, result, now)
                if isinstance(got, str):
                    words.append(got)
                else:
                    known.append((r.item, r.attempt, got))
        if known:
            words += self._step(lambda: self._record_all(known, now))
        return words

    def _outcome(self, r: _Ready, result: Delivery | ChannelError, now: datetime) -> str | Delivery:
        if isinstance(result, ChannelError):
            return self._gave_up(r, result, now)
        if result.outcome == "failed":
            error = ChannelError(result.detail or "the provider said failed", permanent=True)
            return self._gave_up(r, error, now, result)
        return result

    def _start_one(self, r: _Ready, now: datetime) -> bool:
        return bool(self._step(lambda: self._start_all([r], now)))

    def _hand(self, r: _Ready, now: datetime) -> str | Delivery:
        """Hand one started row to its provider: the delivery, or what its failure did."""
        return self._outcome(r, _try_deliver(r.channel, r.message), now)

    def _record_one(self, r: _Ready, delivery: Delivery, now: datetime) -> list[str]:
        return self._step(lambda: self._record_all([(r.item, r.attempt, delivery)], now))

    def _gave_up(
        self, r: _Ready, error: ChannelError, now: datetime, delivery: Delivery | None = None
    ) -> str:
        return self._step(lambda: self._failed(r.item, r.attempt, error, now, delivery))

    def _start_all(self, ready: list[_Ready], now: datetime) -> list[_Ready]:
        """Step 2: each row this worker still holds `sending`, its attempt and its
        `contact_attempted` event on the record, in one transaction, before anything leaves.
        A row whose claim ran out is left to the worker that took it over."""
        with self.uow as uow:
            ours = [
                r for r in ready if uow.outbox.change(r.item.id, self.name, self._renewed(r.change))
            ]
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

    def _record_all(
        self, done: list[tuple[QueuedMessage, dict[str, Any], Delivery]], now: datetime
    ) -> list[str]:
        """Step 3's outcomes (row, its attempt, the delivery), in one transaction: each row
        this worker still holds `sent`, the `contact_recorded` events appended together, the
        attempts completed."""
        with self.uow as uow:
            moved = uow.outbox.change_many(self.name, [(i.id, _sent(d, now)) for i, _a, d in done])
            held = [(i, a, d) for i, a, d in done if i.id in moved]
            record_outcomes(uow, [(i.message.case_id, a, d) for i, a, d in held], now)
            for item, _attempt, delivery in held:
                self._settle_task(uow, item, "done", f"sent ({delivery.provider_ref})", now)
            uow.commit()
        return ["sent"] * len(held) + [TAKEN_OVER] * (len(done) - len(held))

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
        return self._step(lambda: self._record_all([(item, attempt, delivery)], now))[0]

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

    def _resume_all(
        self, rows: list[tuple[QueuedMessage, Channel]], now: datetime
    ) -> tuple[list[str], list[QueuedMessage]]:
        """Rows left `sending` by a worker that died (module docstring), a batch at once: the
        cases' records read in one query, the outcomes the providers already know recorded in
        one transaction. What happened to each, and the rows to deliver afresh (no attempt was
        committed, so nothing was handed over)."""
        with self.uow as uow:
            logs = uow.events.events_of(
                {item.message.case_id for item, _channel in rows}, without=NOT_READ_BY_THE_GATE
            )
        words: list[str] = []
        again: list[QueuedMessage] = []
        known: list[tuple[QueuedMessage, dict[str, Any], Delivery]] = []
        for item, channel in rows:
            attempt = attempted_event(logs[item.message.case_id], item.decision_id)
            if attempt is None:
                again.append(replace(item, status="queued"))
                continue
            delivery = channel.lookup(item.message.key)
            if delivery is not None:
                known.append((item, attempt, delivery))
            else:
                words.append(self._resume(item, channel, attempt, now))
        if known:
            words += self._step(lambda: self._record_all(known, now))
        return words, again

    def _resume(
        self, item: QueuedMessage, channel: Channel, attempt: dict[str, Any], now: datetime
    ) -> str:
        """A row its provider does not know, attempted by a worker that died: handed over
        again under its key where the provider is idempotent, else unconfirmed."""
        if channel.idempotent:
            # The kept bytes go again, unchanged: a letter is not rendered anew (that would
            # issue it a second portal sign-in for nothing: letters.render.sign_in_for).
            kept = self.evidence is not None and bool(item.evidence)
            message = self._message(item, item.decision_id, now, render=not kept)
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

    def _payload(self, item: QueuedMessage, channel: Channel, message: OutboundMessage) -> bytes:
        """The bytes handed over before the crash: from the evidence store, else prepared anew."""
        if self.evidence is not None and item.evidence:
            return self.evidence.get(item.evidence)
        return channel.prepare(message).data

    def _message(
        self, item: QueuedMessage, decision_id: str, now: datetime, render: bool = True
    ) -> OutboundMessage:
        """The message to prepare; a letter with its document (a PDF) unless `render` is False
        (its kept bytes will be sent instead)."""
        m = item.message
        payload = b""
        if m.channel == "letter" and self.documents is not None and render:
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

    def _end(
        self,
        item: QueuedMessage,
        now: datetime,
        status: str,
        why: str,
        decision_id: str | None = None,
    ) -> str:
        """The message will not be sent: cancelled (the gate refused), review, or failed."""
        held = self._write([_ending(item, now, status, why, decision_id)], now)
        return status if held else TAKEN_OVER

    def _settle_task(
        self,
        uow: UnitOfWork,
        item: QueuedMessage,
        status: str,
        note: str,
        now: datetime,
        decision_id: str | None = None,
    ) -> None:
        """The task's final outcome; a review keeps the decision that asked for it, whose
        review rules the desk's approval names (services.review_approval)."""
        if item.message.task_id is not None:
            uow.tasks.settle(item.message.task_id, TaskOutcome(status, note, now, decision_id))


def _ending(
    item: QueuedMessage, now: datetime, status: str, why: str, decision_id: str | None = None
) -> _Act:
    """The message will not be sent: cancelled (the gate refused), review, or failed; its task
    refused or sent to review."""
    data = {"key": item.message.key, "status": status, "why": why}
    if decision_id:
        data["decision_id"] = decision_id
    event = NewEvent("contact_cancelled", "worker", data)
    change = Change(status, decision_id=decision_id, last_error=why, at=now)
    task_status = {"cancelled": "refused", "review": "review"}.get(status, "review")
    return _Act(item, None, change, (event,), (task_status, why), status)


def _deferral(item: QueuedMessage, until: datetime, rules: str, decision_id: str) -> _Act:
    """The gate allows it later (a quiet hour, a cap): the row due again then."""
    data = {"key": item.message.key, "decision_id": decision_id, "until": until.isoformat()}
    event = NewEvent("contact_deferred", "worker", data)
    change = Change("queued", due_at=until, decision_id=decision_id, last_error=rules)
    return _Act(item, None, change, (event,), word="deferred")


def _sent(delivery: Delivery, now: datetime) -> Change:
    return Change("sent", provider_ref=delivery.provider_ref, outcome=delivery.outcome, at=now)


def _try_deliver(channel: Channel, message: OutboundMessage) -> Delivery | ChannelError:
    try:
        return channel.deliver(message)
    except ChannelError as exc:
        return exc
