"""Who may be contacted, for what: the third-party rules.

Sources (each pack rule cites its own): CBA26-3P (unrelated third parties only when the
debtor is lost — number invalid or 3 consecutive failed attempts — only to ask for contact
details or relay a message, never told of the debt, never again after "do not contact me");
NIFA25-WHO and CC-68 (collect only from the debtor and guarantor); GBT45251-CONTACT (a contact
person only if the debtor is unreachable; never again after refusing); CN-PIPL-5/6 (contacts
harvested beyond the designated ones may not be used at all); US-3P (15 U.S.C. 1692b,
1692c(b): location information only, generally one contact per person).

Kinds (`kind`), for the parties the rule applies to (the pack's `parties`):
- `forbidden`: never;
- `purposes`: only for the listed purposes;
- `debtor_lost`: only after `min_failures` consecutive failed attempts to reach the debtor
  (or their number reported not in service), with no contact from the debtor since;
- `refused`: never again after they refused (refused_third_parties, or a refused_contact
  outcome in the history);
- `once`: not again after an earlier contact with the same person.
None of these can be waited out: `next_at` is always None.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Annotated, ClassVar, Literal

from fairdebt.compliance.context import Context
from fairdebt.compliance.rules.base import Hit, Params, RuleSpec, stricter
from fairdebt.compliance.rules.family import Family
from fairdebt.compliance.types import Channel, Direction, Outcome, Party, Purpose

PartyKind = Literal["forbidden", "purposes", "debtor_lost", "refused", "once"]
_FAILURES = (Outcome.NO_ANSWER, Outcome.BUSY, Outcome.NOT_IN_SERVICE, Outcome.FAILED)


class PartyParams(Params, kw_only=True, frozen=True):
    kind: PartyKind
    allowed_purposes: Annotated[tuple[Purpose, ...], stricter("subset")] = ()
    min_failures: Annotated[int, stricter("higher", ge=1, le=100)] = 3
    failure_outcomes: Annotated[tuple[Outcome, ...], stricter("subset")] = _FAILURES
    attempt_channels: Annotated[tuple[Channel, ...], stricter("subset")] = (
        Channel.CALL,
        Channel.VISIT,
    )
    not_in_service_is_lost: Annotated[bool, stricter("false")] = True


@dataclass(frozen=True, slots=True)
class PartyRule:
    timeless: ClassVar[bool] = True  # who is contacted, and the history up to now (see engine)

    spec: RuleSpec
    test: Callable[[PartyRule, Context], Mapping[str, str] | None]
    allowed_purposes: frozenset[Purpose]
    min_failures: int
    failure_outcomes: frozenset[Outcome]
    attempt_channels: frozenset[Channel]
    not_in_service_is_lost: bool

    def check(self, ctx: Context, at: datetime) -> Hit | None:
        details = self.test(self, ctx)
        return None if details is None else Hit(details, None)


def _details(ctx: Context) -> dict[str, str]:
    return {"party": ctx.attempt.party.value, "purpose": ctx.attempt.purpose.value}


def _forbidden(_rule: PartyRule, ctx: Context) -> Mapping[str, str] | None:
    return _details(ctx)


def _purposes(rule: PartyRule, ctx: Context) -> Mapping[str, str] | None:
    return None if ctx.attempt.purpose in rule.allowed_purposes else _details(ctx)


def _debtor_lost(rule: PartyRule, ctx: Context) -> Mapping[str, str] | None:
    failures = 0
    for event in reversed(ctx.history):
        if event.party != Party.DEBTOR:
            continue
        if event.direction is Direction.IN:
            break  # the debtor reached us: not lost
        if event.channel not in rule.attempt_channels:
            continue
        if event.outcome is Outcome.NOT_IN_SERVICE and rule.not_in_service_is_lost:
            return None
        if event.outcome not in rule.failure_outcomes:
            break
        failures += 1
        if failures >= rule.min_failures:
            return None
    return {**_details(ctx), "failures": str(failures), "min": str(rule.min_failures)}


def _refused(_rule: PartyRule, ctx: Context) -> Mapping[str, str] | None:
    attempt = ctx.attempt
    address = attempt.address
    if address is not None and address in ctx.borrower.refused_third_parties:
        return _details(ctx)
    for event in ctx.history:
        same = address is None or event.address is None or event.address == address
        if event.outcome is Outcome.REFUSED_CONTACT and event.party == attempt.party and same:
            return _details(ctx)
    return None


def _once(_rule: PartyRule, ctx: Context) -> Mapping[str, str] | None:
    attempt = ctx.attempt
    address = attempt.address
    for event in ctx.history:
        same = address is None or event.address is None or event.address == address
        if event.direction is Direction.OUT and event.party == attempt.party and same:
            return {**_details(ctx), "since": event.at.isoformat()}
    return None


TESTS: Mapping[str, Callable[[PartyRule, Context], Mapping[str, str] | None]] = MappingProxyType(
    {
        "forbidden": _forbidden,
        "purposes": _purposes,
        "debtor_lost": _debtor_lost,
        "refused": _refused,
        "once": _once,
    }
)


def build(spec: RuleSpec, params: PartyParams) -> PartyRule:
    return PartyRule(
        spec,
        TESTS[params.kind],
        frozenset(params.allowed_purposes),
        params.min_failures,
        frozenset(params.failure_outcomes),
        frozenset(params.attempt_channels),
        params.not_in_service_is_lost,
    )


FAMILY = Family(
    name="party",
    params=PartyParams,
    fields=frozenset({"party", "purpose", "failures", "min", "since"}),
    build=build,
    doc="who may be contacted for what: forbidden, purposes, debtor_lost, refused, once",
)
