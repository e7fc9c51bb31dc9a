"""China's rest days, and the last day of a period under 民法典 第二百零三条.

民法典 第二百零三条: 期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日. A rest
day (法定休假日) is a public holiday of the State Council's yearly notice (国务院办公厅关于某年部分
节假日安排的通知) or a Saturday or Sunday that the notice has not made a working day (调休上班日).
So a period whose corresponding day (201, 202) is a rest day ends on the first working day after
it: three years from 2022-10-01 end on 2025-10-09, after the 2025 National Day and Mid-Autumn
holiday (1–8 October), and a period ending on Sunday 2025-09-28, a working day that year, ends
that very day.

The calendar is the `chinesecalendar` package's table of those notices. A year it does not hold
(before 2004, or a year whose notice is not published or not yet in the installed version) is
never guessed: `CalendarUnknown` says which year is missing, because calling a weekday a working
day might tell a borrower that a claim expired while it still runs. Callers that can decide
without the exact day (a period whose corresponding day is still ahead) ask `ended_before`,
which looks at the calendar only when it must, and knows without it that a day more than
`LONGEST_REST_RUN` days after the corresponding day is past the end: the longest run of rest
days any notice has made is 10 days (the 2020 Spring Festival holiday, extended to 2 February).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import chinese_calendar

from fairdebt.legal.errors import LegalRequestError

ARTICLE = "民法典 第二百零三条"
# No run of rest days comes near a month (the longest so far: 10 days, 2020-01-24 to 02-02).
LONGEST_REST_RUN = 31


class CalendarUnknown(LegalRequestError):
    """China's rest days for `year` are not in the holiday data: the last day cannot be told."""

    def __init__(self, year: int, nominal: date | None = None) -> None:
        first, last = covered_years()
        on_or_after = f": the period ends on {nominal} or later" if nominal else ""
        super().__init__(
            f"calendar unknown for {year}: China's rest days of that year are not in the holiday "
            f"data ({ARTICLE}){on_or_after}",
            hint=f"the installed chinesecalendar covers {first}-{last}; once the State Council "
            f"has published the {year} holiday notice, upgrade it (uv lock --upgrade-package "
            "chinesecalendar)",
        )
        self.year = year
        self.nominal = nominal


@cache
def covered_years() -> tuple[int, int]:
    """The first and last year whose holiday notice the package holds."""
    years = {day.year for day in chinese_calendar.holidays}
    return min(years), max(years)


def is_working_day(day: date) -> bool:
    """A working day in China: Monday to Friday unless a holiday, or an adjusted working day."""
    first, last = covered_years()
    if not first <= day.year <= last:
        raise CalendarUnknown(day.year)
    return bool(chinese_calendar.is_workday(day))


def last_day(nominal: date) -> date:
    """民法典 203: `nominal` if it is a working day, else the first working day after it."""
    day = nominal
    try:
        while not is_working_day(day):
            day += timedelta(days=1)
    except CalendarUnknown as unknown:
        raise CalendarUnknown(unknown.year, nominal) from None
    return day


def ended_before(day: date, nominal: date) -> bool:
    """Has the period whose corresponding day is `nominal` ended before `day`?

    Only the days from `nominal` up to the day before `day` are looked up: a period is over once
    one of them is a working day, and runs on while all are rest days. A `day` on or before
    `nominal` needs no calendar at all, nor does one more than `LONGEST_REST_RUN` days after it.
    """
    if (day - nominal).days > LONGEST_REST_RUN:
        return True
    probe = nominal
    try:
        while probe < day:
            if is_working_day(probe):
                return True
            probe += timedelta(days=1)
    except CalendarUnknown as unknown:
        raise CalendarUnknown(unknown.year, nominal) from None
    return False
