"""A malformed request is refused with the JSON pointer of every error, never a traceback; the
request's one definition (the Structs) says what the packaged JSON Schema says."""

from __future__ import annotations

import copy
import hashlib
from dataclasses import replace
from typing import Any

import msgspec.inspect as mi
import pytest
from gate_requests import event, request, visit
from gate_schema import schema_errors, schema_pointers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fairdebt.compliance.errors import GateRequestError
from fairdebt.compliance.explain import request_errors
from fairdebt.compliance.request import (
    WireRequest,
    canonical,
    load_schema,
    read_object,
    read_slowly,
    request_to_dict,
)

FULL = request(
    "2026-03-02T10:00:00.250+08:00",
    channel="visit",
    content="您好",
    locale="zh-CN",
    visit=visit(agents=[{"id": "a1", "certified": True, "id_shown": False}, {"id": "a2"}]),
    consents=[
        {
            "given_at": "2026-03-01T10:00:00Z",
            "channel": "call",
            "window": ["22:00", "24:00"],
            "on_date": "2026-03-02",
            "given_directly_to": "bank",
        }
    ],
    inconvenient=[
        {"window": ["09:00", "17:00"], "weekdays": [1, 5], "said_at": "2026-03-01T10:00:00+08:00"}
    ],
    holds=["hardship"],
    opt_outs=[{"channel": "sms", "address": "+8613800000000", "at": "2026-03-01T10:00:00+08:00"}],
    refused_third_parties=["+8613900000000"],
    borrower_debts=[
        {
            "id": "D1",
            "dpd": 40,
            "balance": "100.50",
            "currency": "CNY",
            "time_barred": False,
            "validation_notice_sent_at": None,
            "written_dispute_at": "2026-03-01T10:00:00+08:00",
            "verification_mailed_at": None,
        }
    ],
    public_place=False,
    history=[
        event("2026-03-01T10:00:00+08:00", consent_given=True),
        event("2026-03-01T11:00:00+08:00"),
    ],
)


def _pointers(req: dict[str, Any]) -> set[str]:
    with pytest.raises(GateRequestError) as caught:
        read_object(req)
    return {pointer for pointer, _ in caught.value.errors}


def test_the_full_example_is_valid_and_round_trips_through_the_typed_request() -> None:
    assert request_errors(FULL) == schema_errors(FULL) == ()
    typed = read_object(FULL)

    again = read_object(request_to_dict(typed))

    assert replace(again, digest="") == replace(typed, digest="")
    assert typed.digest == hashlib.sha256(canonical(FULL).encode()).hexdigest()


def test_every_error_is_reported_with_its_pointer() -> None:
    bad = copy.deepcopy(FULL)
    del bad["attempt"]["collector"]
    bad["attempt"]["colour"] = "red"
    bad["attempt"]["channel"] = "pigeon"
    bad["now"] = "2026-03-02 10:00"
    bad["history"][1]["outcome"] = "maybe"

    assert _pointers(bad) == {
        "/attempt/collector",
        "/attempt/colour",
        "/attempt/channel",
        "/now",
        "/history/1/outcome",
    }


def test_a_date_time_needs_an_offset_and_seconds() -> None:
    for text in (
        "2026-03-02T10:00:00",
        "2026-03-02T10:00+08:00",
        "2026-02-30T10:00:00Z",
        "2026-03-02 10:00:00Z",  # RFC 3339 joins date and time with T
        "2026-03-02T10:00:00+0800",  # and writes an offset's colon
        "2026-03-02T10:00:00+08:60",  # whose minutes are 00-59
        "2026-03-02T24:00:00Z",
        "0001-01-01T00:00:00+08:00",  # no instant in UTC: before the year 1
    ):
        bad = copy.deepcopy(FULL)
        bad["now"] = text
        assert _pointers(bad) == {"/now"}, text


def test_an_unknown_time_zone_and_an_impossible_time_of_day_are_pointed_at() -> None:
    bad = copy.deepcopy(FULL)
    bad["borrower"]["timezones"] = ["Asia/Shanghai", "Mars/Olympus"]
    bad["borrower"]["consents"][0]["window"] = ["25:00", "26:00"]

    with pytest.raises(GateRequestError) as caught:
        read_object(bad)

    assert {p for p, _ in caught.value.errors} == {
        "/borrower/timezones/1",
        "/borrower/consents/0/window",
    }


def test_a_pointer_escapes_slashes_and_tildes() -> None:
    bad = copy.deepcopy(FULL)
    bad["attempt"]["a/b~c"] = 1
    assert _pointers(bad) == {"/attempt/a~1b~0c"}


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 50)
    | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    req = copy.deepcopy(FULL)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(req)))
        if not path:
            continue
        parent = req
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(json_values)
        elif action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=5))] = draw(json_values)
    return req


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_every_refusal_names_the_pointers_jsonschema_names(req: Any) -> None:
    """The walk over the Structs finds exactly jsonschema's errors on the packaged schema; a
    request with none is read (the fast path, or the slow one for 5.0-style integers)."""
    found = request_errors(req)
    structural = {p for p, _ in found if "time zone" not in _ and "window" not in _}
    assert {p for p, _ in found} >= schema_pointers(req)
    assert structural == schema_pointers(req) or not schema_pointers(req)
    if not found:
        assert read_object(req) == read_slowly(req)
    else:
        with pytest.raises(GateRequestError) as caught:
            read_object(req)
        assert caught.value.errors == found


def test_the_structs_declare_what_the_packaged_schema_declares() -> None:
    """Property names, required properties, enums, bounds and patterns, object by object."""
    _same(mi.type_info(WireRequest), load_schema("gate-request"), "")


def _same(kind: Any, node: dict[str, Any], where: str) -> None:
    if isinstance(kind, mi.UnionType):  # a nullable instant
        assert node["type"] == ["string", "null"], where
        (kind,) = [t for t in kind.types if not isinstance(t, mi.NoneType)]
        node = {**node, "type": "string"}
    fmt = None
    if isinstance(kind, mi.Metadata):
        fmt, kind = (kind.extra_json_schema or {}).get("format"), kind.type
    assert node.get("format") == fmt, where
    if isinstance(kind, mi.EnumType | mi.LiteralType):
        values = [m.value for m in kind.cls] if isinstance(kind, mi.EnumType) else kind.values
        assert sorted(values) == sorted(node["enum"]), where
    elif isinstance(kind, mi.StructType):
        assert node["type"] == "object" and node["additionalProperties"] is False, where
        fields = {f.encode_name: f for f in kind.fields}
        assert set(fields) == set(node["properties"]), where
        assert {n for n, f in fields.items() if f.required} == set(node.get("required", ())), where
        assert list(fields) == sorted(fields), f"{where}: fields in sorted order (canonical JSON)"
        for name, field in fields.items():
            _same(field.type, node["properties"][name], f"{where}/{name}")
    elif isinstance(kind, mi.VarTupleType):
        assert node["type"] == "array", where
        assert kind.min_length == node.get("minItems"), where
        assert kind.max_length == node.get("maxItems"), where
        _same(kind.item_type, node["items"], f"{where}/items")
    elif isinstance(kind, mi.StrType):
        assert node["type"] == "string", where
        pattern = node.get("pattern")
        assert (kind.pattern and kind.pattern.replace("\\Z", "$")) == pattern, where
    elif isinstance(kind, mi.IntType):
        assert node["type"] == "integer", where
        assert (kind.ge, kind.le) == (node.get("minimum"), node.get("maximum")), where
    else:
        assert isinstance(kind, mi.BoolType) and node["type"] == "boolean", where
