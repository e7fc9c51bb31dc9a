"""In the app: every decision is logged before the contact; channels refuse anything else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from portfolio_files import write_portfolio

from fairdebt.adapters.channels.base import ContactRefusedError, Delivery, OutboundMessage
from fairdebt.adapters.channels.console import ConsoleChannel
from fairdebt.adapters.db.repositories import SqlEventLog
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.compliance.pack import builtin_packs
from fairdebt.domain.case import Hold
from fairdebt.domain.loan import Component
from fairdebt.services.audit import verify_events
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
        SqlUnitOfWork(engine),
        [write_portfolio(tmp_path / "p")],
        ImportOptions(as_of=MORNING.date(), now=now),
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
    return ask(SqlUnitOfWork(engine), request, when, PACKS, "cn")


def _message(case, asked, channel="sms", to=PHONE):
    return OutboundMessage(
        case, channel, to, "您好，您的账单已逾期。", asked.decision_id if asked else None
    )


def test_an_allowed_sms_is_logged_before_it_is_sent(engine, case) -> None:
    sms = ConsoleChannel()
    asked = _ask(engine, case, MORNING)
    with engine.connect() as conn:
        before = [e.type for e in SqlEventLog(conn).events(case)]

    ContactGuard(SqlUnitOfWork(engine), {"sms": sms}).send(
        _message(case, asked), MORNING, "collector:u1"
    )

    assert asked.decision.decision.value == "allow"
    assert before[-1] == "gate_decision"  # on the record before anything went out
    with engine.connect() as conn:
        events = SqlEventLog(conn).events(case)
        assert verify_events(SqlEventLog(conn).all_events()).ok
    assert [e.type for e in events][-3:] == [
        "gate_decision",
        "contact_attempted",
        "contact_recorded",
    ]
    assert events[-1].data["decision_id"] == asked.decision_id and len(sms.outbox) == 1


def test_a_message_without_a_decision_is_refused_and_nothing_is_sent(engine, case) -> None:
    sms = ConsoleChannel()

    with pytest.raises(ContactRefusedError):
        ContactGuard(SqlUnitOfWork(engine), {"sms": sms}).send(_message(case, None), MORNING, "u1")

    assert sms.outbox == []


def test_a_denied_decision_cannot_be_used_to_send(engine, case) -> None:
    sms = ConsoleChannel()
    night = MORNING.replace(hour=23)
    asked = _ask(engine, case, night)

    with pytest.raises(ContactRefusedError, match="deny"):
        ContactGuard(SqlUnitOfWork(engine), {"sms": sms}).send(_message(case, asked), night, "u1")

    assert asked.decision.decision.value == "deny" and asked.decision.allowed_from is not None
    assert sms.outbox == []


def test_a_decision_is_used_once_for_its_own_channel_and_address(engine, case) -> None:
    sms = ConsoleChannel()
    guard = ContactGuard(SqlUnitOfWork(engine), {"sms": sms})
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
        ContactGuard(SqlUnitOfWork(engine), {"sms": ConsoleChannel()}).send(
            _message(case, asked), MORNING + timedelta(hours=1), "u1"
        )


def test_recorded_calls_feed_the_daily_cap_of_the_cn_pack(engine, case) -> None:
    dialer = FakeDialer()
    guard = ContactGuard(SqlUnitOfWork(engine), {"call": dialer})
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


# --- demands above what may be demanded (services.debt_state, CN-RATE-29) -------------------
PRIVATE_LOAN = {
    "account_id": "A0003",
    "borrower_id": "B0001",
    "product": "consumer_loan",
    "lender": "个人出借人",
    "lender_type": "private",
    "principal": "10000.00",
    "interest_rate": "0.24",
    "penalty_rate": "0.24",
    "disbursed_on": "2025-06-01",
}
PRIVATE_DUE = {
    "account_id": "A0003",
    "seq": "1",
    "due_on": "2025-07-01",
    "principal": "10000.00",
    "interest": "200.00",
}


@pytest.fixture
def private_case(engine, tmp_path) -> str:
    """B0001 with a 2025 private loan at 24 % (cap 4 x LPR = 12 %) overdue since 2025-07-01."""
    from portfolio_files import ACCOUNTS, SCHEDULES

    folder = write_portfolio(
        tmp_path / "p", accounts=[PRIVATE_LOAN, *ACCOUNTS], schedules=[*SCHEDULES, PRIVATE_DUE]
    )
    import_portfolio(
        SqlUnitOfWork(engine), [folder], ImportOptions(MORNING.date(), MORNING.astimezone(UTC))
    )
    return "C-B0001"


def _charges(engine, *accounts):
    from fairdebt.services.charges import account_charges

    order = (Component.FEE, Component.INTEREST, Component.PRINCIPAL)
    from fairdebt.adapters.db.uow import SqlUnitOfWork

    return [account_charges(SqlUnitOfWork(engine), a, MORNING.date(), order) for a in accounts]


def _demand(engine, case, text):
    request = ContactRequest(case, "sms", "debtor", "collect", PHONE, "lender-1", "u1", text)
    return ask(SqlUnitOfWork(engine), request, MORNING, PACKS, "cn")


def _sms(amount: str) -> str:
    return f"您好，您的账单已逾期，应还金额{amount}，请通过官方渠道还款。"


def test_a_demand_within_what_may_be_demanded_goes_ahead(engine, private_case) -> None:
    charges = _charges(engine, "A0001", "A0003")
    demandable = sum(c.demandable for c in charges)

    asked = _demand(engine, private_case, _sms(f"¥{demandable:,.2f}"))

    assert any(c.breakdown.excluded > 0 for c in charges)  # the loan has above-cap charges
    assert asked.decision.decision.value == "allow", asked.decision.to_dict()


def test_a_demand_for_the_above_cap_charges_is_denied_and_logged(engine, private_case) -> None:
    charges = _charges(engine, "A0001", "A0003")
    owed = sum(c.demandable + c.breakdown.excluded for c in charges)  # as the lender counts it
    sms = ConsoleChannel()

    asked = _demand(engine, private_case, _sms(f"{owed:.2f}元"))

    assert asked.decision.decision.value == "deny" and asked.decision.allowed_from is None
    assert "CN-RATE-29" in {r.id for r in asked.decision.rules if r.severity.value == "deny"}
    with engine.connect() as conn:
        logged = SqlEventLog(conn).events(private_case)[-1]
    assert logged.type == "gate_decision" and logged.data["decision_id"] == asked.decision_id
    with pytest.raises(ContactRefusedError, match="deny"):
        ContactGuard(SqlUnitOfWork(engine), {"sms": sms}).send(
            _message(private_case, asked), MORNING, "u1"
        )
    assert sms.outbox == []


def test_one_cent_above_what_may_be_demanded_is_denied(engine, case) -> None:
    (charges,) = _charges(engine, "A0001")  # a licensed lender: charges unchecked, all count
    over = charges.demandable + Decimal("0.01")

    at_limit = _demand(engine, case, _sms(f"¥{charges.demandable:,.2f}"))
    above = _demand(engine, case, _sms(f"¥{over:,.2f}"))

    assert at_limit.decision.decision.value == "allow"
    assert above.decision.decision.value == "deny"


def test_the_pure_gate_still_allows_the_same_request(engine, private_case) -> None:
    from fairdebt.adapters.db.uow import SqlUnitOfWork
    from fairdebt.compliance.engine import decide
    from fairdebt.services.contact import _gate_request

    request = ContactRequest(
        private_case, "sms", "debtor", "collect", PHONE, "lender-1", "u1", _sms("¥999,999.00")
    )
    with SqlUnitOfWork(engine) as uow:
        gate, _ = _gate_request(uow, request, "B0001", frozenset(), MORNING, "cn")

    assert decide(gate, packs=PACKS).decision.value == "allow"  # the contract is unchanged
    assert _demand(engine, private_case, _sms("¥999,999.00")).decision.decision.value == "deny"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("应还 ¥1,234.56 元", [("CNY", "1234.56")]),
        ("应还1234.56元，另有 RMB 20", [("CNY", "1234.56"), ("CNY", "20")]),
        ("共计1.2万元", [("CNY", "12000.0")]),
        ("Pay $1,234.56 or USD 50 today", [("USD", "1234.56"), ("USD", "50")]),
        ("15.4% a year from 2026-03-15, call 95588", []),
    ],
)
def test_the_sums_a_message_demands_are_read_with_their_currency(text, expected) -> None:
    from fairdebt.services.debt_state import demanded_amounts

    found = [(d.currency, d.amount) for d in demanded_amounts(text)]

    assert found == [(c, Decimal(a)) for c, a in expected]


@given(cents=st.integers(min_value=0, max_value=10**12), yuan_sign=st.booleans())
def test_a_written_amount_is_read_back_to_the_cent(cents: int, yuan_sign: bool) -> None:
    from fairdebt.services.debt_state import demanded_amounts

    amount = Decimal(cents).scaleb(-2)
    text = f"请还款¥{amount:,.2f}。" if yuan_sign else f"请还款{amount:.2f}元。"

    assert [d.amount for d in demanded_amounts(text)] == [amount]


def test_the_gate_decides_the_same_without_reading_its_own_earlier_decisions(
    engine, case, monkeypatch
) -> None:
    from fairdebt.services import contact

    dialer = FakeDialer()
    guard = ContactGuard(SqlUnitOfWork(engine), {"call": dialer})
    for hour in (9, 11, 14):
        asked = _ask(engine, case, MORNING.replace(hour=hour), channel="call")
        guard.send(_message(case, asked, channel="call"), MORNING.replace(hour=hour), "u1")
    request = ContactRequest(case, "call", "debtor", "remind", PHONE, "lender-1", "collector:u1")
    later = MORNING.replace(hour=16)

    def decided() -> dict[str, object]:
        with SqlUnitOfWork(engine) as uow:
            [(decision, _logged)] = contact.decide_many(uow, [(request, "cn")], later, PACKS)
        return decision.to_dict()

    lean = decided()
    monkeypatch.setattr(contact, "NOT_READ_BY_THE_GATE", frozenset())
    whole = decided()

    with engine.connect() as conn:
        types = {e.type for e in SqlEventLog(conn).events(case)}
    assert "gate_decision" in types  # the log has decisions to leave out
    assert lean == whole
    assert lean["decision"] == "deny"  # the three recorded calls were counted either way
