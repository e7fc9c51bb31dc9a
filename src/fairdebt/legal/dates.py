"""Counting periods in years, the way 民法典 counts them.

民法典 第二百零一条 and 第二百零二条: a period counted in years ends on the corresponding day of
the last year; where that month has no corresponding day (29 February), on the month's last day.
The day the period starts on is not counted, so "3 years from 2022-03-01" ends on 2025-03-01,
and the claim is out of time from 2025-03-02 (worked case CN-LIM-1, docs/packs/cn-sources.md).

第二百零三条 (a last day falling on a statutory holiday moves to the next working day) is NOT
applied: it needs the State Council's yearly holiday notice, which is not data we hold. Without
it an expiry can only come out a few days early, never late, which is the safe side for a
collector deciding whether a debt may still be pressed.
"""

from __future__ import annotations

from datetime import date


def add_years(start: date, years: int) -> date:
    """The corresponding day `years` later; 29 February falls back to 28 February (art. 202)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February into a common year: the month's last day
        return start.replace(year=start.year + years, day=28)
