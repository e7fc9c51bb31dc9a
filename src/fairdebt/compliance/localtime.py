"""Local wall-clock arithmetic: daily windows, day starts, "the next instant when …".

Contact law is written in the borrower's local time ("22:00–08:00", "before 8 a.m."), so every
time rule works on seconds of the local day in a given zone. A window is `(start, end)` in
seconds of the day, half-open `[start, end)`: 08:00 is inside "08:00–21:00", 21:00 is not, so
the instant a window opens is itself allowed (the gate's `allowed_from` relies on this). A
window whose end is before its start runs past midnight ("22:00–08:00"). 24:00 is the end of
the day.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

DAY_SECONDS = 86_400
ONE_DAY = timedelta(days=1)
Window = tuple[int, int]


def parse_clock(text: str) -> int:
    """`"08:30"` → seconds of the day; `"24:00"` is the end of the day. ValueError otherwise."""
    if len(text) != 5 or text[2] != ":" or not (text[:2] + text[3:]).isdigit():
        raise ValueError(f"{text!r} is not a time of day HH:MM")
    hours, minutes = int(text[:2]), int(text[3:])
    if minutes > 59 or hours * 60 + minutes > 24 * 60:
        raise ValueError(f"{text!r} is not a time of day between 00:00 and 24:00")
    return hours * 3600 + minutes * 60


def format_clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def format_window(window: Window) -> str:
    return f"{format_clock(window[0])}–{format_clock(window[1])}"


def seconds_of_day(local: datetime) -> int:
    """Whole seconds since local midnight (floor, so 07:59:59.9 is still before 08:00)."""
    return local.hour * 3600 + local.minute * 60 + local.second


def in_window(seconds: int, window: Window) -> bool:
    start, end = window
    if start < end:
        return start <= seconds < end
    return seconds >= start or seconds < end  # runs past midnight


def at_local(day: date, seconds: int, zone: ZoneInfo) -> datetime:
    """The instant of `seconds` after local midnight of `day` in `zone`."""
    if seconds >= DAY_SECONDS:
        day, seconds = day + ONE_DAY, seconds - DAY_SECONDS
    return datetime(
        day.year,
        day.month,
        day.day,
        seconds // 3600,
        seconds % 3600 // 60,
        seconds % 60,
        tzinfo=zone,
    )


def day_start(day: date, zone: ZoneInfo) -> datetime:
    return at_local(day, 0, zone)


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()


def next_in_window(instant: datetime, zone: ZoneInfo, window: Window) -> datetime:
    """The earliest instant ≥ `instant` whose local time in `zone` is inside `window`."""
    local = instant.astimezone(zone)
    seconds = seconds_of_day(local)
    if in_window(seconds, window):
        return instant
    start = window[0]
    day = local.date() if seconds < start else local.date() + ONE_DAY
    candidate = at_local(day, start, zone)
    # A daylight-saving jump can put the wall-clock start behind us; the next day's is not.
    return candidate if candidate > instant else at_local(day + ONE_DAY, start, zone)


def occurrence_start_day(local: datetime, window: Window) -> date:
    """The local day on which the occurrence of `window` containing `local` began."""
    start, end = window
    if start > end and seconds_of_day(local) < end:
        return local.date() - ONE_DAY
    return local.date()


def occurrence_end(instant: datetime, zone: ZoneInfo, window: Window) -> datetime:
    """For an instant inside `window`, the instant that occurrence of the window closes."""
    local = instant.astimezone(zone)
    day = occurrence_start_day(local, window)
    start, end = window
    end_day = day if start < end else day + ONE_DAY
    return at_local(end_day, end, zone)
