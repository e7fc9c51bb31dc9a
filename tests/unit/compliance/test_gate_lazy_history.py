"""The JSON-text path types history events only as the rules reach them (WireHistory): it
must decide exactly as typing every event up front did (`typed_history`, kept as the oracle).

Both readings of one body are decided with the same packs, and the decisions' JSON bytes
compared: the benchmark's request mix, and generated requests whose histories come out of
order, reach past `now`, mix UTC offsets, leave optional fields out and name empty addresses.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import msgspec
import pytest
from gate_requests import event, request
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fairdebt.bench.gate_load import requests as bench_requests
from fairdebt.compliance.engine import evaluate
from fairdebt.compliance.pack import builtin_packs
from fairdebt.compliance.request import (
    WireHistory,
    WireRequest,
    _event,
    instants,
    read_body,
    typed_events,
    typed_history,
)
from fairdebt.compliance.types import GateRequest

PACKS = builtin_packs()
OUTCOMES = [
    *("no_answer", "busy", "voicemail", "conversation", "delivered", "failed"),
    *("refused_contact", "not_in_service"),
]
START = datetime(2026, 3, 1, tzinfo=UTC)  # spans a daylight-saving change in the US and UK


def _both(body: bytes) -> tuple[GateRequest, GateRequest]:
    """The request as the gate reads it (lazy history) and as the oracle does (eager)."""
    lazy = read_body(body)
    wire = msgspec.json.decode(body, type=WireRequest)
    history = () if wire.history is msgspec.UNSET else typed_history(wire.history)
    return lazy, replace(lazy, history=history)


def _decisions(body: bytes) -> tuple[bytes, bytes]:
    lazy, eager = _both(body)
    assert isinstance(lazy.history, WireHistory) or not lazy.history
    pack = PACKS.resolve(lazy.pack)
    return evaluate(pack, lazy).to_json_bytes(), evaluate(pack, eager).to_json_bytes()


def test_the_benchmark_mix_decides_byte_for_byte_as_typing_every_event() -> None:
    bodies = [json.dumps(r, ensure_ascii=False).encode() for r in bench_requests(2_000, 7, 50)]
    for body in bodies:
        new, old = _decisions(body)
        assert new == old, body


def _iso(instant: datetime, offset_minutes: int, form: str) -> str:
    text = instant.astimezone(timezone(timedelta(minutes=offset_minutes))).isoformat()
    if form == "z" and offset_minutes == 0:
        return text.replace("+00:00", "Z")
    return text.replace("T", "t") if form == "t" else text


@st.composite
def _events(draw: st.DrawFn, now: datetime) -> list[dict[str, Any]]:
    out = []
    for _ in range(draw(st.integers(0, 60))):
        seconds = draw(st.integers(-2 * 86_400, 30 * 3600) | st.integers(-86_400, 12 * 86_400))
        at = now - timedelta(seconds=seconds, microseconds=draw(st.sampled_from([0, 0, 500_000])))
        offset = draw(st.sampled_from([0, 0, 480, -300, -240, 330]))
        e = event(
            _iso(at, offset, draw(st.sampled_from(["", "z", "t"]))),
            outcome=draw(st.sampled_from(OUTCOMES)),
            channel=draw(st.sampled_from(["call", "call", "voicemail", "sms", "email", "visit"])),
            direction=draw(st.sampled_from(["out", "out", "out", "in"])),
            party=draw(st.sampled_from(["debtor", "debtor", "spouse", "third_party"])),
            collector=draw(st.sampled_from(["bank", "agency"])),
            to=draw(st.sampled_from(["+1 212 555 0100", "+12125550100", "+1 212 555 0199"])),
            debts=draw(st.sampled_from([("D1",), ("D2",), ("D1", "D2")])),
        )
        for key in ("party", "to", "collector", "debts"):  # left out: the contract's default
            if draw(st.integers(0, 5)) == 0:
                e.pop(key, None)
        if draw(st.integers(0, 9)) == 0:
            e["to"] = ""
        if draw(st.integers(0, 5)) == 0:
            e["consent_given"] = draw(st.booleans())
        out.append(e)
    if draw(st.booleans()):
        out = draw(st.permutations(out))
    return out


@st.composite
def _bodies(draw: st.DrawFn) -> bytes:
    now = START + timedelta(seconds=draw(st.integers(0, 30 * 86_400)))
    pack = draw(st.sampled_from(["cn", "us-regf"]))
    zones = ["Asia/Shanghai"] if pack == "cn" else ["America/New_York", "America/Los_Angeles"]
    borrower: dict[str, Any] = {}
    if draw(st.booleans()):
        borrower["consents"] = [
            {
                "given_at": _iso(now - timedelta(days=draw(st.integers(0, 5))), 0, ""),
                "channel": "call",
                "window": [f"{draw(st.integers(18, 23)):02d}:00", "01:30"],
                "given_directly_to": "bank",
            }
        ]
    if draw(st.booleans()):
        borrower["refused_third_parties"] = ["+1 212 555 0199"]
    req = request(
        _iso(now, draw(st.sampled_from([0, 480, -300])), ""),
        pack=pack,
        channel=draw(st.sampled_from(["call", "sms", "voicemail", "email"])),
        party=draw(st.sampled_from(["debtor", "debtor", "spouse", "third_party"])),
        purpose=draw(st.sampled_from(["collect", "remind", "locate", "respond"])),
        debts=draw(st.sampled_from([("D1",), ("D1", "D2")])),
        collector=draw(st.sampled_from(["bank", "agency"])),
        to=draw(st.sampled_from(["+1 212 555 0100", "+1 212 555 0199", None])),
        history=draw(_events(now)),
        timezones=draw(st.permutations(zones)),
        **borrower,
    )
    return json.dumps(req, ensure_ascii=False).encode()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_bodies())
def test_generated_requests_decide_byte_for_byte_as_typing_every_event(body: bytes) -> None:
    new, old = _decisions(body)
    assert new == old


@settings(max_examples=50, deadline=None)
@given(_bodies())
def test_an_event_typed_alone_is_the_event_typed_in_a_column(body: bytes) -> None:
    wire = msgspec.json.decode(body, type=WireRequest)
    if wire.history is msgspec.UNSET:
        return
    times = instants([e.at for e in wire.history])
    assert list(map(_event, wire.history, times)) == list(typed_events(wire.history, times))


@pytest.mark.parametrize("count", [0, 1, 4, 5, 8, 9, 50])
def test_the_lazy_history_reads_as_the_tuple_it_stands_for(count: int) -> None:
    now = datetime(2026, 3, 10, 12, tzinfo=UTC)
    events = [event(_iso(now - timedelta(hours=h), 0, "")) for h in range(count)]
    body = json.dumps(request(now.isoformat(), history=events)).encode()
    lazy, eager = _both(body)
    assert isinstance(lazy.history, WireHistory) or count == 0  # none: the default, ()
    assert lazy.history == eager.history and lazy == eager and hash(lazy) == hash(eager)
    assert list(reversed(lazy.history)) == list(reversed(eager.history))
    assert len(lazy.history) == count and bool(lazy.history) == bool(count)
    for i in range(-count, count):
        assert lazy.history[i] == eager.history[i]
    for start in (None, 0, 1, 3, count - 1, count + 2):
        for stop in (None, 0, 2, count, -1):
            assert list(lazy.history[start:stop]) == list(eager.history[start:stop])
    assert list(lazy.history[::2]) == list(eager.history[::2])
    with pytest.raises(IndexError):
        lazy.history[count]
