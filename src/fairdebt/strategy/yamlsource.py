"""YAML text with its line numbers: parse once, then point any field path at its line.

PyYAML's `compose` keeps a start mark on every node; a Pydantic error location such as
`("segments", 2, "when", "dpd")` is walked down that node tree to the line a person must edit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import yaml

from fairdebt.errors import InputFileError
from fairdebt.yamltext import check_depth

Loc = Sequence[str | int]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong (or suspicious) in a strategy file, where it is and why."""

    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class YamlSource:
    """A parsed YAML document and the node tree that knows where each value was written."""

    name: str
    text: str
    data: Any
    root: yaml.Node | None

    def line_of(self, loc: Loc) -> int:
        """1-based line of the deepest node that `loc` reaches (the parent if a key is missing)."""
        node = self.root
        line = node.start_mark.line + 1 if node is not None else 1
        for part in loc:
            node = _child(node, part)
            if node is None:
                break
            line = node.start_mark.line + 1
        return line

    def problem(self, loc: Loc, message: str) -> Problem:
        return Problem(self.name, self.line_of(loc), dotted(loc), message)


def dotted(loc: Loc) -> str:
    """`("segments", 2, "when")` -> `segments[2].when`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _child(node: yaml.Node | None, part: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                return cast(yaml.Node, value)
        return None
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int):
        return node.value[part] if 0 <= part < len(node.value) else None
    return None


def parse(text: str, name: str) -> YamlSource:
    """Parse YAML text; a syntax error becomes an InputFileError naming file and line."""
    try:
        check_depth(text)  # composing recurses: a deep file would overflow the stack
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise InputFileError(
            f"{name}:{line}: not valid YAML: {exc.problem or exc.context}",
            hint="check indentation and that every 'key: value' has a space after the colon",
        ) from None
    except yaml.YAMLError as exc:
        raise InputFileError(f"{name}: not valid YAML: {exc}", hint="check the file") from None
    return YamlSource(name, text, data, root)


def read(path: Path) -> YamlSource:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputFileError(
            f"strategy file not found: {path}", hint="check the path; see docs/strategy.md"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"cannot read {path}: {exc}", hint="is it UTF-8 text?") from None
    return parse(text, str(path))
