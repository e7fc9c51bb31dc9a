"""Cross-field checks of a strategy that a field-by-field schema cannot express.

Every name a segment or arm uses must be defined; buckets and score bands must be ordered
with an open top; arm percentages must add up to 100. Each finding is (field path, message).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fairdebt.strategy.config import Strategy

Finding = tuple[tuple[str | int, ...], str]


def cross_check(strategy: Strategy) -> list[Finding]:
    return [
        *_ladder("buckets", [(b.name, b.max_dpd) for b in strategy.buckets], "max_dpd"),
        *_ladder("scorecard.bands", [(b.name, b.max) for b in strategy.scorecard.bands], "max"),
        *_segments(strategy),
        *_arms(strategy),
    ]


def _ladder(where: str, steps: Sequence[tuple[str, int | None]], field: str) -> Iterator[Finding]:
    """Named steps with increasing inclusive tops; only the last is open-ended."""
    loc: tuple[str | int, ...] = tuple(where.split("."))
    yield from _duplicates(loc, [name for name, _ in steps])
    tops = [top for _, top in steps]
    for i, top in enumerate(tops[:-1]):
        if top is None:
            yield (*loc, i), f"only the last entry may omit {field}"
        elif i and tops[i - 1] is not None and top <= tops[i - 1]:  # type: ignore[operator]
            yield (*loc, i, field), f"{field} {top} must be above the previous {tops[i - 1]}"
    if tops and tops[-1] is not None:
        yield (*loc, len(tops) - 1, field), f"the last entry must omit {field} (open-ended)"


def _duplicates(loc: tuple[str | int, ...], names: list[str]) -> Iterator[Finding]:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            yield (*loc, i, "name"), f"name {name!r} is used twice"
        seen.add(name)


def _segments(strategy: Strategy) -> Iterator[Finding]:
    yield from _duplicates(("segments",), [s.name for s in strategy.segments])
    buckets = {b.name for b in strategy.buckets}
    bands = {b.name for b in strategy.scorecard.bands}
    for i, segment in enumerate(strategy.segments):
        loc = ("segments", i)
        if segment.treatment not in strategy.treatments:
            yield (*loc, "treatment"), _unknown("treatment", segment.treatment, strategy.treatments)
        for j, name in enumerate(segment.when.bucket or []):
            if name not in buckets:
                yield (*loc, "when", "bucket", j), _unknown("bucket", name, buckets)
        for j, name in enumerate(segment.when.score_band or []):
            if name not in bands:
                yield (*loc, "when", "score_band", j), _unknown("score band", name, bands)


def _arms(strategy: Strategy) -> Iterator[Finding]:
    arms = strategy.experiment.arms
    yield from _duplicates(("experiment", "arms"), [a.name for a in arms])
    total = sum(a.percent for a in arms)
    if total != 100:
        yield ("experiment", "arms"), f"arm percentages add up to {total}, not 100"
    segments = {s.name for s in strategy.segments}
    for i, arm in enumerate(arms):
        for segment, treatment in arm.treatments.items():
            loc = ("experiment", "arms", i, "treatments", segment)
            if segment not in segments:
                yield loc, _unknown("segment", segment, segments)
            if treatment not in strategy.treatments:
                yield loc, _unknown("treatment", treatment, strategy.treatments)


def _unknown(what: str, name: str, known: object) -> str:
    names = ", ".join(sorted(known))  # type: ignore[call-overload]
    return f"unknown {what} {name!r}; defined: {names}"
