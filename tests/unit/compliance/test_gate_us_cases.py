"""The worked cases of docs/packs/us-regf-sources.md (Regulation F), each as its own test.

The calendar: Monday 2026-04-06 is day 1 (New York on daylight time, UTC-4). Calls are at
10:00 local unless a case says otherwise.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gate_requests import US_PHONE, denied_by, event, every, fired, gate, request

NY = ["America/New_York"]
DAY = timedelta(days=1)
MIRANDA = "This is a communication from a debt collector."


def us(now: str, **kw: Any) -> dict[str, Any]:
    kw.setdefault("to", US_PHONE)
    kw.setdefault("timezones", NY)
    kw.setdefault("collector", "agency")
    return request(now, pack="us-regf", **kw)


def calls(start: str, count: int, step: timedelta = DAY, **kw: Any) -> list[dict[str, Any]]:
    kw.setdefault("to", US_PHONE)
    kw.setdefault("collector", "agency")
    return every(start, count, step, **kw)


def talk(at: str, **kw: Any) -> dict[str, Any]:
    kw.setdefault("to", US_PHONE)
    kw.setdefault("collector", "agency")
    return event(at, outcome="conversation", **kw)


def test_us_1_seven_unanswered_calls_in_seven_days_are_presumed_compliant() -> None:
    decision = gate(us("2026-04-12T10:00:00-04:00", history=calls("2026-04-06T10:00:00-04:00", 6)))
    assert decision.decision == "allow"


def test_us_2_an_eighth_call_in_seven_days_is_presumed_a_violation_until_day_eight() -> None:
    history = [*calls("2026-04-06T10:00:00-04:00", 7)]

    decision = gate(us("2026-04-12T15:00:00-04:00", history=history))

    assert decision.decision == "deny"
    assert "US-FREQ-PRES" in denied_by(decision)
    # Monday's call leaves the 7-day window at Monday 00:00; 08:00 is the first lawful hour.
    assert decision.allowed_from is not None
    assert decision.allowed_from.isoformat() == "2026-04-13T08:00:00-04:00"


def test_us_4_seven_calls_over_two_days_are_compliant_on_count_but_reviewed() -> None:
    history = [
        *calls("2026-04-06T09:00:00-04:00", 4, timedelta(hours=2)),
        *calls("2026-04-07T09:00:00-04:00", 2, timedelta(hours=2)),
    ]

    decision = gate(us("2026-04-07T15:00:00-04:00", history=history))

    assert decision.decision == "review"
    assert "US-FREQ-REBUT-C.concentration" in fired(decision)
    assert "US-FREQ-PRES" not in fired(decision)


def test_us_5_calls_on_days_2_4_and_7_after_a_conversation_are_presumed_violations() -> None:
    conversation = [talk("2026-04-06T10:00:00-04:00")]
    for day in ("2026-04-07", "2026-04-09", "2026-04-12"):
        decision = gate(us(f"{day}T10:00:00-04:00", history=conversation))

        assert denied_by(decision) == {"US-FREQ-PRES.conversation"}, day
        assert decision.allowed_from is not None
        assert decision.allowed_from.isoformat() == "2026-04-13T08:00:00-04:00"


def test_us_6_a_call_on_day_8_after_a_conversation_is_compliant() -> None:
    decision = gate(us("2026-04-13T09:00:00-04:00", history=[talk("2026-04-06T10:00:00-04:00")]))
    assert decision.decision == "allow"


def test_us_8_a_conversation_the_consumer_started_also_starts_the_seven_days() -> None:
    inbound = talk("2026-04-06T10:00:00-04:00", direction="in")
    for day in ("2026-04-08", "2026-04-09", "2026-04-10"):
        decision = gate(us(f"{day}T10:00:00-04:00", history=[inbound]))
        assert "US-FREQ-PRES.conversation" in denied_by(decision), day


def test_us_9_a_call_back_the_consumer_asked_for_is_excluded_until_it_becomes_a_talk() -> None:
    inbound = talk("2026-04-06T10:00:00-04:00", direction="in")
    call_back = {
        "given_at": "2026-04-06T10:05:00-04:00",
        "channel": "call",
        "on_date": "2026-04-09",
        "given_directly_to": "agency",
    }

    thursday = gate(us("2026-04-09T10:00:00-04:00", history=[inbound], consents=[call_back]))
    wednesday = gate(us("2026-04-08T10:00:00-04:00", history=[inbound], consents=[call_back]))
    talked_thursday = [inbound, talk("2026-04-09T10:00:00-04:00")]
    friday = gate(us("2026-04-10T10:00:00-04:00", history=talked_thursday, consents=[call_back]))

    assert thursday.decision == "allow"
    assert wednesday.decision == "deny"
    assert wednesday.allowed_from is not None
    assert wednesday.allowed_from.isoformat() == "2026-04-09T08:00:00-04:00"
    assert "US-FREQ-PRES.conversation" in denied_by(friday)
    assert friday.allowed_from is not None
    assert friday.allowed_from.isoformat() == "2026-04-16T08:00:00-04:00"


def test_us_11_seven_calls_a_week_on_each_of_three_debts_are_compliant_per_debt() -> None:
    history = [
        *calls("2026-04-06T09:00:00-04:00", 6, debts=("D1",)),
        *calls("2026-04-06T11:00:00-04:00", 7, debts=("D2",)),
        *calls("2026-04-06T13:00:00-04:00", 7, debts=("D3",)),
    ]

    decision = gate(us("2026-04-12T15:00:00-04:00", debts=("D1",), history=history))

    assert decision.decision == "review"
    assert "US-FREQ-PRES" not in fired(decision)
    assert "US-FREQ-MULTI" in fired(decision)


def test_us_15_two_unanswered_calls_within_five_minutes_may_rebut_compliance() -> None:
    history = [
        event("2026-04-06T10:00:00-04:00", to=US_PHONE, collector="agency"),
        event("2026-04-08T10:00:00-04:00", to=US_PHONE, collector="agency"),
        event("2026-04-08T15:57:00-04:00", to=US_PHONE, collector="agency"),
    ]

    decision = gate(us("2026-04-08T16:00:00-04:00", history=history))

    assert decision.decision == "review"
    assert "US-FREQ-REBUT-C.burst" in fired(decision)


def test_us_16_a_ninth_call_in_seven_days_is_presumed_a_violation_even_to_give_a_notice() -> None:
    history = calls("2026-04-06T09:00:00-04:00", 8, timedelta(hours=18))

    decision = gate(us("2026-04-12T10:00:00-04:00", purpose="legal_notice", history=history))

    # the presumption may be rebutted (Rebutting FAQ 2), by a person, not by the gate
    assert "US-FREQ-PRES" in denied_by(decision)


def test_us_17_two_collectors_with_six_calls_each_are_each_compliant_but_reviewed() -> None:
    history = [
        *calls("2026-04-06T09:00:00-04:00", 6, collector="debt-buyer"),
        *calls("2026-04-06T12:00:00-04:00", 6, collector="agency"),
    ]

    decision = gate(us("2026-04-12T10:00:00-04:00", history=history))

    assert "US-FREQ-PRES" not in fired(decision)
    assert decision.decision == "review"
    assert "US-FREQ-MULTI" in fired(decision)


def test_us_18_many_unanswered_texts_a_day_are_likely_harassment_though_not_counted() -> None:
    texts = [
        text
        for day in ("06", "07", "08")
        for text in calls(
            f"2026-04-{day}T10:00:00-04:00",
            3,
            timedelta(hours=3),
            channel="sms",
            outcome="delivered",
        )
    ]
    content = f"{MIRANDA} Please call us. Reply STOP to stop texts."

    decision = gate(us("2026-04-08T17:00:00-04:00", channel="sms", content=content, history=texts))

    assert decision.decision == "review"
    assert fired(decision) == {"US-HARASS-GEN"}


def test_us_19_a_call_at_10_eastern_to_a_consumer_in_los_angeles_is_too_early() -> None:
    decision = gate(
        us("2026-04-06T10:00:00-04:00", timezones=["America/New_York", "America/Los_Angeles"])
    )

    assert denied_by(decision) == {"US-TIME"}
    assert decision.allowed_from is not None
    assert decision.allowed_from.isoformat() == "2026-04-06T11:00:00-04:00"


def test_us_23_im_busy_now_covers_only_that_contact() -> None:
    # "I'm busy, can't talk now" is not recorded as an inconvenient window.
    decision = gate(us("2026-04-08T10:00:00-04:00"))
    assert "US-TIME-KNOW" not in fired(decision)


def test_us_24_a_call_in_the_work_hours_the_consumer_named_is_a_violation() -> None:
    work = {
        "window": ["09:00", "17:00"],
        "weekdays": [1, 2, 3, 4, 5],
        "said_at": "2026-04-06T12:00:00-04:00",
    }

    decision = gate(us("2026-04-09T10:00:00-04:00", inconvenient=[work]))

    assert denied_by(decision) == {"US-TIME-KNOW"}
    assert decision.allowed_from is not None
    assert decision.allowed_from.isoformat() == "2026-04-09T17:00:00-04:00"


LCM = (
    "This is Robin Smith calling from ABC, Inc. Please contact me or Jim Johnson at 1-800-555-1212."
)


def test_us_26_a_voicemail_with_only_the_lcm_content_is_a_limited_content_message() -> None:
    decision = gate(us("2026-04-06T10:00:00-04:00", channel="voicemail", content=LCM))

    assert decision.decision == "allow"
    assert fired(decision) == {"US-ATTEMPT"}


def test_us_26b_a_voicemail_that_mentions_the_debt_is_not_an_lcm() -> None:
    content = LCM + " It is about your overdue account."

    decision = gate(us("2026-04-06T10:00:00-04:00", channel="voicemail", content=content))

    assert denied_by(decision) == {"US-LCM"}


def test_us_29_a_text_with_the_lcm_words_is_not_an_lcm() -> None:
    decision = gate(us("2026-04-06T10:00:00-04:00", channel="sms", content=LCM))

    assert "US-ATTEMPT" not in fired(decision)
    assert {"US-OPTOUT.notice", "US-MINIMIRANDA"} <= denied_by(decision)


def test_us_30_the_lcm_words_left_on_a_friends_voicemail_are_not_an_lcm() -> None:
    decision = gate(
        us(
            "2026-04-06T10:00:00-04:00",
            channel="voicemail",
            party="third_party",
            purpose="locate",
            to="+1 212 555 0199",
            content=LCM,
        )
    )
    assert "US-ATTEMPT" not in fired(decision)
    assert "US-LCM" not in fired(decision)


def test_us_31_an_unanswered_call_is_an_attempt_subject_to_the_time_rules() -> None:
    late = gate(us("2026-04-06T21:30:00-04:00"))
    assert denied_by(late) == {"US-TIME"}


def test_us_32_reply_stop_is_a_compliant_opt_out_notice() -> None:
    text = f"{MIRANDA} Reply STOP to stop texts to this telephone number."

    decision = gate(us("2026-04-06T10:00:00-04:00", channel="sms", content=text))

    assert decision.decision == "allow"


def test_us_33_an_email_that_asks_for_a_letter_to_opt_out_is_noncompliant() -> None:
    mail = f"{MIRANDA} To opt out, mail a letter to PO Box 123."

    decision = gate(
        us("2026-04-06T10:00:00-04:00", channel="email", to="jo@example.com", content=mail)
    )

    assert denied_by(decision) == {"US-OPTOUT.notice"}


def test_us_34_after_an_unsubscribe_reply_further_texts_to_that_number_violate() -> None:
    opted = {"channel": "sms", "address": "+1 (212) 555-0100", "at": "2026-04-06T12:00:00-04:00"}
    text = f"{MIRANDA} Reply STOP to stop texts."

    decision = gate(us("2026-04-07T10:00:00-04:00", channel="sms", content=text, opt_outs=[opted]))

    assert denied_by(decision) == {"US-OPTOUT"}
    assert decision.allowed_from is None


def _disputed(disputed_at: str, mailed: str | None = None) -> list[dict[str, Any]]:
    debt = {
        "id": "D1",
        "validation_notice_sent_at": "2021-11-01T12:00:00-04:00",
        "written_dispute_at": disputed_at,
    }
    if mailed:
        debt["verification_mailed_at"] = mailed
    return [debt]


def test_us_35_the_validation_period_of_a_notice_mailed_1_november_2021_ends_8_december() -> None:
    last_day = gate(
        us("2021-12-10T10:00:00-05:00", borrower_debts=_disputed("2021-12-08T15:00:00-05:00"))
    )
    day_after = gate(
        us("2021-12-10T10:00:00-05:00", borrower_debts=_disputed("2021-12-09T09:00:00-05:00"))
    )

    assert "US-VAL-STOP" in denied_by(last_day)
    assert "US-VAL-STOP" not in fired(day_after)


def test_us_37_a_validation_notice_mailed_seven_days_after_the_first_call_is_late() -> None:
    first_call = talk("2026-04-06T10:00:00-04:00")
    debts = [{"id": "D1", "validation_notice_sent_at": "2026-04-13T09:00:00-04:00"}]

    decision = gate(us("2026-04-14T10:00:00-04:00", history=[first_call], borrower_debts=debts))

    assert "US-VAL" in fired(decision)
    assert decision.decision == "review"


def test_us_38_a_call_after_a_written_dispute_and_before_verification_is_a_violation() -> None:
    debts = [
        {
            "id": "D1",
            "validation_notice_sent_at": "2026-04-01T12:00:00-04:00",
            "written_dispute_at": "2026-04-28T12:00:00-04:00",
        }
    ]
    before = gate(us("2026-04-30T10:00:00-04:00", borrower_debts=debts))
    debts[0]["verification_mailed_at"] = "2026-04-29T12:00:00-04:00"
    after = gate(us("2026-04-30T10:00:00-04:00", borrower_debts=debts))

    assert denied_by(before) == {"US-VAL-STOP"}
    assert before.allowed_from is None
    assert after.decision == "allow"


def test_us_39_threatening_suit_on_a_time_barred_debt_is_a_violation() -> None:
    letter = f"{MIRANDA} We may file suit if not paid."

    decision = gate(
        us(
            "2026-04-06T10:00:00-04:00",
            channel="letter",
            to="1 Main St",
            content=letter,
            borrower_debts=[{"id": "D1", "time_barred": True}],
        )
    )

    assert denied_by(decision) == {"US-TBD"}


def test_us_40_a_proof_of_claim_on_a_time_barred_debt_in_bankruptcy_is_allowed() -> None:
    notice = f"{MIRANDA} We filed a proof of claim in your Chapter 13 case."

    decision = gate(
        us(
            "2026-04-06T10:00:00-04:00",
            channel="letter",
            purpose="legal_notice",
            to="1 Main St",
            content=notice,
            holds=["bankruptcy"],
            borrower_debts=[{"id": "D1", "time_barred": True}],
        )
    )

    assert decision.decision == "allow"


def test_us_41_a_location_call_to_a_brother_may_not_mention_the_debt_nor_be_repeated() -> None:
    brother = "+1 212 555 0177"
    mentions = gate(
        us(
            "2026-04-06T10:00:00-04:00",
            party="third_party",
            purpose="locate",
            to=brother,
            content="Hi, I'm calling about your brother's debt.",
        )
    )
    earlier = [event("2026-04-06T10:00:00-04:00", party="third_party", to=brother)]
    again = gate(
        us(
            "2026-04-08T10:00:00-04:00",
            party="third_party",
            purpose="locate",
            to=brother,
            history=earlier,
        )
    )

    assert denied_by(mentions) == {"US-3P.disclosure"}
    assert denied_by(again) == {"US-3P.once"}


def test_us_42_a_call_to_the_consumers_wife_is_not_a_third_party_call_but_has_its_own_count() -> (
    None
):
    wife = "+1 212 555 0111"
    content = f"{MIRANDA} We are calling about the balance of your household's loan."
    seven_to_debtor = calls("2026-04-06T10:00:00-04:00", 7)
    seven_to_wife = calls("2026-04-06T11:00:00-04:00", 7, party="spouse", to=wife)

    first = gate(
        us(
            "2026-04-12T15:00:00-04:00",
            party="spouse",
            to=wife,
            content=content,
            history=seven_to_debtor,
        )
    )
    eighth = gate(
        us(
            "2026-04-12T15:00:00-04:00",
            party="spouse",
            to=wife,
            content=content,
            history=seven_to_wife,
        )
    )

    assert not {r for r in fired(first) if r.startswith("US-3P")}
    assert first.decision == "allow"
    assert "US-FREQ-PRES" in denied_by(eighth)
