"""JSON from outside, with its nesting bounded: one depth limit for every reader of user JSON.

Python's json module decodes recursively: a body nested a thousand levels deep raises
RecursionError — a crash, not an answer — and even below that it costs stack and time for no
document fairdebt reads (a gate request is six levels deep). So the depth is measured first,
at C speed (strings removed by one regular expression, the brackets left summed by
itertools.accumulate), and a deeper text is refused with its depth before it is decoded.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

MAX_DEPTH = 64
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


class JsonTooDeepError(ValueError):
    """The text nests arrays and objects deeper than the limit."""

    def __init__(self, depth: int, limit: int) -> None:
        super().__init__(f"nested {depth} levels deep; at most {limit} are read")
        self.depth = depth
        self.limit = limit


def nesting_depth(text: bytes | str) -> int:
    """How deep the arrays and objects of a JSON text nest (0 for a scalar). For a text that
    is not JSON it is a bound only, which is all a limit needs: the decoder refuses the rest."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    brackets = _STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def check_depth(text: bytes | str, limit: int = MAX_DEPTH) -> None:
    """JsonTooDeepError when `text` nests deeper than `limit`."""
    depth = nesting_depth(text)
    if depth > limit:
        raise JsonTooDeepError(depth, limit)


def loads(text: bytes | str, limit: int = MAX_DEPTH) -> Any:
    """json.loads, after the depth check: ValueError (JSONDecodeError or JsonTooDeepError)
    for any text it does not read, never RecursionError."""
    check_depth(text, limit)
    return json.loads(text)
