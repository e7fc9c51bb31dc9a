"""The state of the debts the attempt is about: time-barred, disputed, validation notice.

Sources (each pack rule cites its own): US-TBD (12 CFR 1006.26(b): never sue or threaten suit
on a time-barred debt — strict liability); CN-LIM-192 (after the limitation period the debtor
may refuse: say so, do not demand as if it were enforceable); US-VAL-STOP (15 U.S.C. 1692g(b):
a written dispute within the validation period stops collection until verification is
mailed); US-VAL (1006.34(a)(1): the validation notice goes out with the initial communication
or within five days after it).

Kinds (`kind`): `time_barred_threat` (a time-barred debt and content that threatens suit,
`patterns`; a proof of claim in bankruptcy is not a threat — US-40), `time_barred` (a
time-barred debt: usually severity info),
`dispute_stop`, `validation_late`. The validation period comes from fairdebt.legal.us (receipt
assumed five business days after mailing, then 30 days); a dispute without a notice on record
is treated as inside the period. None can be waited out except a dispute whose verification
is recorded as mailed at a later instant: `next_at` is that instant.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Annotated, Literal

from fairdebt.compliance.context import Context
from fairdebt.compliance.rules.base import Hit, Params, RuleSpec, stricter
from fairdebt.compliance.rules.family import Family
from fairdebt.compliance.rules.patterns import LazyPattern, check_patterns, union
from fairdebt.compliance.types import DebtState, Direction, Outcome

DebtKind = Literal["time_barred_threat", "time_barred", "dispute_stop", "validation_late"]
_COMMUNICATIONS = frozenset({Outcome.CONVERSATION, Outcome.DELIVERED})


class DebtStateParams(Params, kw_only=True, frozen=True):
    kind: DebtKind
    patterns: Annotated[tuple[str, ...], stricter("superset")] = ()
    days: Annotated[int, stricter("lower", ge=0, le=60)] = 5


@dataclass(frozen=True, slots=True)
class DebtRule:
    spec: RuleSpec
    test: Callable[[DebtRule, Context, datetime], Hit | None]
    threat: LazyPattern | None
    days: int

    def check(self, ctx: Context, at: datetime) -> Hit | None:
        return self.test(self, ctx, at)


def _known(ctx: Context) -> tuple[DebtState, ...]:
    return ctx.known_debts


def _time_barred(_rule: DebtRule, ctx: Context, _at: datetime) -> Hit | None:
    barred = [d.id for d in _known(ctx) if d.time_barred]
    return Hit({"debt": ", ".join(barred)}) if barred else None


def _time_barred_threat(rule: DebtRule, ctx: Context, _at: datetime) -> Hit | None:
    barred = [d.id for d in _known(ctx) if d.time_barred]
    if not barred:
        return None
    content = ctx.attempt.content or ""
    found = rule.threat.search(content) if rule.threat else None
    return Hit({"debt": ", ".join(barred), "match": found.group(0)}) if found else None


def _in_period(ctx: Context, debt: DebtState, disputed: datetime) -> bool:
    if debt.validation_notice_sent_at is None:
        return True
    from fairdebt.legal.us import validation_period  # its calendars: only for a dispute

    period = validation_period(ctx.day(debt.validation_notice_sent_at))
    return ctx.day(disputed) <= period.ends_on


def _dispute_stop(_rule: DebtRule, ctx: Context, at: datetime) -> Hit | None:
    for debt in _known(ctx):
        disputed = debt.written_dispute_at
        if disputed is None or disputed > at or not _in_period(ctx, debt, disputed):
            continue
        mailed = debt.verification_mailed_at
        if mailed is not None and mailed <= at:
            continue
        later = mailed if mailed is not None and mailed > ctx.now else None
        return Hit({"debt": debt.id, "since": disputed.isoformat()}, later)
    return None


def _validation_late(rule: DebtRule, ctx: Context, at: datetime) -> Hit | None:
    for debt in _known(ctx):
        first = _first_communication(ctx, debt.id)
        if first is None:
            continue
        due = ctx.day_start(ctx.day(first) + timedelta(days=rule.days + 1))
        sent = debt.validation_notice_sent_at
        if (sent is None and at >= due) or (sent is not None and sent >= due):
            return Hit({"debt": debt.id, "since": first.isoformat()})
    return None


def _first_communication(ctx: Context, debt: str) -> datetime | None:
    for event in ctx.history:  # the cheapest test first: most events are unanswered calls
        if (
            event.outcome in _COMMUNICATIONS
            and (event.direction is Direction.OUT or event.outcome is Outcome.CONVERSATION)
            and (not event.debts or debt in event.debts)  # event.concerns(debt), inlined
        ):
            return event.at
    return None


TESTS: Mapping[str, Callable[[DebtRule, Context, datetime], Hit | None]] = MappingProxyType(
    {
        "time_barred_threat": _time_barred_threat,
        "time_barred": _time_barred,
        "dispute_stop": _dispute_stop,
        "validation_late": _validation_late,
    }
)


def build(spec: RuleSpec, params: DebtStateParams) -> DebtRule:
    return DebtRule(spec, TESTS[params.kind], union(params.patterns), params.days)


def check(params: DebtStateParams) -> None:
    """Every pattern compiles (asked for pack files; see rules/patterns.py)."""
    check_patterns(params.patterns)


FAMILY = Family(
    name="debt_state",
    params=DebtStateParams,
    fields=frozenset({"debt", "match", "since"}),
    build=build,
    check=check,
    doc="time-barred debts, disputes in the validation period, late validation notices",
)
