"""In the app: every decision is logged before the contact; channels refuse anything else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from portfolio_files import write_portfolio

from fairdebt.adapters.channels.base import ContactRefusedError, Delivery, OutboundMessage
from fairdebt.adapters.channels.console import ConsoleChannel
from fairdebt.adapters.db.repositories import SqlEventLog
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.compliance.pack import builtin_packs
from fairdebt.domain.case import Hold
from fairdebt.services.audit import verify_all
from fairdebt.services.contact import ContactGuard, ContactRequest, ask
from fairdebt.services.importing import ImportOptions, import_portfolio

SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 4, 20, 10, 0, tzinfo=SHANGHAI)
PHONE = "+8613812345678"
PACKS = builtin_packs()


class FakeDialer:
    """A dialer whose calls are all answered."""

    def __init__(self) -> None:
        self.calls: list[OutboundMessage] = []

    def deliver(self, message: OutboundMessage) -> Delivery:
        self.calls.append(message)
        return Delivery("conversation")


@pytest.fixture
def case(engine, tmp_path) -> str:
    now = MORNING.astimezone(UTC)
    import_portfolio(
        engine, [write_portfolio(tmp_path / "p")], ImportOptions(as_of=MORNING.date(), now=now)
    )
    return "C-B0001"


def _ask(engine, case, when, channel="sms"):
    request = ContactRequest(
        case,
        channel,
        "debtor",
        "remind",
        PHONE,
        "lender-1",
        "collector:u1",
        content="您好，您的账单已逾期，请通过官方渠道还款。",
    )
    return ask(engine, request, when, PACKS, "cn")


def _message(case, asked, channel="sms", to=PHONE):
    return OutboundMessage(
        case, channel, to, "您好，您的账单已逾期。", asked.decision_id if asked else None
    )


def test_an_allowed_sms_is_logged_before_it_is_sent(engine, case) -> None:
    sms = ConsoleChannel()
    asked = _ask(engine, case, MORNING)
    with engine.connect() as conn:
        before = [e.type for e in SqlEventLog(conn).events(case)]

    ContactGuard(engine, {"sms": sms}).send(_message(case, asked), MORNING, "collector:u1")

    assert asked.decision.decision.value == "allow"
    assert before[-1] == "gate_decision"  # on the record before anything went out
    with engine.connect() as conn:
        events = SqlEventLog(conn).events(case)
        assert verify_all(SqlEventLog(conn).all_events()).ok
    assert [e.type for e in events][-2:] == ["gate_decision", "contact_recorded"]
    assert events[-1].data["decision_id"] == asked.decision_id and len(sms.outbox) == 1


def test_a_message_without_a_decision_is_refused_and_nothing_is_sent(engine, case) -> None:
    sms = ConsoleChannel()

    with pytest.raises(ContactRefusedError):
        ContactGuard(engine, {"sms": sms}).send(_message(case, None), MORNING, "u1")

    assert sms.outbox == []


def test_a_denied_decision_cannot_be_used_to_send(engine, case) -> None:
    sms = ConsoleChannel()
    night = MORNING.replace(hour=23)
    asked = _ask(engine, case, night)

    with pytest.raises(ContactRefusedError, match="deny"):
        ContactGuard(engine, {"sms": sms}).send(_message(case, asked), night, "u1")

    assert asked.decision.decision.value == "deny" and asked.decision.allowed_from is not None
    assert sms.outbox == []


def test_a_decision_is_used_once_for_its_own_channel_and_address(engine, case) -> None:
    sms = ConsoleChannel()
    guard = ContactGuard(engine, {"sms": sms})
    asked = _ask(engine, case, MORNING)

    with pytest.raises(ContactRefusedError, match="another channel or address"):
        guard.send(_message(case, asked, to="+8613900000000"), MORNING, "u1")
    guard.send(_message(case, asked), MORNING, "u1")
    with pytest.raises(ContactRefusedError, match="already used"):
        guard.send(_message(case, asked), MORNING, "u1")

    assert len(sms.outbox) == 1


def test_a_stale_decision_must_be_asked_again(engine, case) -> None:
    asked = _ask(engine, case, MORNING)

    with pytest.raises(ContactRefusedError, match="stale"):
        ContactGuard(engine, {"sms": ConsoleChannel()}).send(
            _message(case, asked), MORNING + timedelta(hours=1), "u1"
        )


def test_recorded_calls_feed_the_daily_cap_of_the_cn_pack(engine, case) -> None:
    dialer = FakeDialer()
    guard = ContactGuard(engine, {"call": dialer})
    for hour in (9, 11, 14):
        when = MORNING.replace(hour=hour)
        asked = _ask(engine, case, when, channel="call")
        assert asked.decision.decision.value == "allow", asked.decision.to_dict()
        guard.send(_message(case, asked, channel="call"), when, "collector:u1")

    fourth = _ask(engine, case, MORNING.replace(hour=16), channel="call")

    assert fourth.decision.decision.value == "deny"
    assert fourth.decision.allowed_from is not None
    assert len(dialer.calls) == 3


def test_a_hold_on_the_case_stops_every_contact(engine, case) -> None:
    with SqlUnitOfWork(engine) as uow:
        held, event = uow.cases.get(case).place_hold(Hold.COMPLAINT, "compliance:c1")
        uow.cases.save(held)
        uow.events.append(case, event, MORNING)
        uow.commit()

    asked = _ask(engine, case, MORNING)

    assert asked.decision.decision.value == "deny" and asked.decision.allowed_from is None
