"""The inbound webhooks on the console database: signed SMS replies (STOP opts out, and the next
SMS gate decision for that number denies while a call is still allowed), receipts, e-mail
bounces, the e-mail unsubscribe link; a request not signed right changes nothing."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import console_data
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fixed_clock import FixedClock

from fairdebt.adapters.channels import unsubscribe as links
from fairdebt.adapters.channels.base import OutboundMessage
from fairdebt.adapters.channels.console import ConsoleChannel
from fairdebt.adapters.channels.signing import signed_headers
from fairdebt.adapters.db.engine import make_engine
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.bootstrap import Services
from fairdebt.compliance.pack import builtin_packs
from fairdebt.services.contact import ContactGuard, ContactRequest, ask
from fairdebt.settings import load_settings
from fairdebt.web.app import create_app

GATEWAY_SECRET = "gateway-secret"
MAIL_SECRET = "mail-secret"
SECRET_KEY = "test-secret-key"
NOW = console_data.NOW


@pytest.fixture
def app(console_db: tuple[str, console_data.Portfolio]) -> FastAPI:
    settings = load_settings(
        database_url=console_db[0],
        secret_key=SECRET_KEY,
        env="test",
        sms_gateway_secret=GATEWAY_SECRET,
        inbound_secrets=f"email:{MAIL_SECRET},other:other-secret",
    )
    return create_app(Services(settings, clock=FixedClock(NOW)))


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app, follow_redirects=False)


@pytest.fixture
def engine(console_db: tuple[str, console_data.Portfolio]):
    made = make_engine(console_db[0])
    yield made
    made.dispose()


def _post(
    client: TestClient,
    path: str,
    payload: dict[str, Any],
    secret: str = GATEWAY_SECRET,
    at: float | None = None,
) -> Any:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    sent_at = NOW.timestamp() if at is None else at
    headers = signed_headers("fairdebt", secret, body, sent_at)
    return client.post(path, content=body, headers=headers | {"Content-Type": "application/json"})


def _events(engine, case_id: str) -> list[Any]:
    uow = SqlUnitOfWork(engine)
    with uow:
        return uow.events.events(case_id)


def _all_events(engine) -> int:
    uow = SqlUnitOfWork(engine)
    with uow:
        return sum(1 for _ in uow.events.all_events())


def _ask(engine, case_id: str, channel: str, to: str, minutes: int = 5):
    request = ContactRequest(
        case_id, channel, "debtor", "remind", to, "lender-1", "collector:u1",
        content="您好，请及时还款。回复TD退订",
    )  # fmt: skip
    when = NOW + timedelta(minutes=minutes)
    return ask(SqlUnitOfWork(engine), request, when, builtin_packs(), "cn")


def test_a_stop_reply_makes_the_next_sms_decision_deny_but_a_call_still_allowed(
    client: TestClient, engine, portfolio: console_data.Portfolio
) -> None:
    case, phone = "C-B0003", portfolio.phones["C-B0003"]
    assert _ask(engine, case, "sms", phone).decision.decision.value == "allow"
    national = f"{phone[3:6]} {phone[6:10]} {phone[10:]}"  # "138 0003 0021": no country code

    answer = _post(client, "/api/v1/inbound/sms/gateway", {
        "from": national, "to": "10690000", "text": "ＴＤ。", "at": "2026-06-30T09:29:00Z",
    })  # fmt: skip

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"recorded": "opt_out", "matched": 1}
    opt_out = _events(engine, case)[-1]
    assert opt_out.type == "opt_out" and opt_out.actor == "provider:gateway"
    assert opt_out.data["channel"] == "sms" and opt_out.data["address"] == phone
    sms = _ask(engine, case, "sms", phone, minutes=10).decision
    assert sms.decision.value == "deny"
    assert "CN-PIPL-13/14/15" in [r.id for r in sms.rules]
    call = _ask(engine, case, "call", phone, minutes=11).decision
    assert call.decision.value == "allow", call.rules
    assert "CN-PIPL-13/14/15" not in [r.id for r in call.rules]


def test_a_bad_signature_is_401_and_changes_nothing(
    client: TestClient, engine, portfolio: console_data.Portfolio
) -> None:
    reply = {"from": portfolio.phones["C-B0004"], "to": "1069", "text": "STOP"}
    before = _all_events(engine)

    wrong = _post(client, "/api/v1/inbound/sms/gateway", reply, secret="guess")
    stale = _post(client, "/api/v1/inbound/sms/gateway", reply, at=NOW.timestamp() - 600)
    unknown = _post(client, "/api/v1/inbound/sms/nobody", reply)
    unsigned = client.post("/api/v1/inbound/sms/gateway", json=reply)
    other = _post(client, "/api/v1/inbound/sms/gateway", reply, secret="other-secret")
    receipt = _post(
        client, "/api/v1/inbound/sms/gateway/receipts",
        {"client_ref": "x", "status": "delivered"}, secret="guess",
    )  # fmt: skip
    bounce = _post(client, "/api/v1/inbound/email/bounces", {"client_ref": "x"})

    for refused in (wrong, stale, unknown, unsigned, other, receipt, bounce):
        assert refused.status_code == 401, refused.text
        assert refused.json() == {"error": "the request is not signed with this provider's secret"}
    assert _all_events(engine) == before


def test_a_tampered_body_is_refused(client: TestClient, engine) -> None:
    body = b'{"from":"+8613800050035","to":"1069","text":"hello"}'
    headers = signed_headers("k", GATEWAY_SECRET, body, NOW.timestamp())
    before = _all_events(engine)

    answer = client.post(
        "/api/v1/inbound/sms/gateway", content=body.replace(b"hello", b"STOP"), headers=headers
    )

    assert answer.status_code == 401
    assert _all_events(engine) == before


def test_a_number_nobody_has_matches_nothing(client: TestClient, engine) -> None:
    before = _all_events(engine)

    answer = _post(
        client, "/api/v1/inbound/sms/gateway", {"from": "+8618999999999", "to": "1", "text": "T"}
    )

    assert answer.status_code == 200
    assert answer.json() == {"recorded": "opt_out", "matched": 0}
    assert _all_events(engine) == before


def test_another_reply_is_kept_as_an_inbound_message(
    client: TestClient, engine, portfolio: console_data.Portfolio
) -> None:
    phone = portfolio.phones["C-B0006"]

    reply = {"from": phone, "to": "10690000", "text": "我周五一定还款"}
    reply["at"] = "2026-06-30T09:00:00+08:00"

    answer = _post(client, "/api/v1/inbound/sms/other", reply, secret="other-secret")

    assert answer.json() == {"recorded": "inbound_message", "matched": 1}
    event = _events(engine, "C-B0006")[-1]
    assert event.type == "inbound_message"
    assert event.data["text"] == "我周五一定还款" and event.data["phone"] == phone
    assert event.data["at"] == "2026-06-30T09:00:00+08:00"
    assert _ask(engine, "C-B0006", "sms", phone).decision.decision.value == "allow"


def test_a_malformed_reply_is_422(client: TestClient) -> None:
    missing = _post(client, "/api/v1/inbound/sms/gateway", {"to": "1", "text": "STOP"})
    bad_time = _post(
        client, "/api/v1/inbound/sms/gateway", {"from": "1", "text": "x", "at": "yesterday"}
    )

    assert missing.status_code == 422 and "from" in missing.json()["error"]
    assert bad_time.status_code == 422


def test_a_receipt_lands_on_the_case_of_its_message(
    client: TestClient, engine, portfolio: console_data.Portfolio
) -> None:
    case, phone = "C-B0007", portfolio.phones["C-B0007"]
    asked = _ask(engine, case, "sms", phone, minutes=0)
    message = OutboundMessage(case, "sms", phone, "您好", asked.decision_id)
    ContactGuard(SqlUnitOfWork(engine), {"sms": ConsoleChannel()}).send(
        message, NOW, "collector:u1"
    )

    answer = _post(client, "/api/v1/inbound/sms/gateway/receipts", {
        "client_ref": asked.decision_id, "status": "failed", "at": "2026-06-30T09:31:00Z",
        "detail": "absent subscriber",
    })  # fmt: skip
    unknown = _post(
        client, "/api/v1/inbound/sms/gateway/receipts", {"client_ref": "f" * 64, "status": "ok"}
    )

    assert answer.json() == {"recorded": "delivery_receipt", "matched": 1}
    assert unknown.json() == {"recorded": "delivery_receipt", "matched": 0}
    event = _events(engine, case)[-1]
    assert event.type == "delivery_receipt"
    assert event.data["status"] == "failed" and event.data["client_ref"] == asked.decision_id
    assert event.data["detail"] == "absent subscriber"


def test_an_email_bounce_names_its_message_by_message_id(
    client: TestClient, engine, portfolio: console_data.Portfolio
) -> None:
    case = "C-B0008"
    asked = _ask(engine, case, "email", "b8@example.cn", minutes=0)
    message = OutboundMessage(case, "email", "b8@example.cn", "您好", asked.decision_id)
    ContactGuard(SqlUnitOfWork(engine), {"email": ConsoleChannel()}).send(
        message, NOW, "collector:u1"
    )

    answer = _post(
        client,
        "/api/v1/inbound/email/bounces",
        {"message_id": f"<{asked.decision_id}@fairdebt>", "detail": "550 5.1.1 no such user"},
        secret=MAIL_SECRET,
    )

    assert answer.json() == {"recorded": "delivery_receipt", "matched": 1}
    event = _events(engine, case)[-1]
    assert event.data["status"] == "bounced" and event.data["channel"] == "email"


def test_the_unsubscribe_page_changes_nothing_and_its_button_opts_out(
    client: TestClient,
    engine,
) -> None:
    case, address = "C-B0009", "b9@example.cn"
    url = links.link("http://testserver", SECRET_KEY, case, address)
    before = _all_events(engine)

    page = client.get(url)

    assert page.status_code == 200
    assert 'method="post"' in page.text and "b***@example.cn" in page.text
    assert address not in page.text
    assert _all_events(engine) == before
    assert _ask(engine, case, "email", address).decision.decision.value == "allow"

    done = client.post(url, data={})

    assert done.status_code == 200 and "已退订" in done.text
    assert [e.type for e in _events(engine, case)][-2:] == ["gate_decision", "opt_out"]
    email = _ask(engine, case, "email", address, minutes=10).decision
    assert email.decision.value == "deny"
    assert "CN-PIPL-13/14/15" in [r.id for r in email.rules]


def test_one_click_unsubscribe(client: TestClient, engine) -> None:
    url = links.link("http://testserver", SECRET_KEY, "C-B0010", "b10@example.cn")

    answer = client.post(
        url,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": "null"},
    )
    again = client.post(url, content=b"List-Unsubscribe=One-Click")

    assert answer.status_code == 200 and again.status_code == 200
    opt_outs = [e for e in _events(engine, "C-B0010") if e.type == "opt_out"]
    assert len(opt_outs) == 1  # clicked twice, recorded once
    assert opt_outs[0].data == {
        "channel": "email",
        "address": "b10@example.cn",
        "at": NOW.isoformat(),
        "source": "one-click unsubscribe (RFC 8058)",
    }


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_tampered_unsubscribe_token_is_400(client: TestClient, engine, method: str) -> None:
    token = links.token(SECRET_KEY, "C-B0011", "b11@example.cn")
    forged = links.token("another-key", "C-B0011", "b11@example.cn")
    before = _all_events(engine)

    for bad in (token[:-2] + "xx", forged, "", "not-a-token"):
        answer = client.request(method, f"/api/v1/inbound/email/unsubscribe?t={bad}")
        assert answer.status_code == 400
        assert "not valid" in answer.text
    assert _all_events(engine) == before


def test_the_case_page_shows_the_opt_out_with_the_number_masked_for_an_agency(
    client: TestClient, open_as, portfolio: console_data.Portfolio
) -> None:
    phone = portfolio.phones["C-B0000"]  # placed with AG-EAST
    _post(client, "/api/v1/inbound/sms/gateway", {"from": phone, "to": "1069", "text": "STOP"})

    agency = open_as("east").get("/console/cases/C-B0000?lang=zh-CN").text
    supervisor = open_as("supervisor").get("/console/cases/C-B0000?lang=en").text

    assert "已退订" in agency and phone not in agency
    assert "Opted out" in supervisor


def test_a_body_nested_thousands_deep_is_422_not_a_crash(client: TestClient) -> None:
    body = ("[" * 5000 + "]" * 5000).encode()
    headers = signed_headers("fairdebt", GATEWAY_SECRET, body, NOW.timestamp())
    answer = client.post(
        "/api/v1/inbound/sms/gateway",
        content=body,
        headers=headers | {"Content-Type": "application/json"},
    )
    assert answer.status_code == 422
    assert "nested 5000 levels deep" in answer.json()["error"]


@pytest.mark.parametrize(
    ("path", "secret", "payload", "field"),
    [
        (
            "/api/v1/inbound/sms/gateway",
            GATEWAY_SECRET,
            {"from": "+86138\x0000", "text": "x"},
            "from",
        ),
        ("/api/v1/inbound/sms/gateway", GATEWAY_SECRET, {"from": "1", "text": "STOP\x00"}, "text"),
        (
            "/api/v1/inbound/sms/gateway/receipts",
            GATEWAY_SECRET,
            {"client_ref": "r\x00", "status": "delivered"},
            "client_ref",
        ),
        ("/api/v1/inbound/email/bounces", MAIL_SECRET, {"client_ref": "%\x00"}, "client_ref"),
    ],
)
def test_a_nul_character_in_a_field_is_422_and_records_nothing(
    client: TestClient, engine, path: str, secret: str, payload: dict[str, Any], field: str
) -> None:
    """PostgreSQL cannot store NUL, SQLite can: the webhook refuses it the same on both,
    before any lookup (on PostgreSQL it was a 400 naming the database's error)."""
    before = _all_events(engine)

    answer = _post(client, path, payload, secret=secret)

    assert answer.status_code == 422
    assert answer.json() == {"error": f"`{field}` must not contain a NUL character"}
    assert _all_events(engine) == before
