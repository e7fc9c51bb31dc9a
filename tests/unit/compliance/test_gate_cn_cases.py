"""The worked cases of docs/packs/cn-sources.md, each as its own test, through the public gate.

Cases about contracts, KPIs or record retention (a vendor contract without deletion terms,
sub-entrustment, call-recording retention, collectors paid on recoveries) are not contact
decisions and are not the gate's to answer; IND-18 is tested for visits, where the gate sees
whether recording is on.
"""

from __future__ import annotations

from datetime import timedelta

from gate_requests import DEBTOR_PHONE, event, every, fired, gate, request, visit

D1_DEBT = [{"id": "D1", "dpd": 45, "balance": "12000.00", "currency": "CNY"}]
HOME_ENTRY_RULES = {"CN-CRIM-245", "CN-ADM-40", "CN-PRIV-1032/1033"}


def test_cn_1c_1_entering_a_home_opened_by_a_child_without_adult_consent_is_a_violation() -> None:
    decision = gate(
        request(
            "2026-03-02T10:00:00+08:00",
            channel="visit",
            visit=visit(enter_home=True, occupant_consent_to_enter=False),
            borrower_debts=D1_DEBT,
        )
    )

    assert decision.decision == "deny"
    assert fired(decision) >= HOME_ENTRY_RULES
    assert decision.allowed_from is None  # waiting does not make entering lawful


def test_cn_1c_2_posting_the_debt_in_a_neighbours_wechat_group_is_a_violation() -> None:
    decision = gate(
        request(
            "2026-03-02T10:00:00+08:00",
            channel="sms",
            to="wechat-group:neighbours",
            public_place=True,
            content="张三欠款 12000 元不还",
        )
    )

    assert decision.decision == "deny"
    assert {"CN-PRIV-1024", "CN-CRIM-246", "CBA26-PROHIBIT.public"} <= fired(decision)


def test_cn_1c_3_forty_threatening_texts_in_one_evening_are_a_violation() -> None:
    texts = every(
        "2026-03-02T18:00:00+08:00",
        39,
        timedelta(minutes=3),
        channel="sms",
        outcome="delivered",
    )

    decision = gate(
        request(
            "2026-03-02T20:00:00+08:00",
            channel="sms",
            content="不还钱你会后悔的 you will be sorry",
            history=texts,
        )
    )

    assert decision.decision == "deny"
    assert {"CN-ADM-42", "CBA26-PROHIBIT.threat"} <= fired(decision)


def test_cn_1d_1_an_address_book_contact_who_is_not_designated_may_not_be_used() -> None:
    decision = gate(
        request(
            "2026-03-02T10:00:00+08:00",
            party="third_party",
            purpose="locate",
            to="+86 139 1111 2222",
        )
    )

    assert decision.decision == "deny"
    assert {"CN-PIPL-5/6", "CBA26-3P"} <= fired(decision)


def test_industry_2_a_call_at_2205_without_consent_is_a_violation_until_0800() -> None:
    decision = gate(request("2026-03-02T22:05:00+08:00"))

    assert decision.decision == "deny"
    assert {"CBA26-TIME", "NIFA25-TIME"} <= fired(decision)
    assert decision.allowed_from is not None
    assert decision.allowed_from.isoformat() == "2026-03-03T08:00:00+08:00"


def test_industry_3_a_call_at_2205_after_the_debtor_asked_for_late_calls_is_allowed() -> None:
    consent = {
        "given_at": "2026-03-02T11:00:00+08:00",
        "channel": "call",
        "window": ["22:00", "24:00"],
        "on_date": "2026-03-02",
    }

    decision = gate(request("2026-03-02T22:05:00+08:00", consents=[consent]))

    assert decision.decision == "allow"
    assert decision.rules == ()


def test_industry_4_a_visit_starting_at_0740_is_a_violation() -> None:
    decision = gate(
        request("2026-03-02T07:40:00+08:00", channel="visit", visit=visit(), borrower_debts=D1_DEBT)
    )

    assert decision.decision == "deny"
    assert fired(decision) == {"CBA26-TIME", "NIFA25-TIME"}
    assert decision.allowed_from is not None
    assert decision.allowed_from.isoformat() == "2026-03-02T08:00:00+08:00"


def test_industry_8_calling_the_debtors_colleague_to_remind_him_is_a_violation() -> None:
    answered = event("2026-03-02T09:00:00+08:00", outcome="conversation")

    decision = gate(
        request(
            "2026-03-02T10:00:00+08:00",
            party="third_party",
            purpose="remind",
            to="+86 139 5555 6666",
            history=[answered],
        )
    )

    assert decision.decision == "deny"
    assert {"CBA26-3P", "CC-68", "NIFA25-WHO"} <= fired(decision)


def test_industry_13_a_recorded_two_person_visit_at_1000_without_entering_is_allowed() -> None:
    decision = gate(
        request(
            "2026-03-02T10:00:00+08:00",
            channel="visit",
            to="approved home address",
            visit=visit(),
            borrower_debts=D1_DEBT,
        )
    )

    assert decision.decision == "allow", decision.to_json()


def test_industry_14_a_lawyers_letter_on_the_notice_board_is_a_violation() -> None:
    decision = gate(
        request(
            "2026-03-02T10:00:00+08:00",
            channel="letter",
            purpose="legal_notice",
            to="building notice board",
            public_place=True,
            content="律师函：张三拖欠借款",
        )
    )

    assert {"CBA26-PROHIBIT.public", "CN-PRIV-1024"} <= fired(decision)
    assert decision.allowed_from is None


def test_industry_15_claiming_to_call_from_the_court_is_impersonation() -> None:
    decision = gate(
        request(
            "2026-03-02T10:00:00+08:00",
            content="Hello, this call is from the court's enforcement office.",
        )
    )
    assert "CBA26-PROHIBIT.impersonation" in fired(decision)
    chinese = gate(request("2026-03-02T10:00:00+08:00", content="我们是法院执行局的，请配合。"))
    assert "CBA26-PROHIBIT.impersonation" in fired(chinese)


def test_industry_16_suggesting_a_loan_app_to_repay_is_inducing_new_borrowing() -> None:
    decision = gate(
        request("2026-03-02T10:00:00+08:00", content="You could borrow from app X to repay us.")
    )
    assert "CBA26-PROHIBIT.borrowing" in fired(decision)


def test_industry_17_a_200_yuan_collection_fee_is_an_extra_fee() -> None:
    decision = gate(
        request("2026-03-02T10:00:00+08:00", channel="sms", content="另需支付催收费 200 元。")
    )
    assert "CBA26-PROHIBIT.fees" in fired(decision)


def test_industry_18_a_visit_without_recording_is_a_violation() -> None:
    req = request(
        "2026-03-02T10:00:00+08:00",
        channel="visit",
        visit=visit(recording=False),
        borrower_debts=D1_DEBT,
    )
    assert fired(gate(req)) == {"NIFA18-21"}


def test_industry_19_a_card_collection_letter_without_how_to_object_is_noncompliant() -> None:
    letter = "张三：您的信用卡欠款金额 5000 元，请通过官方渠道还款。联系电话 95555。（公章）"

    decision = gate(request("2026-03-02T10:00:00+08:00", channel="letter", content=letter))

    assert "CC-69" in fired(decision)
    message = next(r.message for r in decision.rules if r.id == "CC-69")
    assert "objection" in message


def test_a_time_barred_debt_may_be_reminded_of_with_the_limitation_noted() -> None:
    decision = gate(
        request(
            "2026-03-02T10:00:00+08:00",
            purpose="remind",
            borrower_debts=[{"id": "D1", "time_barred": True}],
        )
    )

    assert decision.decision == "allow"
    assert fired(decision) == {"CN-LIM-192"}


def test_the_phone_number_is_compared_without_spaces_and_dashes() -> None:
    six = every(
        "2026-03-02T09:00:00+08:00", 6, timedelta(minutes=30), to=DEBTOR_PHONE.replace(" ", "-")
    )
    decision = gate(request("2026-03-02T15:00:00+08:00", history=six, to="+8613800000000"))
    assert "CBA26-FREQ" in fired(decision)
