"""The opt-out word matcher, opt_outs_of, and the inbound use cases on the fake unit of work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fakes import FakeUnitOfWork

from fairdebt.compliance.types import Channel, OptOut
from fairdebt.domain.events import CaseEvent
from fairdebt.services.inbound import (
    is_opt_out,
    opt_outs_of,
    record_receipt,
    record_reply,
    unsubscribe,
)

NOW = datetime(2026, 6, 30, 9, 30, tzinfo=UTC)
PHONE = "+8613800000001"


@pytest.mark.parametrize(
    "text",
    [
        "STOP", "stop", "Stop", " stop ", "STOP.", "stop!!", "ＳＴＯＰ", "ｓｔｏｐ", "“STOP”",
        "UNSUBSCRIBE", "Unsubscribe", "stopall", "STOP ALL", "cancel", "END", "quit",
        "退订", " 退订。", "【退订】", "我要退订", "TD", "td", "Td", "ＴＤ", "T", "t", "ｔ",
        "回复TD", "回复 TD", "回复：退订", "回复T", "STOP texting me", "please unsubscribe me",
        "\u3000TD\u3000", "td!",
    ],
)  # fmt: skip
def test_opt_out_words_and_their_variants(text: str) -> None:
    assert is_opt_out(text)


@pytest.mark.parametrize(
    "text",
    [
        "", "好的，我周五还款", "I will pay on Friday", "can't stop worrying, paying Friday",
        "TDD", "today", "tt", "stopping by tomorrow", "回复", "ok", "谁？", "我已还款 T0001",
    ],
)  # fmt: skip
def test_other_replies_are_not_opt_outs(text: str) -> None:
    assert not is_opt_out(text)


def _event(type_: str, data: dict[str, object], seq: int = 1) -> CaseEvent:
    return CaseEvent("C-1", seq, NOW.isoformat(), type_, "t", data, "p", "h")


def test_opt_outs_of_reads_the_opt_out_events_only() -> None:
    events = [
        _event("case_opened", {}),
        _event(
            "opt_out",
            {
                "channel": "sms",
                "address": "+86 138-0000-0001",
                "at": "2026-06-30T09:00:00+00:00",
                "source": "x",
            },
        ),
        _event("inbound_message", {"channel": "sms", "phone": PHONE, "text": "hi"}),
        _event("opt_out", {"channel": "email", "address": " Zhang@Example.CN ", "at": None}),
    ]

    assert opt_outs_of(events) == (
        OptOut(Channel.SMS, PHONE, datetime(2026, 6, 30, 9, tzinfo=UTC)),
        OptOut(Channel.EMAIL, "zhang@example.cn", None),
    )
    assert opt_outs_of([]) == ()


def _uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    uow.addresses.add("C-1", phones=(PHONE,), email="zhang@example.cn")
    uow.addresses.add("C-2", phones=("+8613900000002", PHONE))
    uow.addresses.add("C-3", phones=(PHONE,), open_=False)
    return uow


def test_a_stop_reply_opts_out_every_open_case_of_the_number() -> None:
    uow = _uow()

    done = record_reply(uow, "gateway", "13800000001", "10690000", "STOP", NOW, NOW)

    assert done.kind == "opt_out" and done.cases == ("C-1", "C-2")
    (event,) = uow.events.events("C-1")
    assert event.type == "opt_out" and event.actor == "provider:gateway"
    assert event.data["channel"] == "sms" and event.data["address"] == PHONE
    assert opt_outs_of(uow.events.events("C-2")) == (OptOut(Channel.SMS, PHONE, NOW),)
    assert uow.events.events("C-3") == []


def test_the_same_stop_twice_is_one_opt_out() -> None:
    uow = _uow()
    record_reply(uow, "gateway", PHONE, "1069", "STOP", NOW, NOW)

    again = record_reply(uow, "gateway", PHONE, "1069", "退订", NOW, NOW + timedelta(minutes=1))

    assert again.matched == 2
    assert len(uow.events.events("C-1")) == 1


def test_a_sender_clock_ahead_of_ours_does_not_postpone_the_opt_out() -> None:
    uow = _uow()

    record_reply(uow, "gateway", PHONE, "1069", "TD", NOW + timedelta(hours=1), NOW)

    assert opt_outs_of(uow.events.events("C-1"))[0].at == NOW


def test_another_reply_is_kept_for_the_collectors() -> None:
    uow = _uow()

    done = record_reply(uow, "gateway", PHONE, "1069", "我周五还款", None, NOW)

    assert done.kind == "inbound_message" and done.matched == 2
    (event,) = uow.events.events("C-1")
    assert event.data["text"] == "我周五还款" and event.data["phone"] == PHONE


def test_a_number_nobody_has_matches_nothing() -> None:
    uow = _uow()

    done = record_reply(uow, "gateway", "+8618600000009", "1069", "STOP", None, NOW)

    assert done.matched == 0 and uow.commits == 1


def test_a_receipt_goes_to_the_case_of_its_message() -> None:
    uow = _uow()
    uow.addresses.messages["d" * 64] = "C-2"

    done = record_receipt(uow, "gateway", "sms", "d" * 64, "failed", NOW, "absent", NOW)
    unknown = record_receipt(uow, "gateway", "sms", "e" * 64, "delivered", NOW, "", NOW)

    assert done.cases == ("C-2",) and unknown.matched == 0
    (event,) = uow.events.events("C-2")
    assert event.type == "delivery_receipt"
    assert event.data["status"] == "failed" and event.data["client_ref"] == "d" * 64


def test_unsubscribe_opts_the_address_out_on_its_case_and_the_others() -> None:
    uow = _uow()
    uow.cases.rows["C-9"] = object()  # type: ignore[assignment]  # the link's own case

    done = unsubscribe(uow, "C-9", "Zhang@Example.cn", NOW, "one-click")

    assert done.cases == ("C-1", "C-9")
    assert opt_outs_of(uow.events.events("C-9")) == (
        OptOut(Channel.EMAIL, "zhang@example.cn", NOW),
    )
