"""民法典 第二百零三条 on China's real holiday calendar, the refusal of years without data, the
gate's time-barred flag through a holiday, and how US deadlines are (and are not) moved.

Every date here is checked against the installed `chinesecalendar` data (2025: National Day and
Mid-Autumn 1–8 October, working Sunday 28 September and Saturday 11 October; Spring Festival
28 January – 4 February, working Sunday 26 January and Saturday 8 February).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import chinese_calendar
import pytest
from cli_run import fairdebt
from hypothesis import given
from hypothesis import strategies as st

from fairdebt.legal import api, rest_days
from fairdebt.legal.calendar import is_business_day
from fairdebt.legal.errors import LegalRequestError
from fairdebt.legal.limitation import (
    AckKind,
    Debt,
    EventType,
    LimitationEvent,
    Medium,
    Status,
    cn_limitation,
)
from fairdebt.legal.rest_days import CalendarUnknown, ended_before, is_working_day, last_day
from fairdebt.legal.us import validation_period
from fairdebt.services.debt_state import Limitation, _from_result
from fairdebt.services.ports.repayment import AccountFacts

FIRST, LAST = rest_days.covered_years()
NATIONAL_DAY_DEBT = Debt((date(2022, 10, 1),))


def ask(due: str, as_of: str, *events: dict[str, Any]) -> dict[str, Any]:
    request = {"jurisdiction": "cn", "as_of": as_of, "debt": {"due_dates": [due]}}
    return api.limitation(request | {"events": list(events)})


# --- the package's data, as the tests below assume it --------------------------------------
def test_the_holiday_data_is_what_the_cases_below_assume() -> None:
    national_day = [date(2025, 10, d) for d in range(1, 9)]

    assert all(not chinese_calendar.is_workday(d) for d in national_day)
    assert chinese_calendar.is_workday(date(2025, 9, 28))  # a Sunday, made a working day
    assert chinese_calendar.is_workday(date(2025, 10, 11))  # a Saturday, made a working day
    assert FIRST == 2004 and LAST >= 2026


# --- 民法典 203 ------------------------------------------------------------------------------
def test_a_debt_due_on_national_day_2022_runs_to_2025_10_09_not_expired_in_the_holiday() -> None:
    answer = ask("2022-10-01", "2025-10-05")

    assert answer["expires_on"] == "2025-10-09"
    assert answer["status"] == "running"
    assert answer["rules"] == ["CN-LIM-188", "CN-LIM-203"]


@pytest.mark.parametrize(
    ("as_of", "status"),
    [
        ("2025-10-01", "running"),
        ("2025-10-08", "running"),
        ("2025-10-09", "running"),
        ("2025-10-10", "expired"),
    ],
)
def test_the_national_day_case_expires_only_after_the_first_working_day(
    as_of: str, status: str
) -> None:
    assert ask("2022-10-01", as_of)["status"] == status


def test_a_period_ending_on_a_plain_sunday_ends_on_monday() -> None:
    answer = ask("2022-03-02", "2025-03-04")  # 2025-03-02 is a Sunday

    assert answer["expires_on"] == "2025-03-03"
    assert answer["status"] == "expired"


@pytest.mark.parametrize("working_weekend", ["2025-09-28", "2025-10-11"])
def test_a_period_ending_on_an_adjusted_working_weekend_day_stays(working_weekend: str) -> None:
    due = date.fromisoformat(working_weekend).replace(year=2022).isoformat()
    day_after = (date.fromisoformat(working_weekend) + timedelta(days=1)).isoformat()

    answer = ask(due, day_after)

    assert date.fromisoformat(working_weekend).weekday() >= 5
    assert answer["expires_on"] == working_weekend
    assert answer["status"] == "expired"
    assert "CN-LIM-203" not in answer["rules"]


def test_a_period_ending_in_the_spring_festival_runs_to_the_first_day_after_it() -> None:
    answer = ask("2022-01-28", "2025-02-04")  # 2025-01-28: 除夕, the holiday's first day

    assert answer["expires_on"] == "2025-02-05"
    assert answer["status"] == "running"
    assert ask("2022-01-28", "2025-02-06")["status"] == "expired"


def test_a_demand_delivered_on_a_holiday_after_the_corresponding_day_still_interrupts() -> None:
    sms = LimitationEvent(EventType.DEMAND_DELIVERED, date(2025, 10, 6), medium=Medium.SMS)

    result = cn_limitation(NATIONAL_DAY_DEBT, (sms,), date(2025, 10, 20))

    assert result.status is Status.RUNNING
    assert result.interrupted_by == (sms,)
    assert result.nominal_expires_on == date(2028, 10, 6)  # its rest days: not published yet


def test_a_debtor_paying_in_the_holiday_interrupts_and_waives_nothing() -> None:
    paid = LimitationEvent(EventType.DEBTOR_ACK, date(2025, 10, 7), kind=AckKind.PARTIAL_PAYMENT)

    result = cn_limitation(NATIONAL_DAY_DEBT, (paid,), date(2025, 10, 20))

    assert result.status is Status.RUNNING
    assert result.interrupted_by == (paid,)


# --- a year without data: never guessed ------------------------------------------------------
def test_a_running_period_ending_in_a_year_without_data_gives_its_earliest_end_marked() -> None:
    answer = ask(f"{LAST - 2}-06-10", f"{LAST}-01-05")

    assert answer["status"] == "running"
    assert answer["expires_on"] == f"{LAST + 1}-06-10"  # the nominal day: it can only move later
    assert answer["expires_on_final"] is False
    assert f"rest days of {LAST + 1} are not yet in the holiday data" in answer["note"]


def test_a_period_ending_in_a_year_with_data_has_no_provisional_mark() -> None:
    answer = ask("2022-10-01", "2025-10-05")

    assert "expires_on_final" not in answer
    assert "note" not in answer


def test_a_status_hanging_on_a_year_without_data_is_refused_with_cause_and_hint() -> None:
    with pytest.raises(LegalRequestError) as caught:
        ask(f"{LAST - 2}-01-01", f"{LAST + 1}-01-03")

    assert isinstance(caught.value, CalendarUnknown)
    assert caught.value.cause.startswith(f"calendar unknown for {LAST + 1}")
    assert "or later" in caught.value.cause
    assert "chinesecalendar" in caught.value.hint


def test_the_cli_refuses_it_with_exit_2_and_no_traceback() -> None:
    as_of, due = f"{LAST + 1}-01-03", f"{LAST - 2}-01-01"
    request = f'{{"jurisdiction": "cn", "as_of": "{as_of}", "debt": {{"due_dates": ["{due}"]}}}}'

    result = fairdebt("legal", "limitation", stdin=request)

    assert result.returncode == 2
    assert f"error: calendar unknown for {LAST + 1}" in result.stderr
    assert "hint: " in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr


def test_the_cli_answers_a_running_period_ending_after_the_data() -> None:
    request = '{"jurisdiction": "cn", "as_of": "2025-03-02", "debt": {"due_dates": ["2030-01-01"]}}'

    result = fairdebt("legal", "limitation", stdin=request)

    assert result.returncode == 0, result.stderr
    assert '"expires_on": "2033-01-01"' in result.stdout
    assert '"expires_on_final": false' in result.stdout


@pytest.mark.parametrize("year", [1999, 2003, LAST + 1, 9999])
def test_a_day_outside_the_data_is_never_called_a_working_day(year: int) -> None:
    with pytest.raises(CalendarUnknown, match=f"calendar unknown for {year}"):
        is_working_day(date(year, 6, 10))


def test_a_period_still_ahead_is_running_without_the_calendar_of_its_last_year() -> None:
    result = cn_limitation(Debt((date(2025, 6, 10),)), (), date(2025, 11, 1))

    assert result.status is Status.RUNNING
    assert result.expires_on is None  # never a guessed day
    assert result.nominal_expires_on == date(2028, 6, 10)
    assert result.calendar_unknown == 2028


def test_a_status_that_hangs_on_an_unknown_year_is_calendar_unknown() -> None:
    # the corresponding day is past, but the rest days right after it are not known
    as_of = date(LAST + 1, 1, 3)
    result = cn_limitation(Debt((date(LAST - 2, 1, 1),)), (), as_of)

    assert result.status is Status.CALENDAR_UNKNOWN
    assert result.expires_on is None
    assert result.calendar_unknown == LAST + 1


def test_a_period_long_past_is_expired_even_before_the_data_begins() -> None:
    result = cn_limitation(Debt((date(1995, 3, 1),)), (), date(2025, 3, 1))

    assert result.status is Status.EXPIRED  # 1998 holidays unknown, but over a month has passed
    assert result.expires_on is None


def test_the_gate_never_flags_a_debt_whose_status_hangs_on_an_unknown_year() -> None:
    result = cn_limitation(Debt((date(LAST - 2, 1, 1),)), (), date(LAST + 1, 1, 3))

    limitation = _from_result("A1", "cn", result)

    assert limitation.status == "unknown" and not limitation.time_barred
    assert limitation.expires_on is None
    assert f"rest day of {LAST + 1}" in limitation.why_unknown


def test_the_gate_does_not_flag_the_national_day_debt_as_time_barred_on_2025_10_05() -> None:
    from fairdebt.services.debt_state import limitations

    account = AccountFacts("A1", "CNY", "consumer_loan", (date(2022, 10, 1),))

    found = limitations([account], [], None, date(2025, 10, 5))["A1"]
    after = limitations([account], [], None, date(2025, 10, 10))["A1"]

    assert found == Limitation("A1", "cn", "running", date(2025, 10, 9), found.rules)
    assert not found.time_barred
    assert after.time_barred


# --- properties ---------------------------------------------------------------------------
known_days = st.dates(date(FIRST, 1, 1), date(LAST, 11, 30))


@given(known_days)
def test_the_last_day_is_never_before_the_corresponding_day_and_is_a_working_day(
    nominal: date,
) -> None:
    end = last_day(nominal)

    assert end >= nominal
    assert chinese_calendar.is_workday(end)
    assert all(
        not chinese_calendar.is_workday(nominal + timedelta(d)) for d in range((end - nominal).days)
    )


@given(known_days, st.integers(-40, 40))
def test_ended_before_agrees_with_the_last_day(nominal: date, offset: int) -> None:
    day = nominal + timedelta(days=offset)
    if day.year > LAST:
        return

    assert ended_before(day, nominal) == (day > last_day(nominal))


@given(st.dates(date(FIRST + 3, 1, 1), date(LAST - 3, 11, 30)), st.integers(0, 60))
def test_a_cn_limitation_ends_on_a_working_day_no_earlier_than_three_years(
    due: date, later: int
) -> None:
    result = cn_limitation(Debt((due,)), (), due + timedelta(days=3 * 365 + later))

    assert result.expires_on is not None
    assert result.expires_on >= result.nominal_expires_on
    assert chinese_calendar.is_workday(result.expires_on)


# --- United States: Reg F counts business days for receipt only -------------------------------
def test_receipt_is_assumed_five_business_days_on_skipping_july_4_and_the_weekend() -> None:
    period = validation_period(date(2025, 7, 2))  # Wed; Fri 4 July and the weekend do not count

    assert period.assumed_receipt_on == date(2025, 7, 10)
    assert is_business_day(period.assumed_receipt_on)


@pytest.mark.parametrize(
    ("sent_on", "ends_on"),
    [
        (date(2025, 5, 28), date(2025, 7, 4)),  # the 30th day is Independence Day
        (date(2025, 5, 27), date(2025, 7, 3)),
        (date(2025, 5, 29), date(2025, 7, 5)),  # the 30th day is a Saturday
    ],
)
def test_the_validation_period_ends_on_its_30th_day_even_a_holiday_or_a_saturday(
    sent_on: date, ends_on: date
) -> None:
    # 12 CFR 1006.34(b)(5) and its comments move the receipt day, never the 30th day
    assert validation_period(sent_on).ends_on == ends_on


def test_the_us_limitation_answer_is_unchanged_by_china_s_calendar() -> None:
    request = {
        "jurisdiction": "us-ny",
        "as_of": "2031-01-01",
        "debt": {"due_dates": ["2029-10-01"]},
        "events": [],
    }

    answer = api.limitation(request)  # no Chinese calendar for 2032+: none is asked

    assert answer["expires_on"] >= "2032-10-01"
