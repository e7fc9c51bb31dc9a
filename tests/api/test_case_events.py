"""The case page's event log: each event's data as labelled fields in the reader's language, with
phones, addresses, e-mails and names masked for the roles whose borrower card is masked.

The events are written by the real gate (`ask`) and ContactGuard on the console database, plus
events whose personal data sits in free text or deep in nested data."""

from __future__ import annotations

from datetime import timedelta

import console_data
import pytest

from fairdebt.adapters.channels.base import OutboundMessage
from fairdebt.adapters.channels.console import ConsoleChannel
from fairdebt.adapters.db.engine import make_engine
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.compliance.pack import builtin_packs
from fairdebt.domain.events import NewEvent
from fairdebt.services.access import grant
from fairdebt.services.contact import ContactGuard, ContactRequest, ask
from fairdebt.services.users import create_user

CASE = "C-B0000"  # placed with AG-EAST, so the agency persona may open it
SMS_TO = "+8615781526568"
VISIT_TO = "北京市朝阳路1号"
EMAIL_TO = "zhang.san@mail.example.cn"
FREE_TEXT_PHONE = "13911112222"
FREE_TEXT_EMAIL = "li.si@example.com"
NESTED_PHONE = "+8613922223333"
NESTED_ADDRESS = "上海市静安路8号"
NESTED_NAME = "李四光"
RAW = (SMS_TO, VISIT_TO, EMAIL_TO, FREE_TEXT_PHONE, FREE_TEXT_EMAIL, NESTED_PHONE, NESTED_ADDRESS)
MASKED_ROLES = ("admin", "supervisor", "east")
REVEAL_ROLES = ("collector",)  # granted the agency's case below (services.access)


def _ask(engine, channel: str, to: str, hours: int = 0):
    request = ContactRequest(
        CASE, channel, "debtor", "remind", to, "lender-1", "collector:u1", content="您好，请还款。"
    )
    when = console_data.NOW + timedelta(hours=hours)
    return ask(SqlUnitOfWork(engine), request, when, builtin_packs(), "cn")


@pytest.fixture(scope="module", autouse=True)
def contacts(console_db: tuple[str, console_data.Portfolio]) -> None:
    """An sms allowed and sent, a visit denied, an e-mail denied at night, and two events with
    personal data in free text and in nested data."""
    engine = make_engine(console_db[0])
    create_user(SqlUnitOfWork(engine), "admin", "admin", console_data.PASSWORD, "admin 测试")
    sent = _ask(engine, "sms", SMS_TO)
    message = OutboundMessage(CASE, "sms", SMS_TO, "您好", sent.decision_id)
    ContactGuard(SqlUnitOfWork(engine), {"sms": ConsoleChannel()}).send(
        message, console_data.NOW, "collector:u1"
    )
    assert _ask(engine, "visit", VISIT_TO).decision.decision.value == "deny"
    assert _ask(engine, "email", EMAIL_TO, hours=14).decision.decision.value == "deny"
    uow = SqlUnitOfWork(engine)
    with uow:
        reason = f"借款人要求改用 {FREE_TEXT_PHONE} 或 {FREE_TEXT_EMAIL} 联系"
        uow.events.append(
            CASE,
            NewEvent("hold_placed", "supervisor", {"hold": "dispute", "reason": reason}),
            console_data.NOW,
        )
        nested = {
            "changed": {
                "phones": [NESTED_PHONE],
                "contacts": [{"name": NESTED_NAME, "address": NESTED_ADDRESS}],
            }
        }
        uow.events.append(
            CASE, NewEvent("contact_details_added", "import", nested), console_data.NOW
        )
        uow.commit()
    grant(SqlUnitOfWork(engine), CASE, "collector", 7, "covering", "supervisor", console_data.NOW)
    engine.dispose()


@pytest.mark.parametrize("persona", MASKED_ROLES)
def test_masked_roles_read_no_phone_address_email_or_name_in_the_log(open_as, persona):
    html = open_as(persona).get(f"/console/cases/{CASE}").text

    for raw in (*RAW, NESTED_NAME):
        assert raw not in html, raw
    for masked in (
        "+86157****6568",
        "北京市****",
        "z***@mail.example.cn",
        "139****2222",
        "l***@example.com",
        "+86139****3333",
        "上海市****",
        "李**",
    ):
        assert masked in html, masked
    assert "&#34;to&#34;" not in html and '"to"' not in html  # no raw JSON at all


@pytest.mark.parametrize("persona", REVEAL_ROLES)
def test_roles_that_call_the_borrower_read_the_addresses_whole(open_as, persona):
    html = open_as(persona).get(f"/console/cases/{CASE}").text

    for raw in (*RAW, NESTED_NAME):
        assert raw in html, raw


@pytest.mark.parametrize("persona", MASKED_ROLES + REVEAL_ROLES)
def test_the_decision_shows_verdict_rules_and_attempt_in_chinese(open_as, persona):
    html = open_as(persona).get(f"/console/cases/{CASE}?lang=zh-CN").text

    for words in (
        "联络闸门决定",
        "结论",
        "允许",
        "拒绝",
        "规则",
        "最早可联络时间",
        "短信",
        "外访",
        "债务人",
        "提醒",
        "联络尝试",
        "已送达",
    ):
        assert words in html, words
    for rule in ("CBA26-VISIT", "FD-VISIT.approved", "CBA26-TIME", "NIFA25-TIME"):
        assert rule in html


@pytest.mark.parametrize("persona", ["admin", "collector"])
def test_the_decision_shows_verdict_rules_and_attempt_in_english(open_as, persona):
    html = open_as(persona).get(f"/console/cases/{CASE}?lang=en").text

    for words in (
        "Contact gate decision",
        "Verdict",
        "Allowed",
        "Denied",
        "Rules",
        "Allowed from",
        "SMS",
        "Visit",
        "Debtor",
        "Remind",
        "Contact attempted",
        "Delivered",
        "Outcome",
        "2026-07-01 08:00",
    ):
        assert words in html, words
    assert "CBA26-TIME" in html and "NIFA25-TIME" in html
    assert "changed.phones" in html  # a type without its own rendering: key paths, flattened
    assert "Dispute" in html  # code words read through the existing labels
