"""Content: what a message, script or letter must not say, and what it must say.

Sources (each pack rule cites its own): CBA26-PROHIBIT (no intimidation, abuse, threats; no
impersonating administrative or judicial bodies; no extra fees in the name of collection; no
inducing new borrowing; no posting notices or lawyer's letters in public), CN-PRIV-1024 and
CN-CRIM-246 (public shaming), NIFA18-18 / CBA26-3P / US-3P (never tell a third party of the
debt), CN-RATE-29 (charges above the cap), CC-69 (what a collection letter must contain),
US-OPTOUT (every e-mail and text carries a reasonable, simple opt-out), US-MINIMIRANDA
(1006.18(e): say it is from a debt collector), US-LCM (1006.2(j): a voicemail is a
limited-content message: business name, reply request, a person's name, a phone number — and
nothing about the debt), US-ATTEMPT (an LCM is an attempt, not a communication).

Kinds (`kind`): `forbid` (any pattern found objects), `require` (every item of `all_of` — a
label with its alternative patterns — must be found), `public_place` (the attempt is made in
public), `not_lcm` / `is_lcm` (the message is not / is a limited-content message), `rate_cap`
(a stated rate above `max_percent`). Patterns are regular expressions, case-insensitive, in
both languages. With no content in the request there is nothing to read and only
`public_place` can fire. Content cannot be waited out: `next_at` is None. A rule remembers its
answer for each text it read (bounded): a test of text is a pure function of the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Annotated, Any, ClassVar, Literal

import msgspec

from fairdebt.compliance.context import Context
from fairdebt.compliance.rules.base import Hit, Params, RuleSpec, stricter
from fairdebt.compliance.rules.family import Family
from fairdebt.compliance.rules.patterns import LazyPattern, check_patterns, union

MEMO_SIZE = 4096  # texts remembered per rule
MEMO_TEXT_LENGTH = 2000  # longer texts (letters) are read each time
_UNREAD: Any = object()
ContentKind = Literal["forbid", "require", "public_place", "not_lcm", "is_lcm", "rate_cap"]
_RATE = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*(?:%|％)")


class ContentParams(Params, kw_only=True, frozen=True):
    kind: ContentKind
    patterns: Annotated[tuple[str, ...], stricter("superset")] = ()
    all_of: Annotated[dict[str, tuple[str, ...]], stricter("superset")] = msgspec.field(
        default_factory=dict
    )
    max_percent: Annotated[Decimal | None, stricter("lower")] = None

    def __post_init__(self) -> None:
        if self.max_percent is not None and self.max_percent < 0:
            raise ValueError("max_percent must be at least 0")


def check(params: ContentParams) -> None:
    """Every pattern compiles (asked for pack files; see rules/patterns.py)."""
    check_patterns(params.patterns)
    for label, alternatives in params.all_of.items():
        check_patterns(alternatives, f"all_of.{label}")


@dataclass(frozen=True, slots=True)
class ContentRule:
    timeless: ClassVar[bool] = True  # text does not change with the hour (see engine)

    spec: RuleSpec
    test: Callable[[ContentRule, str], Mapping[str, str] | None]
    forbidden: LazyPattern | None
    required: tuple[tuple[LazyPattern, str], ...]
    max_percent: Decimal | None
    on_public_place: bool
    # What the test answered for each text seen: messages are sent from templates, so the same
    # text recurs for thousands of borrowers, and a dozen patterns cost ~15 µs on English text.
    memo: dict[str, Mapping[str, str] | None] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def needs(self) -> str:
        """Without content (or a public place) it cannot object (see Pack)."""
        return "public_place" if self.on_public_place else "content"

    def check(self, ctx: Context, at: datetime) -> Hit | None:
        if self.on_public_place:
            return Hit({"match": "public_place"}, None) if ctx.attempt.public_place else None
        content = ctx.attempt.content
        if not content:
            return None
        details = self.memo.get(content, _UNREAD)
        if details is _UNREAD:
            details = self.test(self, content)
            if len(content) <= MEMO_TEXT_LENGTH:
                if len(self.memo) >= MEMO_SIZE:
                    self.memo.clear()  # a bound, crude but enough: templates recur
                self.memo[content] = details
        return None if details is None else Hit(details, None)

    def read(self, content: str) -> Mapping[str, str] | None:
        """Check text directly (templates lint): the same test as a request would get."""
        return self.test(self, content)


def _snippet(match: re.Match[str]) -> str:
    return match.group(0)[:60]


def _forbid(rule: ContentRule, content: str) -> Mapping[str, str] | None:
    found = rule.forbidden.search(content) if rule.forbidden else None
    return None if found is None else {"match": _snippet(found)}


def _missing(rule: ContentRule, content: str) -> list[str]:
    return [label for pattern, label in rule.required if not pattern.search(content)]


def _require(rule: ContentRule, content: str) -> Mapping[str, str] | None:
    missing = _missing(rule, content)
    return {"missing": ", ".join(missing)} if missing else None


def _is_lcm(rule: ContentRule, content: str) -> bool:
    if _missing(rule, content):
        return False
    return rule.forbidden is None or rule.forbidden.search(content) is None


def _not_lcm(rule: ContentRule, content: str) -> Mapping[str, str] | None:
    if _is_lcm(rule, content):
        return None
    found = rule.forbidden.search(content) if rule.forbidden else None
    missing = _missing(rule, content)
    return {"match": _snippet(found) if found else "", "missing": ", ".join(missing)}


def _lcm_info(rule: ContentRule, content: str) -> Mapping[str, str] | None:
    return {} if _is_lcm(rule, content) else None


def _rate_cap(rule: ContentRule, content: str) -> Mapping[str, str] | None:
    if rule.max_percent is None or (rule.forbidden and not rule.forbidden.search(content)):
        return None  # `patterns` name the charges a rate must be about
    for match in _RATE.finditer(content):
        if Decimal(match.group(1)) > rule.max_percent:
            return {"match": _snippet(match), "max": str(rule.max_percent)}
    return None


TESTS: Mapping[str, Callable[[ContentRule, str], Mapping[str, str] | None]] = MappingProxyType(
    {
        "forbid": _forbid,
        "require": _require,
        "public_place": _forbid,
        "not_lcm": _not_lcm,
        "is_lcm": _lcm_info,
        "rate_cap": _rate_cap,
    }
)


def build(spec: RuleSpec, params: ContentParams) -> ContentRule:
    required = tuple(
        (LazyPattern("|".join(f"(?:{p})" for p in alternatives)), label)
        for label, alternatives in params.all_of.items()
    )
    return ContentRule(
        spec,
        TESTS[params.kind],
        union(params.patterns),
        required,
        params.max_percent,
        params.kind == "public_place",
    )


FAMILY = Family(
    name="content",
    params=ContentParams,
    fields=frozenset({"match", "missing", "max"}),
    build=build,
    check=check,
    doc="forbidden and required content, public posting, limited-content voicemails, rates",
)
