"""Fuzzing the gate's two doors with extreme values: no body makes the API answer 500 or the
command crash (exit 0, 1 or 2 and never a traceback)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from gate_io import gate_client, post_gate, run_gate_cli
from gate_requests import event, request
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

BASE = request(
    "2026-03-02T10:00:00+08:00",
    history=[event("2026-03-01T10:00:00+08:00")],
    consents=[
        {"channel": "call", "given_at": "2026-03-01T10:00:00+08:00", "on_date": "2026-03-02"}
    ],
    inconvenient=[{"window": ["09:00", "12:00"], "said_at": "2026-03-01T10:00:00+08:00"}],
    opt_outs=[{"channel": "sms", "address": "x", "at": "2026-03-01T10:00:00+08:00"}],
    borrower_debts=[{"id": "D1", "dpd": 30, "balance": "100.00", "currency": "CNY"}],
)
POINTS = [
    ("now",),
    ("history", 0, "at"),
    ("borrower", "consents", 0, "given_at"),
    ("borrower", "consents", 0, "on_date"),
    ("borrower", "inconvenient", 0, "said_at"),
    ("borrower", "inconvenient", 0, "weekdays"),
    ("borrower", "opt_outs", 0, "at"),
    ("borrower", "debts", 0, "dpd"),
    ("borrower", "debts", 0, "balance"),
    ("borrower", "timezones", 0),
    ("attempt", "collector"),
    ("attempt", "to"),
    ("attempt", "content"),
    ("pack",),
]
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@st.composite
def date_times(draw: st.DrawFn) -> str:
    year = draw(st.integers(0, 9999))
    month, day = draw(st.integers(0, 13)), draw(st.integers(0, 32))
    hour, minute = draw(st.integers(0, 25)), draw(st.integers(0, 60))
    offset = draw(st.sampled_from(["Z", "+14:00", "-12:00", "+08:00", "-05:00", "+23:59", ""]))
    return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:00{offset}"


EXTREMES = st.one_of(
    date_times(),
    st.integers(1, 9999).map(lambda y: f"{y:04d}-12-31"),
    st.integers(-(10**30), 10**30),
    st.sampled_from([float("nan"), float("inf"), -float("inf"), 1e308, -0.0, 5.0]),
    st.text(max_size=20).map(lambda s: s + "\x00"),
    st.integers(0, 2_000).map(lambda n: "[" * n + "]" * n),
    st.sampled_from(["x" * 100_000, "\ud800", "", "Mars/Olympus", "24:00"]),
    st.none(),
    st.booleans(),
)


def _body(point: tuple[Any, ...], value: Any) -> str:
    raw = copy.deepcopy(BASE)
    target = raw
    for step in point[:-1]:
        target = target[step]
    if isinstance(value, str) and value.startswith("[") and value.endswith("]"):
        target[point[-1]] = "@@DEEP@@"  # a nested value: spliced in as JSON, not as a string
        return json.dumps(raw).replace('"@@DEEP@@"', value)
    target[point[-1]] = value
    return json.dumps(raw)  # NaN and Infinity as json.dumps writes them


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with gate_client() as c:
        yield c


@SETTINGS
@given(point=st.sampled_from(POINTS), value=EXTREMES)
def test_no_extreme_value_crashes_the_api(client: TestClient, point: Any, value: Any) -> None:
    response = post_gate(client, _body(point, value))
    assert response.status_code < 500, response.text


@SETTINGS
@given(point=st.sampled_from(POINTS), value=EXTREMES)
def test_no_extreme_value_crashes_the_command(point: Any, value: Any) -> None:
    ran = run_gate_cli(_body(point, value))
    assert ran.returncode in (0, 1, 2), ran.stderr
    assert "Traceback" not in ran.stderr


@SETTINGS
@given(data=st.binary(max_size=300) | st.text(max_size=300).map(lambda s: s.encode("utf-8")))
def test_no_bytes_crash_either_door(client: TestClient, data: bytes) -> None:
    ran = run_gate_cli(data)
    assert ran.returncode in (0, 1, 2) and "Traceback" not in ran.stderr, ran.stderr
    assert post_gate(client, data).status_code < 500
