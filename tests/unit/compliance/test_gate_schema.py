"""A malformed request is refused with the JSON pointer of every error, never a traceback."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from gate_requests import event, request, visit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fairdebt.compliance.errors import GateRequestError
from fairdebt.compliance.request import parse_request, request_to_dict
from fairdebt.compliance.schema import fast_validator, schema_errors, validate_request

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
        validate_request(req)
    return {pointer for pointer, _ in caught.value.errors}


def test_the_full_example_is_valid_and_round_trips_through_the_typed_request() -> None:
    validate_request(FULL)
    typed = parse_request(FULL, with_digest=False)

    again = parse_request(request_to_dict(typed), with_digest=False)

    assert again == typed


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
    for text in ("2026-03-02T10:00:00", "2026-03-02T10:00+08:00", "2026-02-30T10:00:00Z"):
        bad = copy.deepcopy(FULL)
        bad["now"] = text
        assert _pointers(bad) == {"/now"}, text


def test_an_unknown_time_zone_and_an_impossible_time_of_day_are_pointed_at() -> None:
    bad = copy.deepcopy(FULL)
    bad["borrower"]["timezones"] = ["Asia/Shanghai", "Mars/Olympus"]
    bad["borrower"]["consents"][0]["window"] = ["25:00", "26:00"]

    with pytest.raises(GateRequestError) as caught:
        parse_request(bad)

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
def test_the_fast_validator_agrees_with_jsonschema(req: Any) -> None:
    assert fast_validator()(req) == (not schema_errors(req))
