"""Holds (停催): a hold on the borrower stops contact, except what the hold itself allows.

Sources (each pack rule cites its own): US-CEASE (15 U.S.C. 1692c(c): after a written refusal
or cease request, only to say efforts are ending or to notify of a specific remedy); US-REP
(1692c(a)(2), 1006.6(b)(2): a consumer represented by an attorney is contacted through the
attorney); US-VAL-STOP (a dispute stops collection until verification); and fairdebt policy
(docs/packs/: a complaint, hardship review, litigation, death or bankruptcy pauses collection).

`allow_purposes` / `allow_parties`: what may still happen under the hold (e.g. `respond` to
the borrower's complaint, contact the `attorney`); `allow_channels`, when given, narrows that
to some channels (US-CEASE: a letter). A hold is lifted by people, not by waiting:
`next_at` is None.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, ClassVar

from fairdebt.compliance.context import Context
from fairdebt.compliance.rules.base import Hit, Params, RuleSpec, stricter
from fairdebt.compliance.rules.family import Family
from fairdebt.compliance.types import Channel, Hold, Party, Purpose


class HoldParams(Params, kw_only=True, frozen=True):
    hold: Hold
    allow_purposes: Annotated[tuple[Purpose, ...], stricter("subset")] = ()
    allow_parties: Annotated[tuple[Party, ...], stricter("subset")] = ()
    allow_channels: tuple[Channel, ...] = ()


@dataclass(frozen=True, slots=True)
class HoldRule:
    # without a hold it cannot object; and `at` does not matter to it (see Pack, engine)
    needs: ClassVar[str] = "holds"
    timeless: ClassVar[bool] = True

    spec: RuleSpec
    hold: Hold
    allow_purposes: frozenset[Purpose]
    allow_parties: frozenset[Party]
    allow_channels: frozenset[Channel]

    def check(self, ctx: Context, at: datetime) -> Hit | None:
        if self.hold not in ctx.borrower.holds:
            return None
        attempt = ctx.attempt
        excepted = attempt.purpose in self.allow_purposes or attempt.party in self.allow_parties
        if excepted and (not self.allow_channels or attempt.channel in self.allow_channels):
            return None
        return Hit({"hold": self.hold.value, "purpose": attempt.purpose.value}, None)


def build(spec: RuleSpec, params: HoldParams) -> HoldRule:
    return HoldRule(
        spec,
        params.hold,
        frozenset(params.allow_purposes),
        frozenset(params.allow_parties),
        frozenset(params.allow_channels),
    )


FAMILY = Family(
    name="hold",
    params=HoldParams,
    fields=frozenset({"hold", "purpose"}),
    build=build,
    doc="a hold on the borrower stops contact except the purposes/parties it allows",
)
