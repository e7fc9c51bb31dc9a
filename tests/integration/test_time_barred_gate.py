"""In the app: each debt's time-barred flag reaches the gate, computed at the decision time.

China from legal.limitation and the case's acknowledgments; the US from the state table and the
state in the borrower's address. Both databases (tests/integration/conftest.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from portfolio_files import write_portfolio

from fairdebt.adapters.db.repositories import SqlEventLog
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.compliance.pack import builtin_packs
from fairdebt.domain.loan import Component
from fairdebt.domain.money import Money
from fairdebt.domain.payment_channel import official_payment
from fairdebt.services.contact import ContactRequest, ask
from fairdebt.services.importing import ImportOptions, import_portfolio
from fairdebt.services.payments import record_payment, reverse_payment

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
CN_NOW = datetime(2026, 4, 20, 10, 0, tzinfo=SHANGHAI)
US_NOW = datetime(2026, 4, 20, 10, 0, tzinfo=NEW_YORK)
ORDER = (Component.FEE, Component.INTEREST, Component.PRINCIPAL)
PACKS = builtin_packs()
THREAT = (
    "This is a communication from a debt collector about your account balance of $500.00. "
    "If you do not pay, we will file a lawsuit against you. Reply STOP to opt out."
)
CN_LETTER = "您好，您的账单已逾期，请通过官方渠道还款，否则我们将起诉。"


def _borrower(address: str, city: str, zone: str) -> dict[str, str]:
    return {
        "borrower_id": "B0001",
        "name": "Pat Doe",
        "phones": "+13055550100",
        "address": address,
        "city": city,
        "timezone": zone,
    }


def _account(currency: str, product: str = "consumer_loan") -> dict[str, str]:
    return {
        "account_id": "A0001",
        "borrower_id": "B0001",
        "product": product,
        "lender": "Example Finance",
        "lender_type": "consumer_finance",
        "currency": currency,
        "principal": "1000.00",
        "interest_rate": "0.10",
        "disbursed_on": "2019-01-01",
    }


def _schedule(last_due: str) -> list[dict[str, str]]:
    return [
        {"account_id": "A0001", "seq": "1", "due_on": "2019-02-01", "principal": "500"},
        {"account_id": "A0001", "seq": "2", "due_on": last_due, "principal": "500"},
    ]


def _case(engine, tmp_path, borrower, account, last_due: str, now: datetime) -> str:
    folder = write_portfolio(
        tmp_path / "p",
        borrowers=[borrower],
        accounts=[account],
        schedules=[row | {"interest": "0"} for row in _schedule(last_due)],
        payments=[],
    )
    options = ImportOptions(as_of=now.date(), now=now.astimezone(UTC))
    import_portfolio(SqlUnitOfWork(engine), [folder], options)
    return "C-B0001"


def _cn_case(engine, tmp_path, last_due: str = "2021-03-15") -> str:
    borrower = _borrower("北京市朝阳区建国路88号", "北京", "Asia/Shanghai")
    return _case(engine, tmp_path, borrower, _account("CNY"), last_due, CN_NOW)


def _us_case(engine, tmp_path, city: str, last_due: str = "2019-06-01", product="consumer_loan"):
    borrower = _borrower("100 Main St", city, "America/New_York")
    return _case(engine, tmp_path, borrower, _account("USD", product), last_due, US_NOW)


def _ask(engine, case, now, pack, content, channel="letter"):
    request = ContactRequest(
        case, channel, "debtor", "collect", "100 Main St", "agency-1", "collector:u1", content
    )
    return ask(SqlUnitOfWork(engine), request, now, PACKS, pack)


def _logged_limitation(engine, case) -> dict:
    with engine.connect() as conn:
        decisions = [e for e in SqlEventLog(conn).events(case) if e.type == "gate_decision"]
    return decisions[-1].data["limitation"]["A0001"]


def _ids(asked, severity: str | None = None) -> set[str]:
    return {r.id for r in asked.decision.rules if severity in (None, r.severity.value)}


def _pay(engine, on: date, payment_id: str = "P1") -> None:
    payment = official_payment(
        payment_id, "A0001", on, Money.of("100"), "bank_transfer", f"TX-{payment_id}"
    )
    record_payment(SqlUnitOfWork(engine), payment, "agent", CN_NOW, CN_NOW.date(), ORDER)


# --- China ------------------------------------------------------------------------------------
def test_a_cn_debt_past_its_three_years_reaches_the_gate_time_barred(engine, tmp_path) -> None:
    case = _cn_case(engine, tmp_path)  # last due 2021-03-15: expired 2024-03-15

    asked = _ask(engine, case, CN_NOW, "cn", CN_LETTER)

    assert "CN-LIM-192" in _ids(asked)  # fires only on a debt whose time_barred is true
    assert _logged_limitation(engine, case) == {
        "law": "cn",
        "status": "expired",
        "expires_on": "2024-03-15",
    }


def test_a_partial_payment_within_the_period_keeps_a_cn_debt_live(engine, tmp_path) -> None:
    case = _cn_case(engine, tmp_path)
    _pay(engine, date(2023, 6, 1))  # acknowledges the rest (CN-LIM-SX14): a new 3 years

    asked = _ask(engine, case, CN_NOW, "cn", CN_LETTER)

    assert "CN-LIM-192" not in _ids(asked)
    assert _logged_limitation(engine, case)["expires_on"] == "2026-06-01"


def test_a_payment_that_bounced_acknowledges_nothing(engine, tmp_path) -> None:
    case = _cn_case(engine, tmp_path)
    _pay(engine, date(2023, 6, 1))
    reverse_payment(
        SqlUnitOfWork(engine),
        "P1",
        date(2023, 6, 3),
        "bounced",
        "agent",
        CN_NOW,
        CN_NOW.date(),
        ORDER,
    )

    asked = _ask(engine, case, CN_NOW, "cn", CN_LETTER)

    assert "CN-LIM-192" in _ids(asked)


def test_an_accepted_plan_within_the_period_keeps_a_cn_debt_live(engine, tmp_path) -> None:
    from fairdebt.domain.events import NewEvent
    from fairdebt.legal.limitation import AckKind
    from fairdebt.services.acknowledgment import acknowledgment

    case = _cn_case(engine, tmp_path)
    with engine.begin() as conn:  # what services.repayment logs when a plan is accepted
        ack = acknowledgment(AckKind.REPAYMENT_PLAN, date(2024, 1, 10), "u1", account="A0001")
        SqlEventLog(conn).append(case, NewEvent(ack.type, ack.actor, ack.data), CN_NOW)

    asked = _ask(engine, case, CN_NOW, "cn", CN_LETTER)

    assert "CN-LIM-192" not in _ids(asked)
    assert _logged_limitation(engine, case)["status"] == "running"


def test_the_flag_is_computed_on_the_decision_day_not_the_import_day(engine, tmp_path) -> None:
    case = _cn_case(engine, tmp_path, last_due="2023-04-20")  # runs to 2026-04-20 inclusive

    on_the_last_day = _ask(engine, case, CN_NOW, "cn", CN_LETTER)
    next_day = _ask(engine, case, CN_NOW.replace(day=21), "cn", CN_LETTER)

    assert "CN-LIM-192" not in _ids(on_the_last_day)
    assert "CN-LIM-192" in _ids(next_day)


# --- United States ----------------------------------------------------------------------------
def test_a_letter_threatening_suit_on_a_time_barred_us_debt_is_denied(engine, tmp_path) -> None:
    case = _us_case(engine, tmp_path, "Miami, FL 33101")  # written contract: 5 years (table)

    asked = _ask(engine, case, US_NOW, "us-regf", THREAT)

    assert asked.decision.decision.value == "deny"
    assert "US-TBD" in _ids(asked, "deny")
    assert _logged_limitation(engine, case) == {
        "law": "us-fl",
        "status": "expired",
        "expires_on": "2024-06-01",
    }


def test_the_same_letter_on_a_debt_inside_the_state_period_is_not_a_tbd_denial(
    engine, tmp_path
) -> None:
    case = _us_case(engine, tmp_path, "Miami, FL 33101", last_due="2022-06-01")

    asked = _ask(engine, case, US_NOW, "us-regf", THREAT)

    assert "US-TBD" not in _ids(asked)
    assert _logged_limitation(engine, case)["status"] == "running"


def test_a_credit_card_takes_the_states_open_account_period(engine, tmp_path) -> None:
    # Florida: open account 4 years, written contract 5: a card due 2021-06-01 is barred
    case = _us_case(engine, tmp_path, "Miami, FL", last_due="2021-06-01", product="credit_card")

    asked = _ask(engine, case, US_NOW, "us-regf", THREAT)

    assert "US-TBD" in _ids(asked, "deny")
    assert _logged_limitation(engine, case)["expires_on"] == "2025-06-01"


def test_a_state_without_a_sourced_period_sends_a_suit_threat_to_review(engine, tmp_path) -> None:
    case = _us_case(engine, tmp_path, "Columbus, OH 43004")  # Ohio: sources disagree

    asked = _ask(engine, case, US_NOW, "us-regf", THREAT)

    assert "US-TBD" in _ids(asked, "review") and "US-TBD" not in _ids(asked, "deny")
    assert asked.decision.decision.value in ("review", "deny")
    assert _logged_limitation(engine, case)["status"] == "unknown"


def test_without_a_known_state_a_us_debt_is_not_flagged(engine, tmp_path) -> None:
    case = _us_case(engine, tmp_path, "Springfield")

    asked = _ask(engine, case, US_NOW, "us-regf", THREAT)

    assert "US-TBD" not in _ids(asked)
    with engine.connect() as conn:
        decision = [e for e in SqlEventLog(conn).events(case) if e.type == "gate_decision"][-1]
    assert decision.data["limitation"] == {}  # no law applied, nothing claimed


@pytest.mark.parametrize("channel", ["letter", "email"])
def test_a_message_without_a_threat_on_a_barred_debt_is_not_a_tbd_denial(
    engine, tmp_path, channel
) -> None:
    case = _us_case(engine, tmp_path, "Miami, FL 33101")
    polite = "This is a communication from a debt collector. Reply STOP to opt out."

    asked = _ask(engine, case, US_NOW, "us-regf", polite, channel=channel)

    assert "US-TBD" not in _ids(asked)


@pytest.mark.parametrize(
    ("address", "city", "state"),
    [
        ("100 Main St, Columbus, OH 43004", None, "oh"),
        ("100 Main St", "Miami, FL 33101-1234", "fl"),
        ("100 Main St, Austin, tx", "", "tx"),
        ("1 Elm St, Springfield, ZZ 12345", None, None),  # not a state the table knows
        ("北京市朝阳区建国路88号", "北京", None),
        (None, None, None),
    ],
)
def test_the_borrowers_state_is_read_from_the_end_of_the_address(address, city, state) -> None:
    from fairdebt.services.debt_state import us_state_of

    assert us_state_of(address, city) == state
