"""US: the federal-holiday calendar, the Reg F validation period, and state limitation periods."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fairdebt.legal import api
from fairdebt.legal.calendar import (
    add_business_days,
    federal_holidays,
    is_business_day,
    legal_public_holidays,
)
from fairdebt.legal.errors import LegalRequestError
from fairdebt.legal.limitation import AckKind, Debt, EventType, LimitationEvent, Status
from fairdebt.legal.us import (
    DebtKind,
    find_state,
    parse_sol_table,
    sol_table,
    state_period,
    us_limitation,
)

HEADER = (
    "state,written_contract_years,open_account_years,restarted_by,citation,source,confidence,note\n"
)
# A made-up state row for testing the mechanics only: NOT a figure for any real state.
FICTIONAL = parse_sol_table(
    HEADER + "zz,4,,debtor_ack:partial_payment,,test fixture (fictional),M,not a real state\n"
)
WRITTEN = DebtKind.WRITTEN_CONTRACT
STATES = frozenset(
    [
        "al",
        "ak",
        "az",
        "ar",
        "ca",
        "co",
        "ct",
        "de",
        "dc",
        "fl",
        "ga",
        "hi",
        "id",
        "il",
        "in",
        "ia",
        "ks",
        "ky",
        "la",
        "me",
        "md",
        "ma",
        "mi",
        "mn",
        "ms",
        "mo",
        "mt",
        "ne",
        "nv",
        "nh",
        "nj",
        "nm",
        "ny",
        "nc",
        "nd",
        "oh",
        "ok",
        "or",
        "pa",
        "ri",
        "sc",
        "sd",
        "tn",
        "tx",
        "ut",
        "vt",
        "va",
        "wa",
        "wv",
        "wi",
        "wy",
    ]
)


def test_the_2026_holidays_fall_on_their_statutory_days() -> None:
    assert legal_public_holidays(2026) == (
        date(2026, 1, 1),
        date(2026, 1, 19),  # MLK: third Monday of January
        date(2026, 2, 16),  # Washington's Birthday: third Monday of February
        date(2026, 5, 25),  # Memorial Day: last Monday of May
        date(2026, 6, 19),
        date(2026, 7, 4),
        date(2026, 9, 7),  # Labor Day: first Monday of September
        date(2026, 10, 12),  # Columbus Day: second Monday of October
        date(2026, 11, 11),
        date(2026, 11, 26),  # Thanksgiving: fourth Thursday of November
        date(2026, 12, 25),
    )


def test_a_saturday_holiday_is_observed_on_friday_and_a_sunday_one_on_monday() -> None:
    assert date(2026, 7, 3) in federal_holidays(2026)  # 4 July 2026 is a Saturday
    assert date(2021, 12, 31) in federal_holidays(2021)  # 1 January 2022 is a Saturday
    assert date(2023, 1, 2) in federal_holidays(2023)  # 1 January 2023 is a Sunday
    assert date(2021, 6, 18) in federal_holidays(2021)  # Juneteenth's first year, a Saturday


def test_juneteenth_and_mlk_day_start_in_their_statutory_years() -> None:
    assert date(2020, 6, 19) not in federal_holidays(2020)
    assert date(1985, 1, 21) not in federal_holidays(1985)
    assert date(1986, 1, 20) in federal_holidays(1986)


def test_years_before_the_monday_holiday_act_are_refused() -> None:
    with pytest.raises(ValueError, match="1971"):
        legal_public_holidays(1970)


# worked case US-35 (docs/packs/us-regf-sources.md)
def test_us_35_notice_mailed_2021_11_01_is_received_11_08_and_the_period_ends_12_08() -> None:
    answer = api.validation({"sent_on": "2021-11-01"})

    assert answer["assumed_receipt_on"] == "2021-11-08"
    assert answer["ends_on"] == "2021-12-08"
    assert answer["rules"] == ["US-VAL"]


def test_the_assumed_receipt_skips_thanksgiving() -> None:
    # Mon 2026-11-23: Tue 24, Wed 25, (Thu 26 Thanksgiving), Fri 27, Mon 30, Tue 1 Dec
    assert add_business_days(date(2026, 11, 23), 5) == date(2026, 12, 1)


def test_a_validation_request_for_another_jurisdiction_is_refused() -> None:
    with pytest.raises(LegalRequestError, match="US rule"):
        api.validation({"jurisdiction": "cn", "sent_on": "2021-11-01"})


@given(st.integers(min_value=0, max_value=20000).map(lambda n: date(1975, 1, 1) + timedelta(n)))
def test_the_validation_period_ends_after_five_business_days_and_thirty_more(sent: date) -> None:
    answer = api.validation({"sent_on": sent.isoformat()})
    receipt = date.fromisoformat(answer["assumed_receipt_on"])

    assert is_business_day(receipt)
    between = [sent + timedelta(days=n) for n in range(1, (receipt - sent).days + 1)]
    assert sum(is_business_day(d) for d in between) == 5
    holidays = [d for d in between if d in federal_holidays(d.year) and d.weekday() < 5]
    assert (receipt - sent).days >= 5 + len(holidays)  # every weekday holiday adds a day
    assert date.fromisoformat(answer["ends_on"]) == receipt + timedelta(days=30)


def test_the_shipped_table_has_one_row_for_each_state_and_dc() -> None:
    assert {p.state for p in sol_table()} == STATES and len(sol_table()) == 51


def test_every_shipped_figure_rests_on_two_sources_and_every_gap_says_why() -> None:
    for period in sol_table():
        urls = [u for u in period.source.split(" ; ") if u.startswith("http")]
        filled = period.years_for() is not None
        assert len(urls) >= 2, period.state
        assert not filled or "agree" in period.confidence or period.confidence.startswith("P")
        gaps = period.written_contract_years is None or period.open_account_years is None
        assert not gaps or period.note, period.state  # an empty figure is explained


def test_spot_figures_match_their_sources() -> None:
    california, montana, new_york = find_state("CA"), find_state("mt"), find_state("ny")

    assert california and (california.written_contract_years, california.open_account_years) == (
        4,
        4,
    )
    assert montana and (montana.written_contract_years, montana.open_account_years) == (8, 5)
    assert new_york and new_york.years_for(DebtKind.OPEN_ACCOUNT) == 3
    assert "214-i" in new_york.citation  # the 2022 Consumer Credit Fairness Act, not the old 6


def test_a_state_whose_sources_disagree_is_refused_readably() -> None:
    request = {
        "jurisdiction": "us-oh",
        "as_of": "2025-01-01",
        "debt": {"due_dates": ["2020-01-01"]},
    }

    with pytest.raises(LegalRequestError, match="us-oh") as err:
        api.limitation(request)
    assert "do not threaten suit" in err.value.hint


def test_a_sourced_state_answers_through_the_api_with_its_shorter_period() -> None:
    request = {
        "jurisdiction": "us-fl",
        "as_of": "2025-01-01",
        "debt": {"due_dates": ["2020-06-01"]},
    }

    answer = api.limitation(request)

    assert answer["expires_on"] == "2024-06-01"  # open account 4 (written contract 5)
    assert answer["status"] == "expired" and answer["rules"] == ["US-SOL-FL", "US-TBD"]


def test_a_kind_without_a_sourced_figure_is_refused() -> None:
    indiana = state_period("in")

    with pytest.raises(LegalRequestError, match="written contract"):
        us_limitation(indiana, Debt((date(2019, 5, 1),)), [], date(2023, 5, 2), WRITTEN)


def test_a_state_row_without_a_source_is_refused() -> None:
    with pytest.raises(ValueError, match="no source"):
        parse_sol_table(HEADER + "zz,3,,,,,M,\n")


@pytest.mark.parametrize("years", ["0", "31", "3.5", "six"])
def test_a_figure_that_is_not_whole_years_is_refused(years: str) -> None:
    with pytest.raises(ValueError, match="whole years"):
        parse_sol_table(HEADER + f"zz,{years},,,,src,S,\n")


def test_a_state_listed_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        parse_sol_table(HEADER + "zz,3,,,,src,S,\nZZ,4,,,,src,S,\n")


def test_a_state_period_expires_and_flags_the_debt_time_barred() -> None:
    period = state_period("zz", FICTIONAL)

    result = us_limitation(period, Debt((date(2019, 5, 1),)), [], date(2023, 5, 2))

    assert result.expires_on == date(2023, 5, 1)
    assert result.status is Status.EXPIRED
    assert result.rules == ("US-SOL-ZZ", "US-TBD")
    assert result.longstop_on is None


def test_only_the_events_the_state_lists_restart_its_period() -> None:
    period = state_period("zz", FICTIONAL)
    paid = LimitationEvent(EventType.DEBTOR_ACK, date(2021, 1, 1), kind=AckKind.PARTIAL_PAYMENT)
    promised = LimitationEvent(
        EventType.DEBTOR_ACK, date(2022, 1, 1), kind=AckKind.INSTALLMENT_PROMISE
    )
    demand = LimitationEvent(EventType.DEMAND_DELIVERED, date(2022, 6, 1))

    result = us_limitation(
        period, Debt((date(2019, 5, 1),)), [paid, promised, demand], date(2024, 1, 1)
    )

    assert result.interrupted_by == (paid,)
    assert result.expires_on == date(2025, 1, 1)
    assert result.status is Status.RUNNING
