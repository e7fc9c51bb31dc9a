"""The outbox worker's batch path on SQLite and PostgreSQL: the gate asked again for a whole batch
(each case's record read once, one write transaction), an idempotent provider given the batch at
once, and a worker killed at each point of a batch — nothing lost, nothing sent twice."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import console_data
import pytest
from outbox_texts import queue_text
from sqlalchemy import event, select, update
from sqlalchemy.exc import DBAPIError

from fairdebt.adapters.channels.base import ChannelError, Delivery, OutboundMessage
from fairdebt.adapters.channels.console import ConsoleChannel
from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.engine import make_engine
from fairdebt.adapters.db.outbox_tables import outbox
from fairdebt.adapters.db.repositories import SqlEventLog
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.compliance.pack import builtin_packs
from fairdebt.services.outbox import LEASE, Worker
from fairdebt.services.ports.outbox import Change

SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 6, 30, 10, 0, tzinfo=SHANGHAI)
SOON = MORNING + timedelta(minutes=5)  # every text queued in the fixture is due
PACKS = builtin_packs()
BODY = "【示例消费金融有限公司】您好，您的借款已逾期，请及时还款。回复 TD 退订。"
PER_CASE = 2


class BatchConsole(ConsoleChannel):
    """The console channel that also takes a batch at once, and counts its batches."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[int] = []

    def deliver_many(self, messages: Sequence[OutboundMessage]) -> list[Delivery | ChannelError]:
        self.batches.append(len(messages))
        return [self.deliver(m) for m in messages]


class Store:
    """An evidence store in memory; `die_at` n: the worker is killed in the n-th put."""

    def __init__(self, die_at: int = 0) -> None:
        self.kept: dict[str, bytes] = {}
        self.puts = 0
        self.die_at = die_at

    def put(self, data: bytes, media_type: str) -> str:
        self.puts += 1
        if self.puts == self.die_at:
            raise SystemExit("killed while keeping the evidence")
        ref = "sha256:" + hashlib.sha256(data).hexdigest()
        self.kept[ref] = data
        return ref

    def get(self, ref: str) -> bytes:
        return self.kept[ref]

    def check(self, ref: str) -> str:
        return "ok" if ref in self.kept else "missing"


@pytest.fixture
def queued(engine) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """PER_CASE texts queued for each case of a small portfolio the gate allows them for;
    case id -> their keys."""
    with engine.begin() as conn:
        portfolio = console_data.build(conn, count=8)
    keys: dict[str, list[str]] = {}
    uow = SqlUnitOfWork(engine)
    for n, case in enumerate(portfolio.case_ids):
        phone = portfolio.phones[case]
        for k in range(PER_CASE):
            at = MORNING + timedelta(seconds=10 * n + k)
            key = queue_text(uow, case, phone, BODY, at, PACKS)
            if key is None:
                break
            keys.setdefault(case, []).append(key)
    assert len(keys) >= 3, "the portfolio must give a few cases the gate allows texts for"
    return keys


def _worker(engine, channel, **more) -> Worker:  # type: ignore[no-untyped-def]
    return Worker(SqlUnitOfWork(engine), {"sms": channel}, PACKS, **more)


def _statuses(engine) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with SqlUnitOfWork(engine) as uow:
        return {r.message.key: r.status for r in uow.outbox.listing(None, 1000)}


def _log(engine, case: str) -> list[str]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return [e.type for e in SqlEventLog(conn).events(case)]


def _all_types(engine, queued) -> list[str]:  # type: ignore[no-untyped-def]
    return [kind for case in queued for kind in _log(engine, case)]


def test_a_case_held_mid_batch_is_cancelled_and_the_rest_of_the_batch_sent(engine, queued) -> None:
    held = sorted(queued)[1]
    with engine.begin() as conn:  # a dispute arrives after queueing, before the batch is asked
        conn.execute(update(t.cases).where(t.cases.c.id == held).values(holds="dispute"))
    sms = BatchConsole()
    total = sum(len(k) for k in queued.values())

    done = _worker(engine, sms).deliver_due(SOON, limit=100)

    assert done.counts == {"cancelled": len(queued[held]), "sent": total - len(queued[held])}
    assert sms.batches == [total - len(queued[held])]  # the rest handed over at once
    assert {m.key for m in sms.outbox} == {k for c, ks in queued.items() if c != held for k in ks}
    statuses = _statuses(engine)
    assert {statuses[k] for k in queued[held]} == {"cancelled"}
    for case, keys in queued.items():
        log = _log(engine, case)
        if case == held:
            assert log.count("contact_cancelled") == len(keys) and "contact_attempted" not in log
            continue
        # each message: its decision, then its attempt, then its outcome, once each
        assert log.count("contact_attempted") == log.count("contact_recorded") == len(keys)
        assert log.index("gate_decision", log.index("contact_queued")) < log.index(
            "contact_attempted"
        )


def test_a_worker_killed_while_keeping_a_batchs_evidence_leaves_nothing_half_done(
    engine, queued
) -> None:
    store = Store(die_at=3)
    with pytest.raises(SystemExit):
        _worker(engine, BatchConsole(), evidence=store, name="dies").drain(lambda: SOON)
    before = _all_types(engine, queued)
    # nothing of the batch was committed: no decision logged by the worker, no attempt
    assert "contact_attempted" not in before and "contact_cancelled" not in before
    assert set(_statuses(engine).values()) == {"queued"}
    sms = BatchConsole()

    during = _worker(engine, sms, evidence=store).drain(lambda: SOON + LEASE / 2)
    after = _worker(engine, sms, evidence=store).drain(lambda: SOON + LEASE * 2)

    total = sum(len(k) for k in queued.values())
    assert (during.counts, after.counts) == ({}, {"sent": total})
    assert len(sms.outbox) == len({m.key for m in sms.outbox}) == total
    assert all(m.payload == store.kept["sha256:" + hashlib.sha256(m.payload).hexdigest()]
               for m in sms.outbox)  # fmt: skip


class DiesAfterHandingOver(BatchConsole):
    """The provider takes the whole batch; the worker is killed before recording it."""

    def deliver_many(self, messages: Sequence[OutboundMessage]) -> list[Delivery | ChannelError]:
        super().deliver_many(messages)
        raise SystemExit("killed after the hand-over")


def test_a_worker_killed_after_handing_a_batch_over_is_taken_over_and_records_each_once(
    engine, queued
) -> None:
    sms = DiesAfterHandingOver()
    with pytest.raises(SystemExit):
        _worker(engine, sms, name="dies").drain(lambda: SOON)
    total = sum(len(k) for k in queued.values())
    assert set(_statuses(engine).values()) == {"sending"}  # attempts committed before
    assert len(sms.outbox) == total

    after = BatchConsole.deliver_many  # the provider is the same; a new worker takes over
    sms.deliver_many = lambda messages: after(sms, messages)  # type: ignore[method-assign]
    done = _worker(engine, sms).drain(lambda: SOON + LEASE * 2)

    assert done.counts == {"sent": total}
    assert len(sms.outbox) == total  # asked by key: nothing handed over a second time
    types = _all_types(engine, queued)
    assert types.count("contact_attempted") == types.count("contact_recorded") == total
    assert set(_statuses(engine).values()) == {"sent"}


def test_a_dead_workers_batch_is_recorded_where_the_provider_knows_it_and_sent_where_not(
    engine, queued
) -> None:
    """The rows a killed worker left `sending` are taken over together: the cases' records read
    once, the outcomes the provider knows recorded in one transaction, and a row the provider
    has no trace of (it was lost before reaching it) handed over again under its own key."""
    sms = DiesAfterHandingOver()
    with pytest.raises(SystemExit):
        _worker(engine, sms, name="dies").drain(lambda: SOON)
    total = sum(len(k) for k in queued.values())
    lost = sms.outbox.pop()  # the provider never got this one
    del sms._by_key[lost.key]  # the console channel's own record of keys
    after = BatchConsole.deliver_many
    sms.deliver_many = lambda messages: after(sms, messages)  # type: ignore[method-assign]
    transactions: list[int] = []

    def count(_conn: object) -> None:
        transactions.append(1)

    event.listen(engine, "commit", count)
    try:
        done = _worker(engine, sms).drain(lambda: SOON + LEASE * 2)
    finally:
        event.remove(engine, "commit", count)
    assert done.counts == {"sent": total}
    assert sorted(m.key for m in sms.outbox) == sorted(k for ks in queued.values() for k in ks)
    types = _all_types(engine, queued)
    assert types.count("contact_attempted") == types.count("contact_recorded") == total
    # the claim, the known outcomes together, the lost row's outcome; and the empty claim
    assert len(transactions) <= 4, transactions


def test_a_batch_refused_in_part_by_the_provider_fails_those_and_sends_the_rest(
    engine, queued
) -> None:
    refused = sorted(k for ks in queued.values() for k in ks)[0]

    class PartlyRefusing(BatchConsole):
        def deliver_many(self, messages):  # type: ignore[no-untyped-def]
            out: list[Delivery | ChannelError] = super().deliver_many(
                [m for m in messages if m.key != refused]
            )
            where = [m.key for m in messages].index(refused)
            out.insert(where, ChannelError("HTTP 400: bad number", permanent=True))
            return out

    total = sum(len(k) for k in queued.values())
    done = _worker(engine, PartlyRefusing()).drain(lambda: SOON)

    assert done.counts == {"failed": 1, "sent": total - 1}
    statuses = _statuses(engine)
    assert statuses[refused] == "failed"
    assert sum(1 for s in statuses.values() if s == "sent") == total - 1


def test_a_row_taken_over_between_the_check_and_the_change_is_never_counted_held(
    engine, queued, database_url
) -> None:
    """`change_many` decides which rows the worker still holds under the lock its changes are
    made under: another worker taking a row over in between either waits (and fails here) or
    the row is not counted. Counting it held would record its outcome twice."""
    with SqlUnitOfWork(engine) as uow:
        ids = [r.id for r in uow.outbox.claim_due(SOON, "a", SOON + LEASE, 100)]
        uow.commit()
    other = make_engine(database_url, timeout=0.1)
    tried: list[str] = []

    def take_over(*_args: object) -> None:  # another worker, right after the first statement
        if tried:
            return
        tried.append("yes")
        try:
            with other.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.exec_driver_sql("SET LOCAL lock_timeout = '100ms'")
                conn.execute(update(outbox).where(outbox.c.id == ids[0]).values(claimed_by="b"))
        except DBAPIError:
            tried.append("blocked")

    sent = Change("sent", provider_ref="p", outcome="delivered", at=SOON)
    event.listen(engine, "after_cursor_execute", take_over)
    try:
        with SqlUnitOfWork(engine) as uow:
            held = uow.outbox.change_many("a", [(i, sent) for i in ids])
            uow.commit()
    finally:
        event.remove(engine, "after_cursor_execute", take_over)
        other.dispose()
    with engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(select(outbox))}
    assert tried[0] == "yes"
    assert all(rows[i].status == "sent" for i in held)
    assert all(rows[i].claimed_by == "b" for i in set(ids) - held)
    assert held == set(ids) or tried == ["yes"]  # the other worker got it, or was kept out


def test_a_started_batch_is_held_a_whole_lease_from_its_start_not_from_its_claim(
    engine, queued
) -> None:
    """Asking the gate for a big batch can use much of a short lease; the rows going `sending`
    are held for a whole lease from then, so no other worker takes them over mid-hand-over."""
    started = SOON + timedelta(seconds=40)
    with pytest.raises(SystemExit):
        _worker(engine, DiesAfterHandingOver(), clock=lambda: started).deliver_due(SOON)
    with engine.connect() as conn:
        query = select(outbox.c.claim_expires).where(outbox.c.status == "sending")
        expires = set(conn.execute(query).scalars())
    assert expires == {(started + LEASE).astimezone(UTC).isoformat()}
