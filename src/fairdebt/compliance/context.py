"""One request, prepared once for all the rules that look at it.

History is kept sorted by time (only events at or before `now`: a record of the future is not
history), so a rule counting a window finds its first event by bisection instead of scanning
every event. The first of the borrower's time zones is the one whose calendar days the daily
caps count ("per day" is the borrower's day).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from operator import itemgetter
from zoneinfo import ZoneInfo

from fairdebt.compliance.localtime import day_start, local_date
from fairdebt.compliance.request import WireHistory
from fairdebt.compliance.types import (
    LIABLE_PARTIES,
    Attempt,
    Borrower,
    Consent,
    DebtState,
    GateRequest,
    HistoryEvent,
)

_BY_TIME = itemgetter(0)


class Context:
    """The request, its zones, its sorted history and per-debt facts."""

    __slots__ = (
        "_attempt_debts",
        "_consents",
        "_days",
        "attempt",
        "borrower",
        "debts",
        "history",
        "known_debts",
        "now",
        "request",
        "times",
        "zone",
        "zones",
    )

    def __init__(self, request: GateRequest) -> None:
        self.request = request
        self.now = request.now.astimezone(UTC)  # the history's zone: see request._history
        self.attempt: Attempt = request.attempt
        self.borrower: Borrower = request.borrower
        self.zones = tuple(map(ZoneInfo, request.borrower.timezones))
        self.zone = self.zones[0]
        history = request.history
        if isinstance(history, WireHistory):  # read from JSON: events typed as rules reach them
            # (its times keep their written offsets: they order and compare as instants)
            if sorted(history.times) != history.times:  # the usual history is in order already
                history = history.in_order()
            history = history.head(bisect_right(history.times, self.now))  # none after now
            self.history: Sequence[HistoryEvent] = history
            self.times = history.times
        else:
            times = list(map(_BY_TIME, history))  # each event's `at`, at C speed
            ordered = sorted(times)  # C-speed; the history usually comes in order already
            if ordered != times:
                history = sorted(history, key=_BY_TIME)
                times = ordered
            cut = bisect_right(times, self.now)  # only events at or before now
            self.history = history[:cut]
            self.times = times[:cut]
        self.debts = {d.id: d for d in request.borrower.debts}
        self._attempt_debts = tuple(self.debts.get(d) for d in self.attempt.debts)
        # the facts of the attempt's debts that the request describes (several rules ask)
        self.known_debts = tuple(d for d in self._attempt_debts if d is not None)
        # A memo: several rules ask for the same consents of one request.
        self._consents: dict[bool, tuple[Consent, ...]] = {}
        self._days: dict[tuple[datetime, int], Sequence[HistoryEvent]] = {}

    def since(self, start: datetime) -> Sequence[HistoryEvent]:
        """Events at or after `start`, oldest first."""
        return self.history[bisect_left(self.times, start.astimezone(UTC)) :]

    def in_days(self, at: datetime, days: int) -> Sequence[HistoryEvent]:
        """Events on the borrower's calendar day of `at` and the `days - 1` days before (up to
        now). Every calendar-day cap and the conversation rule ask this, often for the same
        instant and count: it is answered once."""
        key = (at, days)
        events = self._days.get(key)
        if events is None:
            first_day = self.day(at) - timedelta(days=days - 1)
            events = self._days[key] = self.since(self.day_start(first_day))
        return events

    def day(self, instant: datetime) -> date:
        """The borrower's calendar day (first time zone) of `instant`."""
        return local_date(instant, self.zone)

    def day_start(self, day: date) -> datetime:
        return day_start(day, self.zone)

    def attempt_debts(self) -> tuple[DebtState | None, ...]:
        """The borrower's facts for each debt of the attempt (None: not described)."""
        return self._attempt_debts

    def consents_for(self, *, direct: bool) -> tuple[Consent, ...]:
        """Consents on the attempt's channel; `direct`: given directly to this collector."""
        if not self.borrower.consents:
            return ()
        found = self._consents.get(direct)
        if found is None:
            channel, collector = self.attempt.channel, self.attempt.collector
            found = self._consents[direct] = tuple(
                c
                for c in self.borrower.consents
                if c.channel == channel and (not direct or c.given_directly_to == collector)
            )
        return found

    def timed_consents(self, *, direct: bool) -> tuple[Consent, ...]:
        """Consents that name a window: only these lift a time rule. "Call me back on
        Thursday" consents to a call that day, not to a call at 03:00."""
        if not self.borrower.consents:
            return ()
        return tuple(c for c in self.consents_for(direct=direct) if c.window is not None)

    @property
    def to_consumer(self) -> bool:
        """Is the attempt addressed to someone liable for the debt (or their attorney)?"""
        return self.attempt.party in LIABLE_PARTIES
