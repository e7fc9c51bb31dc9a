"""The fast reading of a gate request is the reference reading, or no reading at all.

`read_fast` may refuse to read (None: the reference path then decides, with every pointer),
but whatever it reads must be exactly what validate_request + parse_request give — the same
typed request and the same digest. Its canonical JSON (orjson) must be the standard library's
bytes on every value it is used for.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from gate_requests import event, gate, request
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fairdebt.bench.gate_load import requests
from fairdebt.compliance.engine import decide_body, read_request
from fairdebt.compliance.errors import GateRequestError
from fairdebt.compliance.fast_read import (
    NotJsonError,
    canonical_json,
    history_schema_known,
    read_body,
    read_fast,
)
from fairdebt.compliance.pack import builtin_packs
from fairdebt.compliance.request import canonical, parse_request
from fairdebt.compliance.schema import schema_errors

MIX = [json.loads(json.dumps(r)) for r in requests(120, 7, 50)]
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _reference(raw: Any) -> Any:
    """What the reference path makes of `raw`: the typed request, or the refusal's pointers."""
    if schema_errors(raw):
        return ("refused", schema_errors(raw))
    try:
        return parse_request(raw)
    except GateRequestError as exc:
        return ("refused", exc.errors)


def test_the_history_item_schema_is_the_one_the_fast_reader_implements() -> None:
    assert history_schema_known()


def test_the_bench_mix_is_read_fast_and_exactly_as_the_reference_reads_it() -> None:
    for raw in MIX:
        fast = read_fast(raw)
        assert fast is not None
        assert fast == parse_request(raw)  # every field, the digest included


TRICKY: list[Any] = [
    None,
    True,
    0,
    5.0,
    -1,
    "",
    "x",
    "call",
    "debtor",
    "out",
    "in",
    "conversation",
    "2026-03-02T10:00:00+08:00",
    "2026-03-02t10:00:00z",
    "2026-03-02T10:00:00.5-04:00",
    "2026-02-30T10:00:00Z",
    "2026-03-02T10:00:00",
    "2026-03-02 10:00:00Z",
    "2026-03-02T24:00:00Z",
    [],
    ["D1"],
    ["D1", 2],
    [["D1"]],
    {},
    {"a": 1},
]
FIELDS = ["at", "channel", "direction", "outcome", "debts", "party", "to", "collector"]


@st.composite
def histories(draw: st.DrawFn) -> dict[str, Any]:
    """A valid request whose history events get fields replaced, deleted or added."""
    events = [event(f"2026-03-0{d}T10:00:00+08:00") for d in range(1, 4)]
    events[1]["consent_given"] = True
    for _ in range(draw(st.integers(0, 4))):
        target = draw(st.sampled_from(events))
        name = draw(st.sampled_from([*FIELDS, "consent_given", "colour"]))
        if draw(st.booleans()) and name in target:
            del target[name]
        else:
            target[name] = draw(st.sampled_from(TRICKY))
    history: Any = draw(st.sampled_from([events, events, events, {}, "x", [1]]))
    return request("2026-03-04T10:00:00+08:00", history=history)


@SETTINGS
@given(histories())
def test_what_the_fast_reader_reads_it_reads_as_the_reference_does(raw: dict[str, Any]) -> None:
    expected = _reference(raw)
    fast = read_fast(raw)
    if fast is not None:
        assert fast == expected
    # and it reads every valid request of plain JSON values (nothing falls back for nothing)
    if not isinstance(expected, tuple):
        assert fast is not None


def test_an_integer_written_as_a_float_is_left_to_the_reference_path() -> None:
    raw = request("2026-03-02T10:00:00+08:00", borrower_debts=[{"id": "D1", "dpd": 40.0}])
    assert read_fast(raw) is None
    assert read_request(raw) == parse_request(raw)  # valid all the same, digest of 40.0


def test_a_huge_integer_in_a_body_keeps_the_reference_digest() -> None:
    # orjson reads integers beyond 64 bits as floats: such a body is parsed again by json.loads
    raw = request("2026-03-02T10:00:00+08:00", borrower_debts=[{"id": "D1", "dpd": 10**30}])
    body = json.dumps(raw)
    assert read_body(body) == parse_request(json.loads(body))


def test_a_body_that_is_not_json_says_so_in_the_words_of_json_loads() -> None:
    with pytest.raises(NotJsonError) as caught:
        read_body(b"{")
    with pytest.raises(ValueError) as reference:
        json.loads(b"{")
    assert str(caught.value) == str(reference.value)


def test_a_refused_body_has_the_reference_pointers() -> None:
    raw = copy.deepcopy(MIX[0])
    raw["history"][3]["outcome"] = "maybe"
    raw["history"][7]["at"] = "yesterday"
    with pytest.raises(GateRequestError) as caught:
        read_body(json.dumps(raw).encode())
    assert caught.value.errors == schema_errors(raw)
    assert {p for p, _ in caught.value.errors} == {"/history/3/outcome", "/history/7/at"}


def test_decisions_from_text_are_the_decisions_from_objects_byte_for_byte() -> None:
    packs = builtin_packs()
    for raw in MIX:
        by_text = decide_body(json.dumps(raw, ensure_ascii=False).encode(), packs=packs)
        by_object = gate(raw)
        assert by_text == by_object
        assert by_text.to_json_bytes() == by_object.to_json().encode("utf-8")


# --- the canonical form --------------------------------------------------------------------

TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)  # no lone surrogates
INT64 = st.integers(-(2**63), 2**63 - 1)
SCHEMA_LIKE = st.recursive(
    st.none() | st.booleans() | INT64 | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(TEXT, SCHEMA_LIKE, max_size=6))
def test_orjson_canonical_bytes_are_the_standard_librarys(value: dict[str, Any]) -> None:
    assert canonical_json(value) == canonical(value).encode("utf-8")


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(codec="utf-8", categories=("Cc", "Zl", "Zp", "Cf", "Lo", "So"))))
def test_control_and_non_ascii_characters_are_escaped_alike(text: str) -> None:
    value = {text: [text, {"k": text}]}
    assert canonical_json(value) == canonical(value).encode("utf-8")


def test_what_orjson_cannot_encode_falls_back_to_the_definition() -> None:
    assert canonical_json({"n": 10**30}) == canonical({"n": 10**30}).encode()
    with pytest.raises(UnicodeEncodeError):  # a lone surrogate: the definition's own failure
        canonical_json({"s": "\ud800"})


def test_a_lone_surrogate_is_refused_at_its_pointer_not_a_crash() -> None:
    """JSON's `\\ud800` escape reads as a string UTF-8 cannot encode: no canonical bytes, no
    digest; the request is refused (422 / exit 2), at the string's pointer."""
    raw = request("2026-03-02T10:00:00+08:00", content="hi \ud800")
    body = json.dumps(raw)  # ASCII, the surrogate escaped: what a client could send
    for read in (lambda: read_body(body.encode()), lambda: read_request(json.loads(body))):
        with pytest.raises(GateRequestError) as caught:
            read()
        assert caught.value.errors == (
            ("/attempt/content", "a lone surrogate: not a Unicode character"),
        )
