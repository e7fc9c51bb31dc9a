"""Times the borrower named as inconvenient, with the one-reply exception.

Sources: US-TIME-KNOW (comment 6(b)(1)-1: a time is known to be inconvenient once the consumer
says so; a bare "I'm busy now" covers only that contact and is not recorded as a window);
US-TIME-EXC (1006.6(b)(1), comment 6(b)(1)-2: if the consumer initiates contact at a time they
designated inconvenient, the collector may respond once, through the same medium; prior
consent given directly lifts the restriction).

A window counts from the moment it was said (`said_at`), on its weekdays, in every zone the
borrower may be in (the safe reading when the location is uncertain, as for US-TIME-TZ).
`next_at`: the end of the window occurrence, or a consent's start if sooner, in the last zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fairdebt.compliance.consent import covers, next_covered
from fairdebt.compliance.context import Context
from fairdebt.compliance.localtime import (
    format_clock,
    format_window,
    in_window,
    occurrence_end,
    occurrence_start_day,
    seconds_of_day,
)
from fairdebt.compliance.rules.base import Hit, Params, RuleSpec, stricter
from fairdebt.compliance.rules.family import Family
from fairdebt.compliance.types import Channel, Consent, Direction, Inconvenient

MAX_ROUNDS = 32
_SAME_MEDIUM = {Channel.VOICEMAIL: Channel.CALL}


class InconvenientParams(Params, kw_only=True, frozen=True):
    consent: Annotated[Literal["any", "direct", "none"], stricter("order:any,direct,none")] = (
        "direct"
    )
    reply_exception: Annotated[bool, stricter("false")] = True


def _inside(window: Inconvenient, zone: ZoneInfo, at: datetime) -> bool:
    local = at.astimezone(zone)
    if not in_window(seconds_of_day(local), window.window):
        return False
    return occurrence_start_day(local, window.window).isoweekday() in window.weekdays


@dataclass(frozen=True, slots=True)
class InconvenientTimes:
    spec: RuleSpec
    consent: str
    reply_exception: bool

    def check(self, ctx: Context, at: datetime) -> Hit | None:
        windows = [w for w in ctx.borrower.inconvenient if w.said_at is None or w.said_at <= at]
        if not windows or (self.reply_exception and _may_reply_once(ctx, windows)):
            return None
        consents = (
            () if self.consent == "none" else ctx.timed_consents(direct=self.consent == "direct")
        )
        for window in windows:
            for zone in ctx.zones:
                if _inside(window, zone, at) and not any(covers(c, zone, at) for c in consents):
                    details = {
                        "window": format_window(window.window),
                        "zone": zone.key,
                        "local": format_clock(seconds_of_day(at.astimezone(zone))),
                    }
                    return Hit(details, _next(ctx.zones, windows, consents, at))
        return None


def _next(
    zones: tuple[ZoneInfo, ...],
    windows: list[Inconvenient],
    consents: tuple[Consent, ...],
    at: datetime,
) -> datetime | None:
    """Fixpoint over (window, zone) pairs, each jumping to its own earliest allowed instant."""
    t = at
    for _ in range(MAX_ROUNDS):
        moved = False
        for window in windows:
            for zone in zones:
                if _inside(window, zone, t) and not any(covers(c, zone, t) for c in consents):
                    ends = [occurrence_end(t, zone, window.window)]
                    ends += [n for c in consents if (n := next_covered(c, zone, t)) is not None]
                    t, moved = min(ends), True
        if not moved:
            return t
    return None


def _may_reply_once(ctx: Context, windows: list[Inconvenient]) -> bool:
    """The borrower reached out during a window they had named; we have not answered yet."""
    attempt = ctx.attempt
    if attempt.purpose != "respond":
        return False
    medium = _SAME_MEDIUM.get(attempt.channel, attempt.channel)
    for event in reversed(ctx.history):
        if _SAME_MEDIUM.get(event.channel, event.channel) != medium or event.party != attempt.party:
            continue
        if event.direction is Direction.OUT:
            return False  # already answered (or contacted) since
        return any(_inside(w, z, event.at) for w in windows for z in ctx.zones)
    return False


def build(spec: RuleSpec, params: InconvenientParams) -> InconvenientTimes:
    return InconvenientTimes(spec, params.consent, params.reply_exception)


FAMILY = Family(
    name="inconvenient",
    params=InconvenientParams,
    fields=frozenset({"window", "zone", "local"}),
    build=build,
    doc="no contact in a window the borrower named as inconvenient (one reply allowed)",
)
