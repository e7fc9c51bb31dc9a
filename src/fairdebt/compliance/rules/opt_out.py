"""Opt-outs: no contact on a channel and address the borrower opted out of.

Sources (each pack rule cites its own): US-OPTOUT (12 CFR 1006.6(e): a consumer who opts out of
electronic communications to an address must not be contacted there; any reasonable "stop"
reply counts); CN-PIPL-13/14/15 (personal-information consent can be withdrawn, and processing
that rested on it must stop).

A call opt-out covers voicemails to the same number and the reverse: both are the telephone.
An opt-out counts from its `at` (when given). When the attempt names no address the rule
cannot tell the addresses apart and objects if the channel has any opt-out. An opt-out is for
good: `next_at` is None.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fairdebt.compliance.context import Context
from fairdebt.compliance.rules.base import Hit, Params, RuleSpec
from fairdebt.compliance.rules.family import Family
from fairdebt.compliance.types import Channel

_MEDIUM = {Channel.VOICEMAIL: Channel.CALL}


class OptOutParams(Params, kw_only=True, frozen=True):
    pass


@dataclass(frozen=True, slots=True)
class OptOutRule:
    spec: RuleSpec

    def check(self, ctx: Context, at: datetime) -> Hit | None:
        opt_outs = ctx.borrower.opt_outs
        if not opt_outs:
            return None
        attempt = ctx.attempt
        medium = _MEDIUM.get(attempt.channel, attempt.channel)
        address = attempt.address
        for opt in opt_outs:
            if _MEDIUM.get(opt.channel, opt.channel) != medium:
                continue
            if (opt.at is None or opt.at <= at) and (address is None or opt.address == address):
                return Hit({"channel": attempt.channel.value, "address": opt.address}, None)
        return None


def build(spec: RuleSpec, _params: OptOutParams) -> OptOutRule:
    return OptOutRule(spec)


FAMILY = Family(
    name="opt_out",
    params=OptOutParams,
    fields=frozenset({"channel", "address"}),
    build=build,
    doc="no contact on a channel and address the borrower opted out of",
)
