"""Contact hours: only inside a daily local-time window, in every zone the borrower may be in.

Sources: CBA26-TIME and NIFA25-TIME (China: no collection 22:00–08:00 without the debtor's
consent or agreement); US-TIME, US-TIME-TZ (12 CFR 1006.6(b)(1)(i), 15 U.S.C. 1692c(a)(1):
before 8 a.m. and after 9 p.m. local time is inconvenient; with several possible locations,
only times convenient in all of them). The window is half-open: 08:00 is allowed, 21:00 is not.

The consent exception (`consent`): only a consent that names a daily window lifts a time rule
("call me after 22:00"); "call me back on Thursday" is not consent to a call at 03:00. `any` —
such a consent on this channel covering the instant;
`direct` — only one given directly to this collector (Reg F); `none` — no exception.
`next_at` is the earliest instant at which every zone is inside the window or covered by a
consent (the instant the quiet window ends in the last zone to allow it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fairdebt.compliance.consent import covers, next_covered
from fairdebt.compliance.context import Context
from fairdebt.compliance.localtime import (
    Window,
    format_clock,
    format_window,
    in_window,
    next_in_window,
    parse_clock,
    seconds_of_day,
)
from fairdebt.compliance.rules.base import Hit, Params, RuleSpec, stricter
from fairdebt.compliance.rules.family import Family
from fairdebt.compliance.types import Consent

MAX_ROUNDS = 32


class TimeWindowParams(Params, kw_only=True, frozen=True):
    allowed: Annotated[tuple[str, str], stricter("within")]
    consent: Annotated[Literal["any", "direct", "none"], stricter("order:any,direct,none")] = "any"
    zones: Annotated[Literal["primary", "all"], stricter("order:primary,all")] = "all"

    def __post_init__(self) -> None:
        start, end = parse_clock(self.allowed[0]), parse_clock(self.allowed[1])
        if start % 86_400 == end % 86_400:
            raise ValueError("allowed: the window must not be empty or the whole day")


@dataclass(frozen=True, slots=True)
class TimeWindow:
    spec: RuleSpec
    allowed: Window
    consent: str
    all_zones: bool

    def check(self, ctx: Context, at: datetime) -> Hit | None:
        zones = ctx.zones if self.all_zones else ctx.zones[:1]
        consents = (
            () if self.consent == "none" else ctx.timed_consents(direct=self.consent == "direct")
        )
        for zone in zones:
            if not self._zone_ok(zone, consents, at):
                local = at.astimezone(zone)
                details = {
                    "window": format_window(self.allowed),
                    "zone": zone.key,
                    "local": format_clock(seconds_of_day(local)),
                }
                return Hit(details, self._next(zones, consents, at))
        return None

    def _zone_ok(self, zone: ZoneInfo, consents: tuple[Consent, ...], at: datetime) -> bool:
        if in_window(seconds_of_day(at.astimezone(zone)), self.allowed):
            return True
        return any(covers(c, zone, at) for c in consents)

    def _zone_next(self, zone: ZoneInfo, consents: tuple[Consent, ...], at: datetime) -> datetime:
        candidates = [next_in_window(at, zone, self.allowed)]
        candidates += [n for c in consents if (n := next_covered(c, zone, at)) is not None]
        return min(candidates)

    def _next(
        self, zones: tuple[ZoneInfo, ...], consents: tuple[Consent, ...], at: datetime
    ) -> datetime | None:
        """Fixpoint over the zones: each jump lands on the earliest instant one zone allows,
        never past the earliest instant all allow, so the fixpoint is that instant."""
        t = at
        for _ in range(MAX_ROUNDS):
            moved = False
            for zone in zones:
                if not self._zone_ok(zone, consents, t):
                    t, moved = self._zone_next(zone, consents, t), True
            if not moved:
                return t
        return None  # zones whose windows never overlap: no waiting helps


def build(spec: RuleSpec, params: TimeWindowParams) -> TimeWindow:
    window = (parse_clock(params.allowed[0]), parse_clock(params.allowed[1]))
    return TimeWindow(spec, window, params.consent, params.zones == "all")


FAMILY = Family(
    name="time_window",
    params=TimeWindowParams,
    fields=frozenset({"window", "zone", "local"}),
    build=build,
    doc="contact only inside a daily local-time window, in every candidate time zone",
)
