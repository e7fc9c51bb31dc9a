"""When a borrower's consent covers an instant, and the next instant it does.

A consent (borrower.consents) lifts a time rule: "call me after 22:00, I work late" (CBA26-TIME
"without the debtor's consent"; Reg F 1006.6(b)(1) "prior consent … given directly"). It covers
instants from `given_at` on, only on `on_date` when given, only inside its daily `window` when
given. For the Reg F call-frequency exclusion it also lapses after seven days, the day it was
given being day one (12 CFR 1006.14(b)(3)(i)): `valid_days`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fairdebt.compliance.localtime import (
    ONE_DAY,
    day_start,
    in_window,
    local_date,
    next_in_window,
    seconds_of_day,
)
from fairdebt.compliance.types import Consent


def covers(consent: Consent, zone: ZoneInfo, at: datetime, valid_days: int = 0) -> bool:
    """Does `consent` cover instant `at` in `zone`?"""
    if at < consent.given_at:
        return False
    local = at.astimezone(zone)
    day = local.date()
    if consent.on_date is not None and day != consent.on_date:
        return False
    if valid_days and day >= local_date(consent.given_at, zone) + timedelta(days=valid_days):
        return False
    return consent.window is None or in_window(seconds_of_day(local), consent.window)


def next_covered(
    consent: Consent, zone: ZoneInfo, at: datetime, valid_days: int = 0
) -> datetime | None:
    """The earliest instant ≥ `at` that `consent` covers, or None if it never will again."""
    low, end = max(at, consent.given_at), None
    if consent.on_date is not None:
        low = max(low, day_start(consent.on_date, zone))
        end = day_start(consent.on_date + ONE_DAY, zone)
    if valid_days:
        lapse = day_start(local_date(consent.given_at, zone) + timedelta(days=valid_days), zone)
        end = lapse if end is None else min(end, lapse)
    if consent.window is not None:
        low = next_in_window(low, zone, consent.window)
    if end is not None and low >= end:
        return None
    return low
