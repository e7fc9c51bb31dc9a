"""`fairdebt bench gate` at a tiny size: the JSON's shape, its checks computed, and its load.

The targets are not asserted (benchmarks never run as timed assertions in tests); what is
asserted is that the figures exist, the checks are booleans, and that the HTTP answers really
are compared with the in-process ones.
"""

from __future__ import annotations

import asyncio
import json
import socket
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from gate_schema import schema_errors

from fairdebt.bench import gate, gate_load
from fairdebt.compliance.engine import decide
from fairdebt.compliance.pack import builtin_packs


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return gate.run(40, True, http_seconds=0.5)


def test_the_result_has_the_benchmark_json_shape(result: dict[str, Any]) -> None:
    assert result["name"] == "gate" and result["size"] == 40
    assert result["seconds"] > 0 and result["rate"] > 0 and result["peak_rss_mb"] > 0
    assert isinstance(result["load_avg_1m"], float)
    assert result["calibration_loop_cpu_us"] > 0
    (ratio,) = result["baselines"].values()
    assert ratio > 0
    assert json.loads(json.dumps(result)) == result  # plain JSON all the way down


def test_every_check_is_a_computed_boolean(result: dict[str, Any]) -> None:
    checks = result["checks"]
    assert len(checks) == 6
    assert all(type(v) is bool for v in checks.values())
    identical = next(v for k, v in checks.items() if k.startswith("decisions identical"))
    assert identical  # the server answers exactly what the engine decides in process


def test_both_http_phases_report_throughput_and_latency(result: dict[str, Any]) -> None:
    for phase in ("closed_loop", "fixed_rate", "fixed_rate_at_70pct"):
        figures = result["http"][phase]
        assert figures["ok"] > 0 and figures["errors"] == 0
        assert figures["p50_ms"] <= figures["p90_ms"] <= figures["p99_ms"] <= figures["max_ms"]
    assert result["http"]["fixed_rate"]["target_rate"] == gate.HTTP_RATE
    assert result["http"]["capacity_of_2_idle_cores_per_s"] > 0


def test_each_in_process_depth_has_wall_and_cpu_figures(result: dict[str, Any]) -> None:
    local = result["in_process"]
    for depth in ("typed", "json_object", "json_text", "json_text_floor", "baseline_jsonschema"):
        figures = local[depth]
        assert figures["rate"] > 0 and figures["cpu_rate"] > 0
    assert result["rate"] == local["typed"]["rate"]
    assert local["typed"]["cpu_rate"] > local["json_text"]["cpu_rate"]  # less work per decision
    # the floor is a part of the JSON-text path's work: decoding and digest, nothing decided
    assert result["text_floor_rate"] == local["json_text_floor"]["cpu_rate"]
    assert local["json_text_floor"]["cpu_rate"] > local["json_text"]["cpu_rate"]


def test_the_floor_is_the_reading_the_gate_does_itself() -> None:
    import json

    from fairdebt.bench.gate_load import requests
    from fairdebt.compliance.request import decoded, read_body

    for request in requests(20, 7, 5):
        body = json.dumps(request, ensure_ascii=False).encode()
        wire, digest = decoded(body)
        typed = read_body(body)
        assert digest == typed.digest  # the same digest the decision carries
        assert wire.pack == typed.pack


def test_the_server_and_client_cpu_per_request_are_measured(result: dict[str, Any]) -> None:
    for phase in ("closed_loop", "fixed_rate"):
        figures = result["http"][phase]
        assert figures["server_cpu_ms_per_request"] > 0
        assert figures["client_cpu_ms_per_request"] > 0
        shares = figures["worker_cpu_shares"]  # the supervisor, its two workers (and helpers)
        assert abs(sum(shares) - 1) < 0.05
        # every process is measured: the supervisor and both workers (which worker gets the
        # connections is the kernel's choice: in half a second one may get them all)
        assert len(shares) >= 3


def test_the_baseline_gives_the_same_answers(result: dict[str, Any]) -> None:
    local = result["in_process"]
    assert local["baseline_same_answers"]
    assert sum(local["verdicts"].values()) == 40


def test_the_request_mix_is_seeded_schema_valid_with_fifty_events_each() -> None:
    mix = gate_load.requests(60, 7, 50)

    assert mix == gate_load.requests(60, 7, 50)
    assert all(len(r["history"]) == 50 for r in mix)
    assert all(schema_errors(r) == () for r in mix)
    assert {r["pack"] for r in mix} == {"cn", "us-regf"}
    assert {r["attempt"]["channel"] for r in mix} == {"call", "sms", "visit"}
    verdicts = {decide(r, packs=builtin_packs()).decision for r in mix}
    assert verdicts == {"allow", "deny", "review"}


def test_a_fixed_rate_run_against_no_server_counts_every_due_request_as_an_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    config = {"host": "127.0.0.1", "port": port, "seconds": 0.2, "connections": 2}
    config |= {"rate": 100, "bodies": ["{}"], "token": "fd_00000000_x"}

    # A thread of its own: browser tests in the same worker leave an event loop running in
    # the main thread, and asyncio.run refuses to start inside one.
    with ThreadPoolExecutor(1) as pool:
        summary = pool.submit(asyncio.run, gate_load.run(config)).result()

    assert summary["ok"] == 0 and summary["p99_ms"] is None
    assert summary["errors"] == 20  # 100/s for 0.2 s, none of them answered


def test_the_fixed_rate_schedule_owes_exactly_rate_times_seconds_requests() -> None:
    """The schedule is counted, not timed: every request n with n / rate < seconds is due
    once, shared round robin between the connections, whatever the clock says."""
    cases = ((0.2, 100, 2, 20), (10.0, 1_500, 32, 15_000), (0.25, 30, 3, 8), (0.3, 10, 4, 3))
    for seconds, rate, connections, expected in cases:
        owed = gate_load.due_total(seconds, rate)
        shares = [gate_load.schedule(seconds, rate, connections, c) for c in range(connections)]
        offsets = sorted(o for share in shares for o in share)
        assert owed == len(offsets) == expected
        assert offsets == [n / rate for n in range(owed)]
        assert all(o < seconds for o in offsets)
