"""What every rule family shares: a rule's declaration, its answer, its parameter structs.

A pack declares rules (`RuleSpec`: id, citation, severity, messages, and to which channels,
parties and purposes it applies); a family module turns the declaration and its parameters into
a `Rule`, whose `check(ctx, at)` answers for the attempt as if made at instant `at`:
`None` (the rule does not object) or a `Hit`. A hit's `next_at` is the earliest instant after
`at` at which this rule would no longer object, or None when waiting does not help (a hold, a
forbidden party, forbidden content). The engine combines the `next_at` of every time-based
objection into the decision's exact `allowed_from`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import msgspec

from fairdebt.compliance.types import Channel, Party, Purpose, Severity

if TYPE_CHECKING:
    from fairdebt.compliance.context import Context

NO_DETAILS: Mapping[str, str] = {}


class Hit(NamedTuple):
    details: Mapping[str, str] = NO_DETAILS
    next_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """A rule as a pack declares it (everything but the family's own parameters)."""

    id: str
    family: str
    citation: str
    severity: Severity
    messages: Mapping[str, str]  # locale → message template with {field} placeholders
    channels: frozenset[Channel] = frozenset()  # empty: every channel
    parties: frozenset[Party] = frozenset()  # empty: every party
    purposes: frozenset[Purpose] = frozenset()  # empty: every purpose
    cites: tuple[str, ...] = ()  # ids of the provisions this rule also rests on (docs/packs/)
    params: Mapping[str, Any] | None = None  # as written in the pack, for docs

    def applies(self, channel: Channel, party: Party, purpose: Purpose) -> bool:
        return (
            (not self.channels or channel in self.channels)
            and (not self.parties or party in self.parties)
            and (not self.purposes or purpose in self.purposes)
        )

    def message(self, locale: str, details: Mapping[str, str]) -> str:
        return self.messages[locale].format_map(_Lenient(details))


class _Lenient(dict[str, str]):
    """Formatting never fails at decision time; pack validation catches unknown fields."""

    def __missing__(self, key: str) -> str:
        return "?"


class Rule(Protocol):
    @property
    def spec(self) -> RuleSpec: ...

    def check(self, ctx: Context, at: datetime) -> Hit | None: ...


class Params(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Base of every family's parameter struct: unknown keys are errors (a typo weakens).

    A msgspec Struct, validated from the pack's mapping by `msgspec.convert` (see pack.py):
    a `fairdebt gate` reads the packs at every start, and this costs a fraction of a
    validation library's import. Cross-field checks live in `__post_init__` (a ValueError
    there is reported like any other validation error)."""


def stricter(direction: str, **constraints: Any) -> msgspec.Meta:
    """A parameter a fork may change only in `direction`: lower, higher, subset, superset,
    within (a daily window may only shrink), true / false (a switch may only be turned on /
    off), order:a,b,c (may only move right). Written `Annotated[T, stricter(...)]`; numeric
    constraints (ge, le) go in the same Meta, or on the inner type of an optional
    (`Annotated[Annotated[int, Meta(ge=1)] | None, stricter("higher")]`). A parameter
    without a direction may not change at all (forks.py reads the direction back)."""
    return msgspec.Meta(extra={STRICTER: direction}, **constraints)


STRICTER = "stricter"  # the key of a parameter's direction in its Meta's `extra`
