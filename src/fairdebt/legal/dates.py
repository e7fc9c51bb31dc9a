"""Counting periods in years, the way 民法典 counts them.

民法典 第二百零一条 and 第二百零二条: a period counted in years ends on the corresponding day of
the last year; where that month has no corresponding day (29 February), on the month's last day.
The day the period starts on is not counted, so "3 years from 2022-03-01" ends on 2025-03-01,
and the claim is out of time from 2025-03-02 (worked case CN-LIM-1, docs/packs/cn-sources.md).

This is the corresponding day only. 第二百零三条 then moves a last day that is a rest day to the
first working day after it, from China's holiday calendar: fairdebt.legal.rest_days.
"""

from __future__ import annotations

from datetime import date


def add_years(start: date, years: int) -> date:
    """The corresponding day `years` later; 29 February falls back to 28 February (art. 202)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February into a common year: the month's last day
        return start.replace(year=start.year + years, day=28)
