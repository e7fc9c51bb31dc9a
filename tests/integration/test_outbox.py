"""The outbox on SQLite and PostgreSQL: queued with its decision, asked again before sending,
deferred, cancelled, retried with backoff, failed visibly, and finished after a worker died —
never sent twice, never lost."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import console_data
import pytest
from sqlalchemy import update

from fairdebt.adapters.channels.base import ChannelError, OutboundMessage
from fairdebt.adapters.channels.console import ConsoleChannel
from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.repositories import SqlEventLog
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.compliance.pack import builtin_packs
from fairdebt.services.contact import ContactRequest, ask
from fairdebt.services.outbox import BACKOFF, LEASE, MAX_TRIES, Worker, enqueue, new_key
from fairdebt.services.ports.outbox import NewMessage

SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 6, 30, 10, 0, tzinfo=SHANGHAI)
PACKS = builtin_packs()
CASE = "C-B0003"
BODY = (
    "【示例消费金融有限公司】您好，您的借款已逾期，请及时还款。"
    "如有疑问请致电 400-000-0000。回复 TD 退订。"
)


@pytest.fixture
def portfolio(engine) -> console_data.Portfolio:
    with engine.begin() as conn:
        return console_data.build(conn, count=5)


def _queue(engine, portfolio, now: datetime = MORNING, body: str = BODY) -> NewMessage:  # type: ignore[no-untyped-def]
    """Ask the gate for an SMS to the case's phone and queue it in the same transaction."""
    phone = portfolio.phones[CASE]
    request = ContactRequest(CASE, "sms", "debtor", "remind", phone, "in-house", "test", body)
    uow = SqlUnitOfWork(engine)
    with uow:
        decision = ask(uow, request, now, PACKS, "cn").decision
        assert decision.decision.value == "allow", decision.rules
        message = NewMessage(
            new_key(), CASE, None, "sms", "debtor", "remind", "in-house", "test", "cn", phone,
            "", body, "zh-CN", "", decision.id, now, now,
        )  # fmt: skip
        enqueue(uow, message)
        uow.commit()
    return message


def _worker(engine, channel, **more) -> Worker:  # type: ignore[no-untyped-def]
    return Worker(SqlUnitOfWork(engine), {"sms": channel}, PACKS, **more)


def _types(engine) -> list[str]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return [e.type for e in SqlEventLog(conn).events(CASE)]


def _events(engine, kind: str) -> list[dict]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return [dict(e.data) for e in SqlEventLog(conn).events(CASE) if e.type == kind]


def _row(engine):  # type: ignore[no-untyped-def]
    with SqlUnitOfWork(engine) as uow:
        return uow.outbox.listing(None, 1)[0]


def test_a_queued_message_is_sent_once_with_the_hash_of_its_exact_bytes(engine, portfolio) -> None:
    message = _queue(engine, portfolio)
    sms = ConsoleChannel()
    kept: dict[str, bytes] = {}

    class Store:
        def put(self, data: bytes, media_type: str) -> str:
            ref = "sha256:" + hashlib.sha256(data).hexdigest()
            kept[ref] = data
            return ref

        def get(self, ref: str) -> bytes:
            return kept[ref]

        def check(self, ref: str):  # type: ignore[no-untyped-def]
            return "ok"

    first = _worker(engine, sms, evidence=Store()).drain(lambda: MORNING)
    again = _worker(engine, sms).drain(lambda: MORNING + timedelta(hours=1))

    assert (first.counts, again.counts) == ({"sent": 1}, {})
    assert len(sms.outbox) == 1 and sms.outbox[0].key == message.key
    recorded = _events(engine, "contact_recorded")[0]
    assert kept[recorded["evidence"]] == BODY.encode("utf-8") == sms.outbox[0].payload
    assert recorded["key"] == message.key and recorded["outcome"] == "delivered"
    assert _row(engine).status == "sent"


def test_a_message_queued_counts_for_the_gate_before_it_is_sent(engine, portfolio) -> None:
    """The cn pack allows a few texts a day: queued ones count, so a burst cannot pass it."""
    statuses = []
    for n in range(12):
        phone = portfolio.phones[CASE]
        request = ContactRequest(CASE, "sms", "debtor", "remind", phone, "in-house", "t", BODY)
        at = MORNING + timedelta(minutes=n)
        statuses.append(
            ask(SqlUnitOfWork(engine), request, at, PACKS, "cn").decision.decision.value
        )
        if statuses[-1] == "allow":
            _queue(engine, portfolio, at)

    assert "allow" in statuses and statuses[-1] == "deny"  # the cap was reached while queued
    sent = _worker(engine, ConsoleChannel()).drain(lambda: MORNING + timedelta(minutes=20))
    assert sent.counts == {"sent": statuses.count("allow")}  # asked again, each still allowed


def test_a_hold_that_arrives_while_queued_cancels_the_message(engine, portfolio) -> None:
    _queue(engine, portfolio)
    with engine.begin() as conn:  # a dispute is raised before the worker gets to it
        conn.execute(update(t.cases).where(t.cases.c.id == CASE).values(holds="dispute"))
    sms = ConsoleChannel()

    done = _worker(engine, sms).drain(lambda: MORNING + timedelta(minutes=5))

    assert done.counts == {"cancelled": 1} and sms.outbox == []
    cancelled = _events(engine, "contact_cancelled")[0]
    assert cancelled["status"] == "cancelled" and "FD-HOLD.dispute" in cancelled["why"]
    assert _row(engine).status == "cancelled"


def test_a_quiet_hour_at_sending_time_reschedules_to_when_the_gate_allows(
    engine, portfolio
) -> None:
    _queue(engine, portfolio)
    sms = ConsoleChannel()
    night = datetime(2026, 6, 30, 23, 0, tzinfo=SHANGHAI)

    deferred = _worker(engine, sms).drain(lambda: night)
    still = _worker(engine, sms).drain(lambda: night + timedelta(minutes=30))
    row = _row(engine)
    morning = _worker(engine, sms).drain(lambda: row.message.due_at)

    assert deferred.counts == {"deferred": 1} and still.counts == {}
    assert row.status == "queued" and row.message.due_at.astimezone(SHANGHAI).hour == 8
    assert morning.counts == {"sent": 1} and len(sms.outbox) == 1


class Failing(ConsoleChannel):
    """A provider that is down (or refuses) for the first `times` calls."""

    def __init__(self, times: int, *, permanent: bool = False) -> None:
        super().__init__()
        self.times = times
        self.permanent = permanent
        self.calls = 0

    def deliver(self, message: OutboundMessage):  # type: ignore[no-untyped-def]
        self.calls += 1
        if self.calls <= self.times:
            raise ChannelError("gateway answered 503 Service Unavailable", permanent=self.permanent)
        return super().deliver(message)


def test_an_unreachable_provider_is_retried_with_backoff_then_fails_visibly(
    engine, portfolio
) -> None:
    _queue(engine, portfolio)
    sms = Failing(times=99)
    at = MORNING
    seen = []
    for _ in range(MAX_TRIES):
        seen.append(_worker(engine, sms).drain(lambda at=at: at).counts)
        row = _row(engine)
        at = row.message.due_at + timedelta(seconds=1) if row.status == "queued" else at

    assert seen == [{"retrying": 1}] * (MAX_TRIES - 1) + [{"failed": 1}]
    row = _row(engine)
    assert row.status == "failed" and row.tries == MAX_TRIES
    assert "503 Service Unavailable" in (row.last_error or "")
    assert _events(engine, "contact_failed")[0]["detail"].startswith("gateway answered 503")
    assert sms.outbox == []


def test_the_first_retry_waits_the_first_backoff(engine, portfolio) -> None:
    _queue(engine, portfolio)
    sms = Failing(times=1)

    first = _worker(engine, sms).drain(lambda: MORNING)
    too_soon = _worker(engine, sms).drain(lambda: MORNING + BACKOFF[0] - timedelta(seconds=1))
    then = _worker(engine, sms).drain(lambda: MORNING + BACKOFF[0] + timedelta(seconds=1))

    assert (first.counts, too_soon.counts, then.counts) == ({"retrying": 1}, {}, {"sent": 1})
    assert len(sms.outbox) == 1
    outcomes = [e["outcome"] for e in _events(engine, "contact_recorded")]
    assert outcomes == ["failed", "delivered"]  # both tries are on the record


def test_a_permanent_refusal_fails_at_once_with_the_providers_answer(engine, portfolio) -> None:
    _queue(engine, portfolio)

    done = _worker(engine, Failing(times=99, permanent=True)).drain(lambda: MORNING)

    assert done.counts == {"failed": 1}
    assert _row(engine).tries == 1 and "503" in (_row(engine).last_error or "")


class Dies(ConsoleChannel):
    """A worker process killed in the provider call, before the provider has the message."""

    def deliver(self, message: OutboundMessage):  # type: ignore[no-untyped-def]
        raise SystemExit("killed")


def test_a_worker_killed_mid_send_is_taken_over_and_the_message_sent_once(
    engine, portfolio
) -> None:
    _queue(engine, portfolio)
    with pytest.raises(SystemExit):
        _worker(engine, Dies()).drain(lambda: MORNING)
    assert _row(engine).status == "sending"  # the attempt is on the record
    sms = ConsoleChannel()

    during_lease = _worker(engine, sms).drain(lambda: MORNING + LEASE - timedelta(seconds=1))
    after = _worker(engine, sms).drain(lambda: MORNING + LEASE + timedelta(seconds=1))

    assert (during_lease.counts, after.counts) == ({}, {"sent": 1})
    assert len(sms.outbox) == 1
    assert _types(engine).count("contact_attempted") == 1  # not asked, not attempted again
    assert _types(engine).count("contact_recorded") == 1


def test_a_provider_that_cannot_be_asked_leaves_a_dead_workers_message_for_a_person(
    engine, portfolio
) -> None:
    class Smtp(ConsoleChannel):
        idempotent = False

        def lookup(self, key: str):  # type: ignore[no-untyped-def]
            return None

    _queue(engine, portfolio)
    with pytest.raises(SystemExit):
        _worker(engine, Dies()).drain(lambda: MORNING)
    mail = Smtp()

    done = _worker(engine, mail).drain(lambda: MORNING + LEASE + timedelta(seconds=1))

    assert done.counts == {"unconfirmed": 1} and mail.outbox == []  # never risk a second one
    assert _row(engine).status == "unconfirmed"
    assert "contact_unconfirmed" in _types(engine)


def test_a_message_for_a_channel_this_deployment_lacks_fails_plainly(engine, portfolio) -> None:
    _queue(engine, portfolio)

    done = Worker(SqlUnitOfWork(engine), {}, PACKS).drain(lambda: MORNING)

    assert done.counts == {"failed": 1}
    assert _row(engine).last_error == "no sms channel here"


def test_two_workers_draining_at_once_send_each_message_once(engine, portfolio) -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    for n in range(3):
        _queue(engine, portfolio, MORNING + timedelta(seconds=n))
    sms = ConsoleChannel()
    start = threading.Barrier(2)

    def work(n: int) -> dict[str, int]:
        start.wait()
        w = _worker(engine, sms, name=f"w{n}")
        return w.drain(lambda: MORNING + timedelta(minutes=1), limit=1).counts

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(work, range(2)))

    assert sum(r.get("sent", 0) for r in results) == 3
    assert len(sms.outbox) == len({m.key for m in sms.outbox}) == 3


def test_a_row_claimed_by_one_worker_cannot_be_claimed_or_moved_by_another(
    engine, portfolio
) -> None:
    """A row claimed by one worker cannot be moved by another."""
    from fairdebt.services.ports.outbox import Change

    _queue(engine, portfolio)
    with SqlUnitOfWork(engine) as uow:
        (row,) = uow.outbox.claim_due(MORNING, "a", MORNING + LEASE, 10)
        assert uow.outbox.claim_due(MORNING, "b", MORNING + LEASE, 10) == []
        assert not uow.outbox.change(row.id, "b", Change("sent"))
        assert uow.outbox.change(row.id, "a", Change("sent"))
        uow.commit()


def test_a_queued_letter_is_posted_as_its_pdf_and_kept_as_evidence(
    engine, portfolio, tmp_path
) -> None:
    """Through the composition root: the letter directory gets the PDF and its manifest, the
    evidence store the same bytes, and the audit finds every object it names."""
    import json

    from fairdebt.bootstrap import Services
    from fairdebt.services.audit import check_evidence, verify_all
    from fairdebt.settings import load_settings

    settings = load_settings(data_dir=tmp_path, letter_dir=tmp_path / "post")
    wired = Services(settings, engine=engine)
    with engine.connect() as conn:
        address = conn.scalar(
            t.borrowers.select()
            .with_only_columns(t.borrowers.c.address)
            .where(t.borrowers.c.id == "B0003")
        )
    body = (  # what a collection letter must state (CC-69): balance, objection, contact, seal
        "催收通知函\n您的欠款余额已逾期，请及时还款。如有异议请致电 400-000-0000 联系我们。"
        "\n示例消费金融有限公司（章）"
    )
    request = ContactRequest(CASE, "letter", "debtor", "collect", address, "in-house", "t", body)
    uow = wired.uow()
    with uow:
        decision = ask(uow, request, MORNING, PACKS, "cn").decision
        assert decision.decision.value == "allow", decision.rules
        key = new_key()
        enqueue(
            uow,
            NewMessage(
                key, CASE, None, "letter", "debtor", "collect", "in-house", "t", "cn", address,
                "", body, "zh-CN", "collection_notice", decision.id, MORNING, MORNING,
            ),
        )  # fmt: skip
        uow.commit()

    done = wired.outbox_worker().drain(lambda: MORNING)

    assert done.counts == {"sent": 1}
    pdf = (tmp_path / "post" / f"{key}.pdf").read_bytes()
    manifest = json.loads((tmp_path / "post" / f"{key}.json").read_text("utf-8"))
    assert pdf.startswith(b"%PDF-") and manifest["kind"] == "collection_notice"
    recorded = _events(engine, "contact_recorded")[0]
    assert recorded["evidence"] == "sha256:" + hashlib.sha256(pdf).hexdigest()
    assert manifest["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert wired.evidence.get(recorded["evidence"]) == pdf
    refs: list = []
    assert verify_all(wired.uow(), refs=refs).ok
    assert {r.ref for r in refs} == {recorded["evidence"]}  # attempted and recorded name it
    assert check_evidence(wired.evidence, refs).ok


def test_the_command_line_delivers_the_outbox_and_lists_what_failed_masked(
    engine, portfolio
) -> None:
    """`fairdebt worker --once` delivers what is due (the console channel, nothing leaves the
    machine); `fairdebt outbox list` shows every row with its recipient masked."""
    import json

    from cli_run import fairdebt

    _queue(engine, portfolio, MORNING)
    env = {
        "FAIRDEBT_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "FAIRDEBT_SMS_GATEWAY_URL": "",
    }

    # --now is not a worker option: the clock is the machine's, so a quiet hour may defer it
    delivered = fairdebt("worker", "--once", env=env)
    listed = fairdebt("outbox", "list", "--json", env=env)
    refused = fairdebt("outbox", "list", "--status", "lost", env=env)

    assert delivered.returncode == 0, delivered.stderr
    line = delivered.stdout.strip()
    assert line.startswith("sent ") and ("sent 1," in line or "deferred 1," in line)
    rows = json.loads(listed.stdout)
    assert [r["status"] for r in rows] in (["sent"], ["queued"])
    phone = portfolio.phones[CASE]
    assert phone not in listed.stdout and rows[0]["to"].endswith(phone[-4:])
    assert refused.returncode == 2 and "unknown --status 'lost'" in refused.stderr


def test_a_running_worker_stops_cleanly_on_sigterm(engine, portfolio) -> None:
    """`fairdebt worker` (no --once) polls until told to stop, finishes, prints its summary."""
    import os
    import signal
    import subprocess
    import sys

    if engine.dialect.name != "sqlite":
        pytest.skip("the process's signal handling does not depend on the database")
    env = {
        **os.environ,
        "FAIRDEBT_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "FAIRDEBT_SMS_GATEWAY_URL": "",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "fairdebt", "worker", "--poll", "0.1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert worker.stderr is not None
        started = worker.stderr.readline()  # printed once it is polling
        worker.send_signal(signal.SIGTERM)
        out, _ = worker.communicate(timeout=60)
    finally:
        worker.kill()

    assert "delivering the outbox" in started
    assert worker.returncode == 0 and out.startswith("sent 0,")
