"""Regular expressions of the content rules, compiled when first used rather than when built.

A pack holds about a hundred patterns (both languages, every content rule); compiling them all
cost a `fairdebt gate` more CPU than its decision, and a request without content (or on a
channel those rules do not cover) uses none of them. `check_patterns` proves a pack file's
patterns compile when the file is read (pack.compile_rule); the built-in packs' are proven by
the tests instead (tests/unit/compliance/test_gate_packs.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator


class LazyPattern:
    """`re.compile(source, IGNORECASE)` on the first search: the same answers, later cost."""

    __slots__ = ("_compiled", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        self._compiled: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.source, re.IGNORECASE)
        return self._compiled

    def search(self, text: str) -> re.Match[str] | None:
        return self.compiled.search(text)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.compiled.finditer(text)

    def __repr__(self) -> str:
        return f"LazyPattern({self.source!r})"


def union(patterns: Iterable[str]) -> LazyPattern | None:
    """One pattern matching any of `patterns` (None for none)."""
    joined = "|".join(f"(?:{p})" for p in patterns)
    return LazyPattern(joined) if joined else None


def check_patterns(patterns: Iterable[str], name: str = "patterns") -> None:
    """ValueError naming the first of `patterns` that is not a regular expression."""
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            problem = f"{name}: {pattern!r} is not a regular expression: {exc}"
            raise ValueError(problem) from None
