"""Frequency caps: at most `max` counted contacts in a window, per the keys the rule names.

Sources (each pack rule cites its own): NIFA25-FREQ (≤ 3 connected calls a day per debtor,
creditor and agencies combined), GBT45251-CONV, CBA26-FREQ (≤ 6 unanswered attempts per number
per day), CN-ADM-42 (repeated messages that disturb normal life), US-FREQ-PRES / US-FREQ-DEBT /
US-FREQ-EXCL / US-FREQ-CONNECT (12 CFR 1006.14(b): more than 7 calls in 7 consecutive days per
collector, person and debt; unconnected calls and calls placed with direct consent excluded),
and the review patterns of US-FREQ-REBUT-C, US-FREQ-MULTI and US-HARASS-GEN.

Parameters: which history events count (channels, directions, outcomes), what groups them
(`per`: the same party, address, collector, debt — a key left out counts across it, e.g.
across collectors), the window (`calendar_days` of the borrower, the attempt's day being the
last; or `rolling_minutes`), and `max`: the rule objects when `max` events already count, so
the attempt would exceed it. `next_at` is the instant the oldest event that must leave the
window leaves it: the start of the day after the window, or the event's time plus the span.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Literal

from msgspec import Meta

from fairdebt.compliance.consent import covers, next_covered
from fairdebt.compliance.context import Context
from fairdebt.compliance.rules.base import Hit, Params, RuleSpec, stricter
from fairdebt.compliance.rules.family import Family
from fairdebt.compliance.types import (
    Channel,
    Consent,
    Direction,
    HistoryEvent,
    Outcome,
)

Key = Literal["party", "to", "collector", "debt"]


class FrequencyParams(Params, kw_only=True, frozen=True):
    counted_channels: Annotated[tuple[Channel, ...], stricter("superset")]
    outcomes: Annotated[tuple[Outcome, ...], stricter("superset")] = tuple(Outcome)
    directions: Annotated[tuple[Direction, ...], stricter("superset")] = (Direction.OUT,)
    per: Annotated[tuple[Key, ...], stricter("subset")] = ("party",)
    calendar_days: Annotated[Annotated[int, Meta(ge=1, le=366)] | None, stricter("higher")] = None
    rolling_minutes: Annotated[
        Annotated[int, Meta(ge=1, le=525_600)] | None, stricter("higher")
    ] = None
    max: Annotated[int, stricter("lower", ge=0)]
    exclude_consented: Annotated[bool, stricter("false")] = False
    consent_days: Annotated[int, stricter("lower", ge=0, le=366)] = 0
    reset_on_inbound: Annotated[bool, stricter("false")] = False

    def __post_init__(self) -> None:
        if (self.calendar_days is None) == (self.rolling_minutes is None):
            raise ValueError("give exactly one of calendar_days or rolling_minutes")


@dataclass(frozen=True, slots=True)
class Counter:
    """Which events count, for an attempt: the filter shared by caps and the 7-day rule."""

    channels: frozenset[Channel]
    outcomes: frozenset[Outcome]
    directions: frozenset[Direction]
    per: frozenset[str]
    exclude_consented: bool

    def matching(self, ctx: Context, events: Sequence[HistoryEvent]) -> list[HistoryEvent]:
        attempt = ctx.attempt
        party = attempt.party if "party" in self.per else None
        address = attempt.address if "to" in self.per else None
        collector = attempt.collector if "collector" in self.per else None
        return [
            e
            for e in events
            if e.channel in self.channels
            and e.outcome in self.outcomes
            and e.direction in self.directions
            and (party is None or e.party == party)
            and (address is None or e.address is None or e.address == address)
            and (collector is None or e.collector is None or e.collector == collector)
            and not (self.exclude_consented and e.consent_given)
        ]

    def groups(
        self, ctx: Context, events: list[HistoryEvent]
    ) -> list[tuple[str, list[HistoryEvent]]]:
        """One group per debt of the attempt when counting per debt, else one group."""
        if "debt" not in self.per:
            return [("", events)]
        return [(d, [e for e in events if e.concerns(d)]) for d in ctx.attempt.debts]


def valid_consents(ctx: Context, days: int) -> tuple[Consent, ...]:
    """Direct consents to this collector not yet ended by a later conversation (Reg F
    1006.14(b)(3)(i), comment 14(b)(3)(i)-2)."""
    consents = ctx.consents_for(direct=True) if days else ()
    if not consents:
        return ()
    party = ctx.attempt.party
    spoke = [e.at for e in ctx.history if e.outcome is Outcome.CONVERSATION and e.party == party]
    return tuple(c for c in consents if not any(s > c.given_at for s in spoke))


def consent_exempts(ctx: Context, consents: tuple[Consent, ...], days: int, at: datetime) -> bool:
    return any(covers(c, ctx.zone, at, days) for c in consents)


def consent_next(
    ctx: Context, consents: tuple[Consent, ...], days: int, at: datetime
) -> list[datetime]:
    return [n for c in consents if (n := next_covered(c, ctx.zone, at, days)) is not None]


@dataclass(frozen=True, slots=True)
class Frequency:
    spec: RuleSpec
    counter: Counter
    calendar_days: int | None
    rolling: timedelta | None
    max: int
    consent_days: int
    reset_on_inbound: bool

    def check(self, ctx: Context, at: datetime) -> Hit | None:
        consents = valid_consents(ctx, self.consent_days)
        if consents and consent_exempts(ctx, consents, self.consent_days, at):
            return None
        counted = self.counter.matching(ctx, self._window(ctx, at))
        if self.reset_on_inbound:
            counted = self._after_last_inbound(ctx, counted)
        if len(counted) < self.max:  # each group is a part of these: none can reach the cap
            return None
        over = [(d, ev) for d, ev in self.counter.groups(ctx, counted) if len(ev) >= self.max]
        if not over:
            return None
        leaves = [self._leaves(ctx, ev[len(ev) - self.max]) if self.max else None for _, ev in over]
        candidates = consent_next(ctx, consents, self.consent_days, at)
        if None not in leaves:
            candidates.append(max(t for t in leaves if t is not None))
        debt, events = max(over, key=lambda group: len(group[1]))
        return Hit(self._details(debt, len(events)), min(candidates) if candidates else None)

    def _window(self, ctx: Context, at: datetime) -> Sequence[HistoryEvent]:
        if self.rolling is not None:
            start = at - self.rolling
            return [e for e in ctx.since(start) if e.at > start]
        assert self.calendar_days is not None
        return ctx.in_days(at, self.calendar_days)

    def _after_last_inbound(self, ctx: Context, events: list[HistoryEvent]) -> list[HistoryEvent]:
        party = ctx.attempt.party
        inbound = [e.at for e in ctx.history if e.direction is Direction.IN and e.party == party]
        return [e for e in events if e.at > inbound[-1]] if inbound else events

    def _leaves(self, ctx: Context, event: HistoryEvent) -> datetime:
        """When `event` stops counting: the window has moved past it."""
        if self.rolling is not None:
            return event.at + self.rolling
        assert self.calendar_days is not None
        return ctx.day_start(ctx.day(event.at) + timedelta(days=self.calendar_days))

    def _details(self, debt: str, count: int) -> dict[str, str]:
        if self.rolling is not None:
            minutes = int(self.rolling.total_seconds() // 60)
            en, zh = f"{minutes} minutes", f"{minutes} 分钟"
        else:
            en, zh = f"{self.calendar_days} day(s)", f"{self.calendar_days} 天"
        return {
            "count": str(count),
            "max": str(self.max),
            "debt": debt,
            "window_en": en,
            "window_zh": zh,
        }


def build(spec: RuleSpec, params: FrequencyParams) -> Frequency:
    counter = Counter(
        channels=frozenset(params.counted_channels),
        outcomes=frozenset(params.outcomes),
        directions=frozenset(params.directions),
        per=frozenset(params.per),
        exclude_consented=params.exclude_consented,
    )
    rolling = None if params.rolling_minutes is None else timedelta(minutes=params.rolling_minutes)
    return Frequency(
        spec,
        counter,
        params.calendar_days,
        rolling,
        params.max,
        params.consent_days,
        params.reset_on_inbound,
    )


FAMILY = Family(
    name="frequency",
    params=FrequencyParams,
    fields=frozenset({"count", "max", "debt", "window_en", "window_zh"}),
    build=build,
    doc="at most `max` counted contacts in a calendar-day or rolling window, per chosen keys",
)
