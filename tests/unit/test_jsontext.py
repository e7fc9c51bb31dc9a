"""JSON from outside is measured before it is decoded: a deep text is refused with its depth,
never a RecursionError; brackets inside strings do not count."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fairdebt.jsontext import MAX_DEPTH, JsonTooDeepError, loads, nesting_depth


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("1", 0),
        ("[]", 1),
        ('{"a": [1, {"b": []}]}', 4),
        ('["]]]", "[[[[", "\\"["]', 1),
        ('["a\\\\", ["]"]]', 2),
    ],
)
def test_the_depth_counts_brackets_outside_strings(text: str, depth: int) -> None:
    assert nesting_depth(text) == depth
    assert nesting_depth(text.encode()) == depth


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_100, 5_000, 200_000])
def test_a_text_deeper_than_the_limit_is_refused_with_its_depth(depth: int) -> None:
    for text in ("[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth, "[" * depth):
        with pytest.raises(JsonTooDeepError, match=f"nested {depth} levels deep"):
            loads(text)


@given(st.recursive(st.none() | st.text(), lambda inner: st.lists(inner, max_size=3)))
def test_the_depth_of_a_value_is_that_of_its_json(value: object) -> None:
    def depth(v: object) -> int:
        return 1 + max(map(depth, v), default=0) if isinstance(v, list) else 0

    text = json.dumps(value)
    assert nesting_depth(text) == depth(value)
    assert loads(text) == value
