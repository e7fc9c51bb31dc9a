"""Is a forked rule at least as strict as its base? Each difference that relaxes is named.

A lender may tighten a pack without code (fewer calls, a narrower window, more agents on a
visit) but never loosen it: the base pack is the law's floor. Each family parameter declares
the direction in which it tightens (`rules.base.stricter`); a parameter with no direction may
not change at all. Severity may only rise (info < review < deny); the channels, parties and
purposes a rule applies to may only grow (empty means all, so it cannot be narrowed).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from fairdebt.compliance.localtime import in_window, parse_clock
from fairdebt.compliance.rules.base import Params
from fairdebt.compliance.types import Severity

if TYPE_CHECKING:
    from fairdebt.compliance.pack import RuleModel

_RANK = {Severity.INFO: 0, Severity.REVIEW: 1, Severity.DENY: 2}


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
        a, b = params.model_validate(old.params), params.model_validate(new.params)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        return [*problems, f"{old.id}: bad params: {where}: {error['msg']}"]
    for name, info in params.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        direction = str(extra.get("stricter", "equal"))
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
