"""How fast a page answers while large gate requests are being decided:
`python -m fairdebt.bench.gate_flood [SECONDS]`.

Starts `uvicorn fairdebt.web.asgi:app` (one worker) on this environment's database with a fresh
API token, keeps `POSTERS` connections posting ~0.95 MB gate requests (gate_load's mix, 5,000
history events each) back to back, and meanwhile asks for /healthz and /login every 50 ms.
Prints one JSON object: the pages' latency (p50, p99, max, in ms) with and without the flood,
and the gate's answers per second. Figures: bench/results.md, "The gate off the event loop".
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
from typing import Any

POSTERS = 4
HISTORY = 5_000
PAGES = ("/healthz", "/login")


def _get_times(port: int, seconds: float) -> list[float]:
    times: list[float] = []
    end = time.perf_counter() + seconds
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while time.perf_counter() < end:
        for page in PAGES:
            start = time.perf_counter()
            conn.request("GET", page)
            response = conn.getresponse()
            response.read()
            assert response.status == 200, (page, response.status)
            times.append(time.perf_counter() - start)
        time.sleep(0.05)
    conn.close()
    return times


def _summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)

    return {"n": len(ordered), "p50_ms": at(0.5), "p99_ms": at(0.99), "max_ms": at(1.0)}


def _post_forever(
    port: int, body: bytes, token: str, stop: threading.Event, done: list[int]
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    while not stop.is_set():
        conn.request("POST", "/api/v1/gate/check", body, headers)
        response = conn.getresponse()
        response.read()
        done.append(response.status)
    conn.close()


def run(seconds: float = 10.0) -> dict[str, Any]:
    from fairdebt.bench.gate import _bench_token, _free_port, _start_server, _stop, _wait_healthy
    from fairdebt.bench.gate_load import requests

    body = json.dumps(requests(1, 11, HISTORY)[0]).encode()
    token, revoke = _bench_token()
    port = _free_port()
    server = _start_server(port, workers=1)
    try:
        _wait_healthy(port, server)
        quiet = _get_times(port, seconds / 2)
        stop, done = threading.Event(), list[int]()
        posters = [
            threading.Thread(target=_post_forever, args=(port, body, token, stop, done))
            for _ in range(POSTERS)
        ]
        for thread in posters:
            thread.start()
        time.sleep(0.5)
        started, answered = time.perf_counter(), len(done)
        flooded = _get_times(port, seconds)
        rate = (len(done) - answered) / (time.perf_counter() - started)
        stop.set()
        for thread in posters:
            thread.join()
    finally:
        _stop(server)
        revoke()
    return {
        "body_bytes": len(body),
        "posters": POSTERS,
        "pages_quiet": _summary(quiet),
        "pages_during_flood": _summary(flooded),
        "gate_answers_per_s": round(rate, 1),
        "gate_statuses": sorted(set(done)),
    }


if __name__ == "__main__":
    sys.stdout.write(json.dumps(run(float(sys.argv[1]) if len(sys.argv) > 1 else 10.0)) + "\n")
