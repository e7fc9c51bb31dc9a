"""Reading a request from JSON text or a JSON object: one pass when it is valid, the same
typed request and the same digest either way, and every error's pointer when it is not.

The digest is the SHA-256 of the request's canonical JSON (json.dumps with sorted keys, no
spaces, UTF-8): the fast path's encoding of the decoded Structs must be those very bytes.
"""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

import pytest
from gate_requests import event, gate, request
from gate_schema import schema_errors, schema_pointers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fairdebt.bench.gate_load import requests
from fairdebt.compliance.engine import decide_body, read_request
from fairdebt.compliance.errors import GateRequestError
from fairdebt.compliance.explain import request_errors
from fairdebt.compliance.pack import builtin_packs
from fairdebt.compliance.request import (
    NotJsonError,
    canonical,
    digest,
    read_body,
    read_object,
    read_slowly,
)

MIX = [json.loads(json.dumps(r)) for r in requests(120, 7, 50)]
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _reference(raw: Any) -> Any:
    """The slow reading: the typed request, or the refusal's errors."""
    try:
        return read_slowly(raw)
    except GateRequestError as exc:
        return ("refused", exc.errors)


def test_the_bench_mix_reads_alike_from_text_and_object_with_the_canonical_digest() -> None:
    for raw in MIX:
        typed = read_body(json.dumps(raw, ensure_ascii=False).encode())
        assert typed == read_object(raw) == read_slowly(raw)  # every field, the digest too
        assert typed.digest == hashlib.sha256(canonical(raw).encode("utf-8")).hexdigest()


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
def test_text_and_object_read_as_the_slow_reading_does(raw: dict[str, Any]) -> None:
    expected = _reference(raw)
    for read in (lambda: read_object(raw), lambda: read_body(json.dumps(raw).encode())):
        try:
            got = read()
        except GateRequestError as exc:
            got = ("refused", exc.errors)
        assert got == expected
    if isinstance(expected, tuple):
        assert {p for p, _ in expected[1]} == schema_pointers(raw)
    else:
        assert schema_errors(raw) == ()


def test_an_integer_written_as_a_float_is_an_integer_with_its_own_digest() -> None:
    raw = request("2026-03-02T10:00:00+08:00", borrower_debts=[{"id": "D1", "dpd": 40.0}])
    typed = read_request(raw)
    assert typed.borrower.debts[0].dpd == 40
    assert typed.digest == digest(raw)  # of `40.0`, as received
    assert read_body(json.dumps(raw)) == typed


def test_a_huge_integer_is_read_with_the_canonical_digest() -> None:
    raw = request("2026-03-02T10:00:00+08:00", borrower_debts=[{"id": "D1", "dpd": 10**30}])
    body = json.dumps(raw)
    assert read_body(body) == read_slowly(json.loads(body))
    assert read_body(body).digest == digest(raw)


def test_a_nul_character_is_text_like_any_other() -> None:
    raw = request("2026-03-02T10:00:00+08:00", content="a\u0000b", collector="x\u0000")
    typed = read_body(json.dumps(raw))
    assert typed.attempt.content == "a\x00b"
    assert typed.digest == digest(raw)


def test_the_supported_years_are_read_to_their_ends_and_no_further() -> None:
    late = request("2026-03-02T10:00:00+08:00", history=[event("9000-12-31T23:59:59+08:00")])
    assert read_body(json.dumps(late)).history[0].at.year == 9000
    past = request("2026-03-02T10:00:00+08:00", history=[event("9999-12-31T23:59:59-05:00")])
    with pytest.raises(GateRequestError) as caught:
        read_body(json.dumps(past))
    assert [p for p, _ in caught.value.errors] == ["/history/0/at"]


def test_a_now_at_the_end_of_the_calendar_is_refused_at_now_not_a_crash() -> None:
    raw = request("9999-12-31T23:59:59+08:00")
    with pytest.raises(GateRequestError) as caught:
        decide_body(json.dumps(raw), packs=builtin_packs())
    assert [p for p, _ in caught.value.errors] == ["/now"]


def test_a_value_nested_5000_deep_is_refused_with_its_depth_without_a_crash() -> None:
    deep = "[" * 5000 + "]" * 5000
    body = json.dumps(MIX[0])[:-1] + ', "extra": ' + deep + "}"
    for text in (body, deep, "[" * 5000):
        with pytest.raises(GateRequestError) as caught:
            read_body(text)
        assert caught.value.errors[0][1].startswith("nested 500")


def test_a_duplicate_key_counts_once_the_last_value_as_json_loads_reads_it() -> None:
    body = json.dumps(MIX[0])[:-1] + ', "pack": "us-regf"}'
    typed = read_body(body)
    assert typed.pack == "us-regf"
    assert typed.digest == digest(json.loads(body))


def test_a_body_that_is_not_json_says_so_in_the_words_of_json_loads() -> None:
    with pytest.raises(NotJsonError) as caught:
        read_body(b"{")
    with pytest.raises(ValueError) as reference:
        json.loads(b"{")
    assert str(caught.value) == str(reference.value)


def test_a_refused_body_has_every_pointer() -> None:
    raw = copy.deepcopy(MIX[0])
    raw["history"][3]["outcome"] = "maybe"
    raw["history"][7]["at"] = "yesterday"
    with pytest.raises(GateRequestError) as caught:
        read_body(json.dumps(raw).encode())
    assert caught.value.errors == request_errors(raw)
    assert {p for p, _ in caught.value.errors} == {"/history/3/outcome", "/history/7/at"}


def test_decisions_from_text_are_the_decisions_from_objects_byte_for_byte() -> None:
    packs = builtin_packs()
    for raw in MIX:
        by_text = decide_body(json.dumps(raw, ensure_ascii=False).encode(), packs=packs)
        by_object = gate(raw)
        assert by_text == by_object
        assert by_text.to_json_bytes() == by_object.to_json().encode("utf-8")


# --- the canonical form --------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(codec="utf-8", categories=("Cc", "Zl", "Zp", "Cf", "Lo", "So"))))
def test_control_and_non_ascii_characters_give_the_canonical_digest(text: str) -> None:
    raw = request("2026-03-02T10:00:00+08:00", content=text, collector=text or "c", to=text)
    assert read_body(json.dumps(raw)).digest == digest(raw)
    assert read_object(raw).digest == digest(raw)


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
