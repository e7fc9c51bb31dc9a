"""A rest-day calendar for tests whose periods end past China's holiday data.

Interruption, longstop and waiver logic is tested on periods ending in 2027 and later, years
whose State Council holiday notice is not published yet: there the real calendar refuses
(fairdebt.legal.rest_days.CalendarUnknown). `weekends_after_the_data()` keeps the package's real
data for the years it holds and, for any other year, takes Saturdays and Sundays as the only rest
days. Tests of 民法典 203 itself use the real calendar (tests/unit/test_legal_rest_days.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest

from fairdebt.legal import rest_days

_real = rest_days.is_working_day


def weekdays_beyond_the_data(day: date) -> bool:
    first, last = rest_days.covered_years()
    return _real(day) if first <= day.year <= last else day.weekday() < 5


@contextmanager
def weekends_after_the_data() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rest_days, "is_working_day", weekdays_beyond_the_data)
        yield
