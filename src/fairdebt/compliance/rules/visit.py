"""Field-visit (上门催收 / 外访) preconditions, one requirement per pack rule.

Sources (each pack rule cites its own): CBA26-VISIT (no fewer than two collectors); NIFA18-15
(collectors on site show their credentials); NIFA18-21 (on-site collection recorded);
NIFA18-19 (repayment only through the institution's channels: no cash or cards at the door);
CN-CRIM-245, CN-ADM-40, CN-PRIV-1032/1033 (no entering a home without the occupant's
consent); and fairdebt policy, kept as parameters because no text fixes them (the press reports
some of them; docs/packs/cn-sources.md says how sure we are): supervisor approval, certified
agents, the approved address, prior notice N hours before (cf. UK-7.9.12), DPD and balance
minimums.

`require` picks the requirement; `value` is its number (agents, notice hours, DPD, balance).
A visit with no `visit` details is judged on the schema's defaults: unapproved, no agents.
Only the notice can be waited out: `next_at` is the instant the notice period has run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Annotated, Literal

from fairdebt.compliance.context import Context
from fairdebt.compliance.rules.base import Hit, Params, RuleSpec, stricter
from fairdebt.compliance.rules.family import Family
from fairdebt.compliance.types import Visit

Requirement = Literal[
    "agents",
    "certified",
    "id_shown",
    "approved",
    "notice",
    "recording",
    "address",
    "home_entry",
    "no_cash",
    "dpd",
    "balance",
]
NO_VISIT = Visit()


class VisitParams(Params, kw_only=True, frozen=True):
    require: Requirement
    value: Annotated[Decimal, stricter("higher")] = Decimal(0)

    def __post_init__(self) -> None:
        if self.value < 0:  # msgspec constrains numbers, not Decimals: checked here
            raise ValueError("value must be at least 0")


@dataclass(frozen=True, slots=True)
class VisitRule:
    spec: RuleSpec
    test: Callable[[VisitRule, Context, Visit, datetime], Hit | None]
    value: Decimal

    def check(self, ctx: Context, at: datetime) -> Hit | None:
        visit = ctx.attempt.visit or NO_VISIT
        return self.test(self, ctx, visit, at)


def _flag(ok: bool) -> Hit | None:
    return None if ok else Hit({}, None)


def _agents(rule: VisitRule, _ctx: Context, visit: Visit, _at: datetime) -> Hit | None:
    count = len({a.id for a in visit.agents})
    return None if count >= rule.value else Hit({"agents": str(count), "min": str(rule.value)})


def _notice(rule: VisitRule, _ctx: Context, visit: Visit, at: datetime) -> Hit | None:
    hours = {"hours": str(rule.value)}
    if visit.notice_sent_at is None:
        return Hit(hours, None)
    ready = visit.notice_sent_at + timedelta(hours=float(rule.value))
    return None if at >= ready else Hit(hours, ready)


def _dpd(rule: VisitRule, ctx: Context, _visit: Visit, _at: datetime) -> Hit | None:
    known = [d.dpd for d in ctx.attempt_debts() if d is not None and d.dpd is not None]
    dpd = max(known) if known else None
    if dpd is not None and dpd >= rule.value:
        return None
    return Hit({"dpd": "?" if dpd is None else str(dpd), "min": str(rule.value)})


def _balance(rule: VisitRule, ctx: Context, _visit: Visit, _at: datetime) -> Hit | None:
    if rule.value <= 0:
        return None
    known = [d.balance for d in ctx.attempt_debts() if d is not None and d.balance is not None]
    total = sum(known, Decimal(0)) if known else None
    if total is not None and total >= rule.value:
        return None
    return Hit({"balance": "?" if total is None else str(total), "min": str(rule.value)})


TESTS: Mapping[str, Callable[[VisitRule, Context, Visit, datetime], Hit | None]] = MappingProxyType(
    {
        "agents": _agents,
        "certified": lambda r, c, v, t: _flag(all(a.certified for a in v.agents)),
        "id_shown": lambda r, c, v, t: _flag(all(a.id_shown for a in v.agents)),
        "approved": lambda r, c, v, t: _flag(v.approved),
        "notice": _notice,
        "recording": lambda r, c, v, t: _flag(v.recording),
        "address": lambda r, c, v, t: _flag(v.address_matches_approved),
        "home_entry": lambda r, c, v, t: _flag(not v.enter_home or v.occupant_consent_to_enter),
        "no_cash": lambda r, c, v, t: _flag(not v.collect_cash_or_card),
        "dpd": _dpd,
        "balance": _balance,
    }
)


def build(spec: RuleSpec, params: VisitParams) -> VisitRule:
    return VisitRule(spec, TESTS[params.require], params.value)


FAMILY = Family(
    name="visit",
    params=VisitParams,
    fields=frozenset({"agents", "min", "hours", "dpd", "balance"}),
    build=build,
    doc="field-visit preconditions: agents, certification, ID, approval, notice, recording, …",
)
