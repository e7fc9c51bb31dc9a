"""YAML from users, with its nesting bounded: one safe loader for every file a user hands in
(strategies, templates, rule packs and forks, plan policies, message catalogs).

PyYAML composes a document recursively: a file nesting five thousand levels deep raises
RecursionError — a crash, not an answer. The parser itself is a state machine, not recursive,
so the depth is measured first on its events (libyaml's when PyYAML has it), and a deeper
document is refused with the line where it goes too deep, as a MarkedYAMLError: every reader
already turns those into one line of cause and hint.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_DEPTH = 64
_PARSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_OPEN = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSE = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


class YamlTooDeepError(yaml.MarkedYAMLError):
    """The document nests sequences and mappings deeper than the limit."""

    def __init__(self, limit: int, mark: Any) -> None:
        super().__init__(problem=f"nested more than {limit} levels deep", problem_mark=mark)
        self.limit = limit


def check_depth(text: str, limit: int = MAX_DEPTH) -> None:
    """YamlTooDeepError when a document of `text` nests deeper than `limit`; the parser's own
    YAMLError when it is not YAML (the caller reports either)."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_PARSER):
            if isinstance(event, _OPEN):
                depth += 1
                if depth > limit:
                    raise YamlTooDeepError(limit, event.start_mark)
            elif isinstance(event, _CLOSE):
                depth -= 1
    except yaml.MarkedYAMLError as exc:  # libyaml's own limit (1,000 flow levels): same words
        if "maximum nesting depth" not in str(exc.problem):
            raise
        raise YamlTooDeepError(limit, exc.problem_mark) from None


def safe_load(text: str, *, limit: int = MAX_DEPTH, fast: bool = False) -> Any:
    """yaml.safe_load after the depth check (`fast`: libyaml's loader when PyYAML has it)."""
    check_depth(text, limit)
    return yaml.load(text, Loader=_PARSER if fast else yaml.SafeLoader)
