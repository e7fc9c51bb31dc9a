"""No call within seven days after a telephone conversation about the debt (Reg F).

Source: US-FREQ-PRES (12 CFR 1006.14(b)(2)(i)(B): a call placed within seven consecutive days
after a telephone conversation about the debt is presumed a violation; "the date of the
telephone conversation is the first day of the seven-consecutive-day period"), US-FREQ-INBOUND
(a conversation the consumer initiates starts the period too), US-FREQ-MULTI (a conversation
about several debts starts a period for each), US-FREQ-EXCL and US-FREQ-CONSENT-END (calls
placed with consent given directly within the last seven days are excluded, until a later
conversation ends that consent).

Per collector, person and debt: only conversations with this collector (`per`) count. A
conversation is an event with outcome `conversation` on one of `conversation_channels`, in
either direction. `next_at`: the start of day eight, or a consent's start if sooner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from fairdebt.compliance.context import Context
from fairdebt.compliance.rules.base import Hit, Params, RuleSpec, stricter
from fairdebt.compliance.rules.family import Family
from fairdebt.compliance.rules.frequency import (
    Counter,
    Key,
    consent_exempts,
    consent_next,
    valid_consents,
)
from fairdebt.compliance.types import Channel, Direction, Outcome


class ConversationParams(Params, kw_only=True, frozen=True):
    days: Annotated[int, stricter("higher", ge=1, le=366)] = 7
    conversation_channels: Annotated[tuple[Channel, ...], stricter("superset")] = (Channel.CALL,)
    per: Annotated[tuple[Key, ...], stricter("subset")] = ("party", "collector", "debt")
    consent_days: Annotated[int, stricter("lower", ge=0, le=366)] = 7


@dataclass(frozen=True, slots=True)
class AfterConversation:
    spec: RuleSpec
    counter: Counter
    days: int
    consent_days: int

    def check(self, ctx: Context, at: datetime) -> Hit | None:
        consents = valid_consents(ctx, self.consent_days)
        if consents and consent_exempts(ctx, consents, self.consent_days, at):
            return None
        spoken = self.counter.matching(ctx, ctx.in_days(at, self.days))
        ends: list[tuple[datetime, str, datetime]] = []
        for debt, events in self.counter.groups(ctx, spoken):
            if events:
                last = events[-1].at
                end = ctx.day_start(ctx.day(last) + timedelta(days=self.days))
                if at < end:
                    ends.append((end, debt, last))
        if not ends:
            return None
        end, debt, last = max(ends)
        candidates = [end, *consent_next(ctx, consents, self.consent_days, at)]
        details = {"debt": debt, "days": str(self.days), "since": last.isoformat()}
        return Hit(details, min(candidates))


def build(spec: RuleSpec, params: ConversationParams) -> AfterConversation:
    counter = Counter(
        channels=frozenset(params.conversation_channels),
        outcomes=frozenset({Outcome.CONVERSATION}),
        directions=frozenset(Direction),
        per=frozenset(params.per),
        exclude_consented=False,
    )
    return AfterConversation(spec, counter, params.days, params.consent_days)


FAMILY = Family(
    name="conversation",
    params=ConversationParams,
    fields=frozenset({"debt", "days", "since"}),
    build=build,
    doc="no call in the days after a telephone conversation about the debt (day one included)",
)
