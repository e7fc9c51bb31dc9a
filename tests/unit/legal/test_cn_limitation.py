"""China's limitation period: worked cases (docs/packs/cn-sources.md), docs example, properties.

Periods here end in 2027 and later too: the module uses the calendar of conftest.py (the real
holiday data where it exists, weekends only beyond it). Rest days themselves (民法典 203) are
tested with the real data alone in tests/unit/test_legal_rest_days.py.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fairdebt.legal import api, rest_days
from fairdebt.legal.dates import add_years
from fairdebt.legal.errors import LegalRequestError
from fairdebt.legal.limitation import (
    AckKind,
    Debt,
    EventType,
    LimitationEvent,
    Medium,
    Signer,
    Status,
    cn_limitation,
)

LOAN_DUE = "2022-03-01"
pytestmark = pytest.mark.usefixtures("weekends_after_the_data")


def ask(as_of: str, *events: dict[str, Any], due: tuple[str, ...] = (LOAN_DUE,)) -> dict[str, Any]:
    return api.limitation(
        {
            "jurisdiction": "cn",
            "as_of": as_of,
            "debt": {"due_dates": list(due), "known_default_on": due[0]},
            "events": list(events),
        }
    )


# worked case CN-LIM-1: 2025-03-01 is a Saturday, so 民法典 203 moves the last day to Monday
def test_cn_lim_case_1_loan_due_2022_03_01_runs_to_monday_2025_03_03_and_is_expired_next_day() -> (
    None
):
    answer = ask("2025-03-04")

    assert answer["starts_on"] == "2022-03-01"
    assert answer["expires_on"] == "2025-03-03"
    assert answer["status"] == "expired"
    assert answer["interrupted_by"] == []
    assert answer["rules"] == ["CN-LIM-188", "CN-LIM-203"]


@pytest.mark.parametrize("as_of", ["2025-03-01", "2025-03-02", "2025-03-03"])
def test_cn_lim_case_1_the_weekend_and_the_moved_last_day_are_still_running(as_of: str) -> None:
    assert ask(as_of)["status"] == "running"


# worked case CN-LIM-3
def test_cn_lim_case_3_sms_demand_delivered_without_signature_restarts_to_2027_06_10() -> None:
    sms = {"type": "demand_delivered", "on": "2024-06-10", "signed_by": "none", "medium": "sms"}

    answer = ask("2025-03-02", sms)

    assert answer["expires_on"] == "2027-06-10"
    assert answer["status"] == "running"
    assert answer["interrupted_by"] == [{"type": "demand_delivered", "on": "2024-06-10"}]
    assert "CN-LIM-SX8" in answer["rules"]


# worked case CN-LIM-4
def test_cn_lim_case_4_phone_call_without_recording_is_evidence_insufficient() -> None:
    call = {"type": "demand_unproven", "on": "2024-06-10"}

    answer = ask("2025-03-04", call)

    assert answer["status"] == "evidence_insufficient"
    assert answer["expires_on"] == "2025-03-03"  # what can be proved
    assert answer["interrupted_by"] == []
    assert "CN-LIM-SX8" in answer["rules"]


def test_cn_lim_case_4_a_signed_notice_instead_of_the_call_does_interrupt() -> None:
    notice = {"type": "demand_delivered", "on": "2024-06-10", "signed_by": "debtor"}

    assert ask("2025-03-02", notice)["status"] == "running"


# worked case CN-LIM-7
def test_cn_lim_case_7_expired_debt_paid_voluntarily_is_waived_and_refund_refused() -> None:
    paid = {"type": "debtor_ack", "on": "2025-04-01", "kind": "partial_payment"}

    answer = ask("2025-05-01", paid)

    assert answer["status"] == "waived"
    assert "CN-LIM-192" in answer["rules"]


def test_the_contract_example_answers_as_documented() -> None:
    relative = {
        "type": "demand_delivered",
        "on": "2024-06-10",
        "signed_by": "co_resident_adult_relative",
    }

    answer = ask("2025-03-02", relative)

    assert answer == {
        "starts_on": "2022-03-01",
        "expires_on": "2027-06-10",
        "status": "running",
        "interrupted_by": [{"type": "demand_delivered", "on": "2024-06-10"}],
        "longstop_on": "2042-03-01",
        "rules": ["CN-LIM-188", "CN-LIM-195", "CN-LIM-SX8"],
    }


def test_an_instalment_debt_runs_from_the_last_due_date() -> None:
    answer = ask("2025-03-02", due=("2021-01-01", "2021-02-01", "2021-03-01"))

    assert answer["starts_on"] == "2021-03-01"
    assert answer["expires_on"] == "2024-03-01"
    assert answer["rules"][:2] == ["CN-LIM-188", "CN-LIM-189"]


def test_a_document_signed_by_nobody_does_not_interrupt() -> None:
    unsigned = {"type": "demand_delivered", "on": "2024-06-10", "signed_by": "none"}

    answer = ask("2025-03-04", unsigned)

    assert answer["status"] == "evidence_insufficient"


def test_a_public_notice_counts_only_for_a_debtor_who_cannot_be_found() -> None:
    notice = {"type": "demand_delivered", "on": "2024-06-10", "medium": "public_notice"}

    assert ask("2025-03-04", notice)["status"] == "evidence_insufficient"
    assert ask("2025-03-04", dict(notice, debtor_untraceable=True))["status"] == "running"


@pytest.mark.parametrize("kind", [k.value for k in AckKind])
def test_every_kind_of_acknowledgment_restarts_the_period(kind: str) -> None:
    ack = {"type": "debtor_ack", "on": "2024-01-15", "kind": kind}

    answer = ask("2025-03-02", ack)

    assert answer["expires_on"] == "2027-01-15"
    assert "CN-LIM-SX14" in answer["rules"]


@pytest.mark.parametrize(
    ("kind", "rule"),
    [
        ("suit_filed", "CN-LIM-SX10"),
        ("payment_order", "CN-LIM-SX11"),
        ("arbitration", "CN-LIM-195"),
    ],
)
def test_proceedings_interrupt_from_their_end_when_known(kind: str, rule: str) -> None:
    filed = {"type": kind, "on": "2024-01-15"}

    assert ask("2025-03-02", filed)["expires_on"] == "2027-01-15"
    answer = ask("2025-03-02", dict(filed, ended_on="2024-11-30"))
    assert answer["expires_on"] == "2027-11-30"
    assert rule in answer["rules"]


def test_an_assignment_notice_reaching_the_debtor_interrupts() -> None:
    notice = {"type": "assignment_notice_delivered", "on": "2023-05-05"}

    answer = ask("2025-03-02", notice)

    assert answer["expires_on"] == "2026-05-06"  # 2026-05-05: Labour Day holiday (民法典 203)
    assert "CN-LIM-SX17" in answer["rules"]
    assert "CN-LIM-203" in answer["rules"]


def test_a_demand_after_expiry_does_not_revive_the_debt() -> None:
    late = {"type": "demand_delivered", "on": "2025-03-04", "medium": "sms"}

    answer = ask("2025-04-01", late)

    assert answer["status"] == "expired"
    assert answer["interrupted_by"] == []


def test_a_demand_on_the_weekend_after_the_corresponding_day_still_interrupts() -> None:
    sunday = {"type": "demand_delivered", "on": "2025-03-02", "medium": "sms"}

    answer = ask("2025-04-01", sunday)

    assert answer["status"] == "running"
    assert answer["expires_on"] == "2028-03-02"


def test_a_demand_on_the_last_day_still_interrupts() -> None:
    last_day = {"type": "demand_delivered", "on": "2025-03-01", "medium": "email"}

    assert ask("2025-04-01", last_day)["expires_on"] == "2028-03-01"


def test_interruptions_never_pass_the_twenty_year_longstop() -> None:
    acks = [
        {"type": "debtor_ack", "on": f"{year}-02-01", "kind": "installment_promise"}
        for year in range(2024, 2043, 2)
    ]

    answer = ask("2043-01-01", *acks)

    assert answer["longstop_on"] == "2042-03-01"
    assert answer["expires_on"] == "2042-03-03"  # the longstop's Saturday moves too (203)
    assert answer["status"] == "expired"


def test_the_longstop_runs_from_the_first_known_default_of_an_instalment_debt() -> None:
    answer = api.limitation(
        {
            "jurisdiction": "cn",
            "as_of": "2025-01-01",
            "debt": {"due_dates": ["2021-05-01", "2022-03-01"], "known_default_on": "2021-05-01"},
        }
    )

    assert answer["starts_on"] == "2022-03-01"
    assert answer["longstop_on"] == "2041-05-01"


def test_a_demand_during_pending_proceedings_does_not_pull_the_expiry_forward() -> None:
    suit = {"type": "suit_filed", "on": "2023-01-10", "ended_on": "2024-12-20"}
    demand = {"type": "demand_delivered", "on": "2024-02-01", "medium": "sms"}

    answer = ask("2025-03-02", suit, demand)

    assert answer["expires_on"] == "2027-12-20"


def test_a_period_from_29_february_ends_on_28_february() -> None:
    assert add_years(date(2024, 2, 29), 3) == date(2027, 2, 28)


def test_unproven_claims_after_a_proven_restart_leave_the_debt_running() -> None:
    sms = {"type": "demand_delivered", "on": "2024-06-10", "medium": "sms"}
    call = {"type": "demand_unproven", "on": "2024-12-10"}

    answer = ask("2026-01-01", sms, call)

    assert answer["status"] == "running"
    assert answer["expires_on"] == "2027-06-10"


# --- malformed requests --------------------------------------------------------------------


def test_a_misspelt_field_is_named_with_a_suggestion() -> None:
    with pytest.raises(LegalRequestError, match="evnets") as err:
        api.limitation({"jurisdiction": "cn", "as_of": "2025-01-01", "debt": {}, "evnets": []})
    assert "events" in err.value.hint


@pytest.mark.parametrize(
    ("request_", "words"),
    [
        ({"as_of": "2025-01-01", "debt": {"due_dates": ["2022-01-01"]}}, "jurisdiction"),
        ({"jurisdiction": "cn", "as_of": "2025-13-01", "debt": {}}, "as_of"),
        ({"jurisdiction": "cn", "as_of": "2025-01-01", "debt": {}}, "due_dates"),
        (
            {"jurisdiction": "fr", "as_of": "2025-01-01", "debt": {"due_dates": ["2022-01-01"]}},
            "fr",
        ),
    ],
)
def test_missing_or_bad_fields_are_named(request_: dict[str, Any], words: str) -> None:
    with pytest.raises(LegalRequestError, match=words):
        api.limitation(request_)


@pytest.mark.parametrize(
    ("event", "words"),
    [
        ({"type": "demand_delivered", "on": "2024-01-01"}, "signed_by"),
        ({"type": "demand_delivered", "on": "2024-01-01", "signed_by": "neighbour"}, "neighbour"),
        ({"type": "debtor_ack", "on": "2024-01-01"}, "kind"),
        ({"type": "suit_filed", "on": "2024-01-01", "kind": "security"}, "kind"),
        ({"type": "demand_unproven", "on": "2026-01-01"}, "after as_of"),
        ({"type": "phone_call", "on": "2024-01-01"}, "phone_call"),
        ({"type": "demand_unproven", "on": "2024-01-01", "ended_on": "2024-02-01"}, "ended_on"),
        ("2024-01-01", "events\\[0\\] must be a JSON object"),
    ],
)
def test_bad_events_are_named(event: Any, words: str) -> None:
    with pytest.raises(LegalRequestError, match=words):
        ask("2025-03-02", event)


# --- properties ----------------------------------------------------------------------------

DAY0 = date(2015, 1, 1)
days = st.integers(min_value=0, max_value=9000).map(lambda n: DAY0 + timedelta(days=n))
events = st.builds(
    LimitationEvent,
    type=st.sampled_from(EventType),
    on=days,
    signed_by=st.sampled_from([None, *Signer]),
    medium=st.sampled_from([None, *Medium]),
    kind=st.sampled_from(AckKind),
    ended_on=st.none() | days,
    debtor_untraceable=st.booleans(),
)
debts = st.builds(
    Debt,
    due_dates=st.lists(days, min_size=1, max_size=5).map(tuple),
    known_default_on=st.none() | days,
)


@given(debts, st.lists(events, max_size=6), events, days)
def test_adding_an_interruption_never_makes_expiry_earlier(
    debt: Debt, history: list[LimitationEvent], extra: LimitationEvent, as_of: date
) -> None:
    before = cn_limitation(debt, history, as_of)
    after = cn_limitation(debt, [*history, extra], as_of)

    assert after.nominal_expires_on >= before.nominal_expires_on
    assert after.expires_on is not None and before.expires_on is not None
    assert after.expires_on >= before.expires_on


@given(debts, st.lists(events, max_size=8), days)
def test_expiry_never_passes_the_longstop_and_never_precedes_three_years(
    debt: Debt, history: list[LimitationEvent], as_of: date
) -> None:
    result = cn_limitation(debt, history, as_of)

    assert result.longstop_on is not None
    assert result.nominal_expires_on <= result.longstop_on
    assert result.nominal_expires_on >= min(add_years(result.starts_on, 3), result.longstop_on)
    assert result.expires_on == rest_days.last_day(result.nominal_expires_on)  # 民法典 203


@given(debts, st.lists(events, max_size=8), days)
def test_running_means_as_of_is_within_the_period(
    debt: Debt, history: list[LimitationEvent], as_of: date
) -> None:
    result = cn_limitation(debt, history, as_of)

    if result.status is Status.RUNNING:
        assert as_of <= result.expires_on
    if result.status in (Status.EXPIRED, Status.EVIDENCE_INSUFFICIENT):
        assert as_of > result.expires_on
