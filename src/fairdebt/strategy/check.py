"""`strategy check`: every error of a strategy file, and the segments that cannot work as written.

Errors come from validation (config.py). Warnings come from reading each segment's conditions
as a box — a set of DPD values (its buckets ∩ its dpd range), a set of scores (bands ∩ range),
numeric ranges and category sets — and comparing boxes in order:

- *unreachable*: its box is empty, or inside the box of one segment above it, so it never
  takes an account;
- *overlap*: it shares accounts with a segment above it on a dimension both talk about (e.g.
  both constrain DPD) and neither contains the other — order, not intent, decides those
  accounts. A segment inside a broader one below it is a deliberate exception, not a warning;
- *no catch-all*: no segment is unconditional, so some accounts may get no treatment;
- *unused treatment*;
- *model bands beyond 1000*: a model's score is a per-mille probability;
- *template not in the catalogue*: an sms, e-mail, call or letter action names a template no
  pack has for that channel (src/fairdebt/messages/templates, without the pack prefix), so the
  task would be written with the pack's default template for the channel instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fairdebt.strategy.config import Conditions, Strategy, validate_source
from fairdebt.strategy.yamlsource import Problem, YamlSource, parse

Interval = tuple[float, float]
INF = float("inf")
RANGES = ("days_since_last_contact", "failed_contacts", "broken_promises")
CATEGORIES = ("product", "lender_type", "region", "limitation", "roll")


@dataclass(frozen=True, slots=True)
class CheckReport:
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def check_text(text: str, name: str) -> CheckReport:
    from fairdebt.errors import InputFileError

    try:
        source = parse(text, name)
    except InputFileError as exc:
        line = exc.cause.split(":")[1] if exc.cause.count(":") >= 2 else "1"
        return CheckReport(errors=[Problem(name, int(line), "", exc.cause.split(": ", 1)[-1])])
    return check_source(source)


def check_source(source: YamlSource) -> CheckReport:
    strategy, errors = validate_source(source, Path(source.name).parent)
    if strategy is None:
        return CheckReport(errors=errors)
    return CheckReport(warnings=[source.problem(loc, msg) for loc, msg in warnings(strategy)])


def warnings(strategy: Strategy) -> list[tuple[tuple[str | int, ...], str]]:
    boxes = [box(s.when, strategy) for s in strategy.segments]
    found: list[tuple[tuple[str | int, ...], str]] = []
    for j, segment in enumerate(strategy.segments):
        loc = ("segments", j)
        if boxes[j] is None:
            found.append(
                (
                    loc,
                    f"segment {segment.name!r} can never match: its conditions "
                    "contradict each other",
                )
            )
            continue
        found += _against_above(strategy, boxes, j)
    if not _catches_all(boxes):
        found.append(
            (
                ("segments",),
                "no segment is unconditional: an account no segment takes "
                "is 'unsegmented' and gets no treatment",
            )
        )
    used = {s.treatment for s in strategy.segments}
    used |= {t for arm in strategy.experiment.arms for t in arm.treatments.values()}
    for name in strategy.treatments:
        if name not in used:
            found.append((("treatments", name), f"treatment {name!r} is never used"))
    return [*found, *_model_bands(strategy), *_unknown_templates(strategy)]


CATALOGUE_CHANNELS = ("sms", "email", "call", "letter")  # the channels messages are written for


def _unknown_templates(strategy: Strategy) -> list[tuple[tuple[str | int, ...], str]]:
    from fairdebt.messages.catalog import templates

    known = {(t.channel, t.id.split(".", 1)[-1]) for t in templates()}
    found: list[tuple[tuple[str | int, ...], str]] = []
    for name, treatment in strategy.treatments.items():
        for i, action in enumerate(treatment.actions):
            if action.channel not in CATALOGUE_CHANNELS or action.template is None:
                continue
            if (action.channel, action.template) not in known:
                found.append(
                    (
                        ("treatments", name, "actions", i, "template"),
                        f"no {action.channel} template {action.template!r} in the message "
                        "catalogue: the pack's default one for the channel would be used",
                    )
                )
    return found


def _model_bands(strategy: Strategy) -> list[tuple[tuple[str | int, ...], str]]:
    """A model scores 0–1000 (per mille): a band reaching 1000 leaves the bands after it empty."""
    card = strategy.scorecard
    if card.model is None:
        return []
    return [
        (
            ("scorecard", "bands", i, "max"),
            f"band {b.name!r} reaches {b.max}, but a model's score is at most 1000 "
            "(per mille): the bands after it stay empty",
        )
        for i, b in enumerate(card.bands)
        if b.max is not None and b.max >= 1000
    ]


def _catches_all(boxes: list[Box | None]) -> bool:
    """An unconditional segment, or segments on DPD alone that cover every DPD."""
    by_dpd = [b.ranges["dpd"] for b in boxes if b is not None and b.dims == {"dpd"}]
    if any(not b.dims for b in boxes if b is not None):
        return True
    return bool(by_dpd) and _inside([(0, INF)], [i for spans in by_dpd for i in spans])


def _against_above(strategy: Strategy, boxes: list[Box | None], j: int) -> list[Any]:
    name = strategy.segments[j].name
    overlaps = []
    for i in range(j):
        above, mine = boxes[i], boxes[j]
        if above is None or mine is None:
            continue
        if above.contains(mine):
            return [
                (
                    ("segments", j),
                    f"segment {name!r} is unreachable: every account it would "
                    f"take is taken first by {strategy.segments[i].name!r} above it",
                )
            ]
        if above.meets(mine) and not mine.contains(above) and above.dims & mine.dims:
            overlaps.append(strategy.segments[i].name)
    if overlaps:
        return [
            (
                ("segments", j),
                f"segment {name!r} overlaps {', '.join(map(repr, overlaps))} "
                "above it: accounts in both go to the segment written first",
            )
        ]
    return []


@dataclass(frozen=True, slots=True)
class Box:
    """A segment's conditions as sets per dimension; a missing dimension is 'anything'."""

    ranges: dict[str, list[Interval]]
    categories: dict[str, frozenset[str]]
    holds: str | frozenset[str] | None
    dims: frozenset[str]

    def contains(self, other: Box) -> bool:
        for dim, mine in self.ranges.items():
            if not _inside(other.ranges.get(dim, [(-INF, INF)]), mine):
                return False
        for dim, values in self.categories.items():
            if dim not in other.categories or not other.categories[dim] <= values:
                return False
        return _holds_contains(self.holds, other.holds)

    def meets(self, other: Box) -> bool:
        for dim in self.ranges.keys() & other.ranges.keys():
            if not _intersect(self.ranges[dim], other.ranges[dim]):
                return False
        for dim in self.categories.keys() & other.categories.keys():
            if not self.categories[dim] & other.categories[dim]:
                return False
        return _holds_meet(self.holds, other.holds)


def box(when: Conditions, strategy: Strategy) -> Box | None:
    """The segment's box, or None when no account can satisfy it."""
    ranges: dict[str, list[Interval]] = {}
    if when.bucket is not None or when.dpd is not None:
        ranges["dpd"] = _ladder(strategy.buckets, "max_dpd", when.bucket, when.dpd, 0)
    if when.score_band is not None or when.score is not None:
        ranges["score"] = _ladder(
            strategy.scorecard.bands, "max", when.score_band, when.score, -INF
        )
    for name in RANGES:
        r = getattr(when, name)
        if r is not None:
            ranges[name] = [_interval(r.min, r.max)]
    for name in ("overdue", "outstanding"):
        r = getattr(when, name)
        if r is not None:
            ranges[name] = [_interval(r.min, r.max)]
    categories = {n: frozenset(getattr(when, n)) for n in CATEGORIES if getattr(when, n)}
    holds = frozenset(when.holds) if isinstance(when.holds, list) else when.holds
    if any(not v for v in ranges.values()):
        return None
    dims = frozenset(ranges) | frozenset(categories) | ({"holds"} if holds is not None else set())
    return Box(ranges, categories, holds, frozenset(dims))


def _interval(low: Any, high: Any) -> Interval:
    return (-INF if low is None else float(low), INF if high is None else float(high))


def _ladder(
    steps: list[Any], top: str, names: list[str] | None, r: Any, floor: float
) -> list[Interval]:
    """Named steps (buckets, bands) picked by name, intersected with a min/max range."""
    spans, low = {}, floor
    for step in steps:
        high = getattr(step, top)
        spans[step.name] = (low, INF if high is None else float(high))
        low = INF if high is None else float(high) + 1
    picked = [spans[n] for n in (names or list(spans)) if n in spans]
    limit = _interval(r.min, r.max) if r is not None else (-INF, INF)
    return [s for s in (_cap(p, limit) for p in picked) if s[0] <= s[1]]


def _cap(a: Interval, b: Interval) -> Interval:
    return (max(a[0], b[0]), min(a[1], b[1]))


def _intersect(xs: list[Interval], ys: list[Interval]) -> bool:
    return any(_cap(x, y)[0] <= _cap(x, y)[1] for x in xs for y in ys)


def _inside(inner: list[Interval], outer: list[Interval]) -> bool:
    """Every integer of `inner` lies in `outer` (intervals of one list never overlap)."""
    merged = sorted(outer)
    for lo, hi in inner:
        point = lo
        for a, b in merged:
            if a <= point <= b:
                point = b + 1  # inf + 1 is inf: covered to the end
        if point <= hi and point != INF:
            return False
    return True


def _holds_contains(mine: Any, other: Any) -> bool:
    if mine is None:
        return True
    if mine == "any":
        return other is not None and other != "none"
    if mine == "none":
        return bool(other == "none")
    return isinstance(other, frozenset) and other <= mine


def _holds_meet(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return True
    return not ("none" in (a, b) and a != b)
