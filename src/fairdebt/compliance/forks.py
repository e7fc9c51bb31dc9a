"""Is a forked rule at least as strict as its base? Each difference that relaxes is named.

A lender may tighten a pack without code (fewer calls, a narrower window, more agents on a
visit) but never loosen it: the base pack is the law's floor. Each family parameter declares
the direction in which it tightens (`rules.base.stricter`); a parameter with no direction may
not change at all. Severity may only rise (info < review < deny); the channels, parties and
purposes a rule applies to may only grow (empty means all, so it cannot be narrowed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from fairdebt.compliance.localtime import in_window, parse_clock
from fairdebt.compliance.rules.base import STRICTER, Params
from fairdebt.compliance.types import Severity

if TYPE_CHECKING:
    from fairdebt.compliance.pack import RuleModel

_RANK = {Severity.INFO: 0, Severity.REVIEW: 1, Severity.DENY: 2}
P = TypeVar("P", bound=Params)


def read_params(params: type[P], data: Mapping[str, Any]) -> P:
    """A rule's parameters from the pack's mapping; msgspec.ValidationError if they are wrong.
    Lax, as YAML is: a number may be written as a string ("3"), a list stands for a tuple."""
    return msgspec.convert(data, type=params, strict=False)


def describe(exc: msgspec.ValidationError, *outer: str) -> str:
    """msgspec's "Expected `int` >= 1 - at `$.rules[2].max`" as "rules[2].max: Expected `int` >=
    1": where first, as a pack's author looks for it; `outer` is the path the data was read at."""
    message, _, at = str(exc).partition(" - at `")
    where = ".".join(p for p in (*outer, at.removesuffix("`").removeprefix("$.")) if p)
    return f"{where}: {message}" if where and where != "$" else message


@cache
def directions(params: type[Params]) -> dict[str, str]:
    """Each parameter's direction (rules.base.stricter), "equal" where none is declared."""
    found = {}
    for info in msgspec.structs.fields(params):
        metas = getattr(info.type, "__metadata__", ())
        extra = [m.extra for m in metas if isinstance(m, msgspec.Meta) and m.extra]
        found[info.name] = next((str(e[STRICTER]) for e in extra if STRICTER in e), "equal")
    return found


def relaxations(old: RuleModel, new: RuleModel, params: type[Params]) -> list[str]:
    """What `new` relaxes compared with `old` (empty: it is at least as strict)."""
    problems = []
    if _RANK[new.severity] < _RANK[old.severity]:
        problems.append(f"{old.id}: severity {old.severity.value} → {new.severity.value}")
    for name in ("channels", "parties", "purposes"):
        before, after = set(getattr(old, name)), set(getattr(new, name))
        if after and (not before or not before <= after):
            problems.append(f"{old.id}: {name} narrowed")
    try:
        a, b = read_params(params, old.params), read_params(params, new.params)
    except msgspec.ValidationError as exc:
        return [*problems, f"{old.id}: bad params: {describe(exc)}"]
    for name, direction in directions(params).items():
        before, after = getattr(a, name), getattr(b, name)
        if before != after and not _tightens(direction, before, after):
            problems.append(f"{old.id}: {name} {before!r} → {after!r} is not stricter")
    return problems


def _tightens(direction: str, before: Any, after: Any) -> bool:
    if direction.startswith("order:"):
        order = direction.removeprefix("order:").split(",")
        return order.index(str(after)) >= order.index(str(before))
    test = _DIRECTIONS.get(direction)
    return test is not None and test(before, after)


def _within(before: Sequence[str], after: Sequence[str]) -> bool:
    """A daily window may only shrink: every minute inside `after` is inside `before`."""
    old = (parse_clock(before[0]), parse_clock(before[1]))
    new = (parse_clock(after[0]), parse_clock(after[1]))
    return all(in_window(m, old) for m in range(0, 86_400, 60) if in_window(m, new))


def _none_last(key: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    """None means "no limit": anything is stricter than no limit, nothing relaxes to it."""
    return lambda b, a: b is None or (a is not None and key(b, a))


_DIRECTIONS: dict[str, Callable[[Any, Any], bool]] = {
    "lower": _none_last(lambda b, a: a <= b),
    "higher": _none_last(lambda b, a: a >= b),
    "subset": lambda b, a: set(a) <= set(b),
    "superset": lambda b, a: set(a) >= set(b),
    "within": _within,
    "true": lambda b, a: bool(a) or not b,
    "false": lambda b, a: not a or bool(b),
}
