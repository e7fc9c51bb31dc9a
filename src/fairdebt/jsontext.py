"""JSON from outside, read one way everywhere: its encoding, then its depth, then its values.

Encodings: what RFC 8259 section 8.1 and json.loads accept from bytes — UTF-8, with or without
a byte order mark, and UTF-16 or UTF-32 (told apart by the BOM or by the zero bytes around the
first characters). Every reader (the gate's command and API, the legal commands, the inbound
webhooks) takes bytes and decodes them here, so a body one door accepts, the other accepts
too, and a body neither reads is refused in the same words.

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


class JsonEncodingError(ValueError):
    """The bytes are not UTF-8, UTF-16 or UTF-32 text."""

    def __init__(self, exc: UnicodeDecodeError) -> None:
        bad = exc.object[exc.start : exc.start + 1].hex()
        super().__init__(
            f"not {_NAMES.get(exc.encoding, exc.encoding)} text: "
            f"byte 0x{bad} at position {exc.start} ({exc.reason})"
        )


_NAMES = {"utf-8-sig": "UTF-8", "utf-8": "UTF-8"}


def text_of(data: bytes | str) -> str:
    """The text of a JSON document: bytes decoded as json.loads would (BOM dropped),
    JsonEncodingError when they cannot be; a str loses a leading BOM (json.loads refuses one
    in a str but not in bytes)."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    encoding = json.detect_encoding(data)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise JsonEncodingError(exc) from None


class JsonTooDeepError(ValueError):
    """The text nests arrays and objects deeper than the limit."""

    def __init__(self, depth: int, limit: int) -> None:
        super().__init__(f"nested {depth} levels deep; at most {limit} are read")
        self.depth = depth
        self.limit = limit


def nesting_depth(text: bytes | str) -> int:
    """How deep the arrays and objects of a JSON text nest (0 for a scalar). For a text that
    is not JSON it is a bound only, which is all a limit needs: the decoder refuses the rest.
    Bytes are taken as UTF-8 (any ASCII-compatible text): decode others with `text_of` first."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    brackets = _STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def check_depth(text: bytes | str, limit: int = MAX_DEPTH) -> None:
    """JsonTooDeepError when `text` nests deeper than `limit`."""
    depth = nesting_depth(text)
    if depth > limit:
        raise JsonTooDeepError(depth, limit)


def loads(data: bytes | str, limit: int = MAX_DEPTH) -> Any:
    """json.loads of `text_of(data)`, after the depth check: ValueError (JsonEncodingError,
    JsonTooDeepError or JSONDecodeError) for any text it does not read, never RecursionError."""
    text = text_of(data)
    check_depth(text, limit)
    return json.loads(text)
