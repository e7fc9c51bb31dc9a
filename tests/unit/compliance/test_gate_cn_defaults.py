"""The cn pack's defaults: caps, third parties, visits — with exact allowed_from."""

from __future__ import annotations

from datetime import timedelta

from gate_requests import denied_by, event, every, fired, gate, request, visit

SPOUSE_PHONE = "+86 137 2222 3333"
D1 = [{"id": "D1", "dpd": 45, "balance": "12000.00"}]


def test_a_fourth_connected_call_in_a_day_is_denied_whoever_calls_until_tomorrow_0800() -> None:
    answered = [
        event("2026-03-02T09:00:00+08:00", outcome="conversation", collector="bank"),
        event("2026-03-02T11:00:00+08:00", outcome="conversation", collector="agency-1"),
        event("2026-03-02T13:00:00+08:00", outcome="conversation", collector="agency-2"),
    ]

    decision = gate(request("2026-03-02T15:00:00+08:00", collector="agency-3", history=answered))

    assert {"NIFA25-FREQ", "GBT45251-CONV"} <= denied_by(decision)
    assert decision.allowed_from is not None
    assert decision.allowed_from.isoformat() == "2026-03-03T08:00:00+08:00"


def test_three_connected_calls_yesterday_do_not_count_today() -> None:
    answered = every("2026-03-01T09:00:00+08:00", 3, timedelta(hours=2), outcome="conversation")
    assert gate(request("2026-03-02T09:00:00+08:00", history=answered)).decision == "allow"


def test_a_seventh_unanswered_attempt_to_one_number_in_a_day_is_denied_but_not_another_number() -> (
    None
):
    six = every("2026-03-02T09:00:00+08:00", 6, timedelta(minutes=40))

    same = gate(request("2026-03-02T15:00:00+08:00", history=six))
    other = gate(request("2026-03-02T15:00:00+08:00", history=six, to="+86 138 9999 9999"))

    assert denied_by(same) == {"CBA26-FREQ"}
    assert other.decision == "allow"


def test_an_emergency_contact_may_be_asked_to_relay_after_three_consecutive_failures() -> None:
    failures = every("2026-03-02T09:00:00+08:00", 3, timedelta(hours=1))

    decision = gate(
        request(
            "2026-03-02T14:00:00+08:00",
            party="emergency_contact",
            purpose="relay",
            to=SPOUSE_PHONE,
            content="您好，请转告张三先生尽快回电 95555。",
            history=failures,
        )
    )

    assert decision.decision == "allow", decision.to_json()


def test_two_failures_or_a_conversation_in_between_do_not_make_the_debtor_lost() -> None:
    two = every("2026-03-02T09:00:00+08:00", 2, timedelta(hours=1))
    broken = [*two, event("2026-03-02T11:00:00+08:00", outcome="conversation")]
    broken += [event("2026-03-02T12:00:00+08:00")]

    for history in (two, broken):
        decision = gate(
            request(
                "2026-03-02T14:00:00+08:00",
                party="emergency_contact",
                purpose="locate",
                to=SPOUSE_PHONE,
                history=history,
            )
        )
        assert denied_by(decision) == {"CBA26-3P"}
        assert decision.allowed_from is None


def test_a_number_out_of_service_makes_the_debtor_lost_at_once() -> None:
    dead = [event("2026-03-02T09:00:00+08:00", outcome="not_in_service")]
    decision = gate(
        request(
            "2026-03-02T10:00:00+08:00",
            party="spouse",
            purpose="locate",
            to=SPOUSE_PHONE,
            history=dead,
        )
    )
    assert decision.decision == "allow"


def test_a_relay_message_that_mentions_the_debt_is_a_disclosure() -> None:
    dead = [event("2026-03-02T09:00:00+08:00", outcome="not_in_service")]
    decision = gate(
        request(
            "2026-03-02T10:00:00+08:00",
            party="spouse",
            purpose="relay",
            to=SPOUSE_PHONE,
            content="请转告他尽快处理逾期欠款。",
            history=dead,
        )
    )
    assert denied_by(decision) == {"NIFA18-18"}


def test_a_contact_who_refused_is_never_contacted_again() -> None:
    dead = [event("2026-03-02T09:00:00+08:00", outcome="not_in_service")]
    refused = event(
        "2026-03-01T10:00:00+08:00", party="spouse", to=SPOUSE_PHONE, outcome="refused_contact"
    )
    by_history = gate(
        request(
            "2026-03-02T10:00:00+08:00",
            party="spouse",
            purpose="locate",
            to=SPOUSE_PHONE,
            history=[refused, *dead],
        )
    )
    by_list = gate(
        request(
            "2026-03-02T10:00:00+08:00",
            party="spouse",
            purpose="locate",
            to=SPOUSE_PHONE,
            history=dead,
            refused_third_parties=["+8613722223333"],
        )
    )
    assert denied_by(by_history) == {"GBT45251-CONTACT"}
    assert denied_by(by_list) == {"GBT45251-CONTACT"}


def test_a_visit_by_one_agent_below_30_dpd_is_denied_on_both_counts() -> None:
    decision = gate(
        request(
            "2026-03-02T10:00:00+08:00",
            channel="visit",
            visit=visit(agents=[{"id": "agent-1"}]),
            borrower_debts=[{"id": "D1", "dpd": 29}],
        )
    )
    assert denied_by(decision) == {"CBA26-VISIT", "FD-VISIT.dpd"}
    assert decision.allowed_from is None


def test_a_visit_notified_twenty_hours_ahead_waits_for_the_full_day() -> None:
    decision = gate(
        request(
            "2026-03-02T10:00:00+08:00",
            channel="visit",
            visit=visit(notice_sent_at="2026-03-01T14:30:00+08:00"),
            borrower_debts=D1,
        )
    )
    assert denied_by(decision) == {"FD-VISIT.notice"}
    assert decision.allowed_from is not None
    assert decision.allowed_from.isoformat() == "2026-03-02T14:30:00+08:00"


def test_a_visit_without_details_is_judged_on_the_schema_defaults() -> None:
    decision = gate(request("2026-03-02T10:00:00+08:00", channel="visit", borrower_debts=D1))
    assert {"CBA26-VISIT", "FD-VISIT.approved", "FD-VISIT.notice"} <= denied_by(decision)


def test_cash_at_the_door_is_refused() -> None:
    decision = gate(
        request(
            "2026-03-02T10:00:00+08:00",
            channel="visit",
            visit=visit(collect_cash_or_card=True),
            borrower_debts=D1,
        )
    )
    assert denied_by(decision) == {"NIFA18-19"}


def test_a_complaint_hold_allows_only_replies() -> None:
    collect = gate(request("2026-03-02T10:00:00+08:00", holds=["complaint"]))
    reply = gate(request("2026-03-02T10:00:00+08:00", purpose="respond", holds=["complaint"]))
    assert denied_by(collect) == {"FD-HOLD.complaint"}
    assert collect.allowed_from is None
    assert reply.decision == "allow"


def test_an_opt_out_of_sms_stops_sms_to_that_number_only() -> None:
    opt_outs = [{"channel": "sms", "address": "+8613800000000"}]
    sms = gate(request("2026-03-02T10:00:00+08:00", channel="sms", opt_outs=opt_outs))
    call = gate(request("2026-03-02T10:00:00+08:00", opt_outs=opt_outs))
    assert denied_by(sms) == {"CN-PIPL-13/14/15"}
    assert call.decision == "allow"


def test_messages_follow_the_request_locale() -> None:
    decision = gate(request("2026-03-02T22:05:00+08:00", locale="zh-CN"))
    assert "22:00 至 08:00" in decision.rules[0].message
    assert fired(decision) == {"CBA26-TIME", "NIFA25-TIME"}
