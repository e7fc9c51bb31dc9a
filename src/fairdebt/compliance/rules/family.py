"""The shape of a rule family module, so the registry is typed rather than duck-typed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from fairdebt.compliance.rules.base import Params, Rule, RuleSpec


class Family(NamedTuple):
    name: str
    params: type[Params]
    fields: frozenset[str]  # placeholders its messages may use
    build: Callable[[RuleSpec, Any], Rule]
    doc: str  # one line for docs/rules.md
    # Checks too costly for every start (a ValueError says what is wrong): run on pack files,
    # and by the tests on the built-in packs (compile_rule's `check`).
    check: Callable[[Any], None] | None = None
