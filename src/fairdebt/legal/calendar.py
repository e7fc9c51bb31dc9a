"""US federal holidays and business days, computed from the statutory rules (no table to go stale).

Source: 5 U.S.C. 6103(a) lists the legal public holidays; the Uniform Monday Holiday Act
(in force 1971) fixed Washington's Birthday, Memorial Day, Labor Day and Columbus Day on
Mondays; Martin Luther King Jr. Day since 1986; Veterans Day back on 11 November since 1978;
Juneteenth since 2021 (Pub. L. 117-17). 5 U.S.C. 6103(b) and Executive Order 11582: a holiday
on a Saturday is observed the Friday before, on a Sunday the Monday after.

Reg F counts business days "excluding legal public holidays, Saturdays, and Sundays"
(12 CFR 1006.34(b)(5)). We exclude both the holiday and its observed day: counting one more day
can only move an assumed receipt date later, which lengthens the consumer's validation period.
Years before 1971 are refused rather than guessed.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

FIRST_YEAR = 1971
MON, THU, SAT, SUN = 0, 3, 5, 6


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th `weekday` of the month (n = -1: the last)."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def legal_public_holidays(year: int) -> tuple[date, ...]:
    """The holidays of 5 U.S.C. 6103(a) on their calendar dates in `year`."""
    if year < FIRST_YEAR:
        raise ValueError(f"no US federal holiday calendar before {FIRST_YEAR}: asked for {year}")
    days = [
        date(year, 1, 1),  # New Year's Day
        _nth_weekday(year, 2, MON, 3),  # Washington's Birthday
        _nth_weekday(year, 5, MON, -1),  # Memorial Day
        date(year, 7, 4),  # Independence Day
        _nth_weekday(year, 9, MON, 1),  # Labor Day
        _nth_weekday(year, 10, MON, 2),  # Columbus Day
        _nth_weekday(year, 11, THU, 4),  # Thanksgiving Day
        date(year, 12, 25),  # Christmas Day
    ]
    if year >= 1986:
        days.append(_nth_weekday(year, 1, MON, 3))  # Birthday of Martin Luther King, Jr.
    if year >= 2021:
        days.append(date(year, 6, 19))  # Juneteenth National Independence Day
    # Veterans Day: 11 November, except 1971-1977 when it was the fourth Monday of October
    days.append(date(year, 11, 11) if year >= 1978 else _nth_weekday(year, 10, MON, 4))
    return tuple(sorted(days))


def observed(day: date) -> date:
    """6103(b): Saturday holidays are observed on Friday, Sunday holidays on Monday."""
    if day.weekday() == SAT:
        return day - timedelta(days=1)
    if day.weekday() == SUN:
        return day + timedelta(days=1)
    return day


@cache
def federal_holidays(year: int) -> frozenset[date]:
    """Every day of `year` that is a legal public holiday or the day one is observed.

    Looks at the neighbouring years too: 1 January on a Saturday is observed on 31 December.
    """
    found: set[date] = set()
    for y in (year - 1, year, year + 1):
        if y >= FIRST_YEAR:
            for day in legal_public_holidays(y):
                found.update({day, observed(day)})
    return frozenset(d for d in found if d.year == year)


def is_business_day(day: date) -> bool:
    return day.weekday() < SAT and day not in federal_holidays(day.year)


def add_business_days(start: date, count: int) -> date:
    """The `count`-th business day after `start` (`start` itself is not counted)."""
    day = start
    while count > 0:
        day += timedelta(days=1)
        if is_business_day(day):
            count -= 1
    return day
