"""Several writers appending to the same cases' logs at once (outbox workers whose batches share
cases): each waits for the other instead of colliding on a case's sequence number, so none of
them fails, and every chain stays whole.

Before the cases' log tips were taken under a row lock, two PostgreSQL transactions read the
same tip and the second insert died on the (case, seq) key; the worker retried a few times and
then crashed."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import console_data
import pytest
from outbox_texts import queue_text
from sqlalchemy.engine import Engine

from fairdebt.adapters.channels.console import ConsoleChannel
from fairdebt.adapters.db.repositories import SqlEventLog
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.compliance.pack import builtin_packs
from fairdebt.domain.events import NewEvent, verify_chain
from fairdebt.services import outbox
from fairdebt.services.outbox import Worker

AT = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)
MORNING = datetime(2026, 6, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SOON = MORNING + timedelta(minutes=5)
PACKS = builtin_packs()
BODY = "【示例消费金融有限公司】您好，您的借款已逾期，请及时还款。回复 TD 退订。"
WRITERS = 4
ROUNDS = 15


def _writers(engine: Engine, work) -> list[BaseException]:  # type: ignore[no-untyped-def]
    """Run `work(n)` in WRITERS threads started together; the errors they raised."""
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        start.wait()
        try:
            work(n)
        except BaseException as exc:  # the test reports every one
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_writers_whose_batches_share_cases_wait_for_each_other_instead_of_colliding(
    engine: Engine,
) -> None:
    with engine.begin() as conn:
        cases = list(console_data.build(conn, count=6).case_ids)

    def batch(n: int) -> None:
        uow = SqlUnitOfWork(engine)
        for r in range(ROUNDS):
            mine = cases[n % 2 :: 1] if r % 2 else list(reversed(cases))  # orders differ
            with uow:
                uow.events.append_many(
                    [(c, NewEvent("note_added", f"w{n}", {"round": r})) for c in mine], AT
                )
                uow.events.append(mine[0], NewEvent("note_added", f"w{n}", {"one": r}), AT)
                uow.commit()

    errors = _writers(engine, batch)
    assert errors == []
    with engine.connect() as conn:
        log = SqlEventLog(conn)
        for case in cases:
            events = log.events(case)
            assert verify_chain(case, events) is None, case
            assert [e.seq for e in events] == list(range(1, len(events) + 1))
        notes = sum(1 for c in cases for e in log.events(c) if e.type == "note_added")
    expected = sum(
        (len(cases) - (n % 2 if r % 2 else 0)) + 1 for n in range(WRITERS) for r in range(ROUNDS)
    )
    assert notes == expected


def _queue_two_per_case(engine: Engine) -> list[str]:
    """Two texts queued for each case of a small portfolio the gate allows them for, due case
    after case and then again (so batches taken in due order share cases); their keys."""
    with engine.begin() as conn:
        portfolio = console_data.build(conn, count=12)
    uow = SqlUnitOfWork(engine)
    keys = []
    for n, case in enumerate(portfolio.case_ids):
        for k in range(2):
            at = MORNING + timedelta(seconds=100 * k + n)
            key = queue_text(uow, case, portfolio.phones[case], BODY, at, PACKS)
            if key is None:
                break
            keys.append(key)
    assert len(keys) >= 6, "the portfolio must give a few cases the gate allows texts for"
    return keys


def test_outbox_workers_whose_batches_share_cases_all_finish_without_a_race_error(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers in threads drain one outbox whose texts share cases (two per case, claimed three
    at a time): none of them needs a second try of a step, each text is sent once."""
    monkeypatch.setattr(outbox, "RACES", 1)  # a collision on a case's log fails the worker
    keys = _queue_two_per_case(engine)
    channel = ConsoleChannel()
    workers = [
        Worker(SqlUnitOfWork(engine), {"sms": channel}, PACKS, name=f"w{n}") for n in range(WRITERS)
    ]

    def drain(n: int) -> None:
        workers[n].drain(lambda: SOON, 3)

    assert _writers(engine, drain) == []
    with SqlUnitOfWork(engine) as uow:
        statuses = {r.message.key: r.status for r in uow.outbox.listing(None, 1000)}
    assert statuses == dict.fromkeys(keys, "sent")
    handed = [m.key for m in channel.outbox]
    assert sorted(handed) == sorted(keys)


def test_a_claim_takes_at_most_its_limit_however_many_rows_are_due(engine: Engine) -> None:
    """PostgreSQL ran the locking subquery of a claim again for every row it updated (a nested
    loop, the table's statistics being new), each run skipping the rows locked before: one
    worker claimed every due row instead of a batch, and held them all for one lease."""
    _queue_two_per_case(engine)
    uow = SqlUnitOfWork(engine)
    with uow:
        due = len(uow.outbox.listing("queued", 1000))
        first = uow.outbox.claim_due(SOON, "w1", SOON + timedelta(minutes=2), 5)
        uow.commit()
    with uow:
        second = uow.outbox.claim_due(SOON, "w2", SOON + timedelta(minutes=2), 5)
        uow.commit()
    assert due > 10
    assert (len(first), len(second)) == (5, 5)
    assert not {r.id for r in first} & {r.id for r in second}
