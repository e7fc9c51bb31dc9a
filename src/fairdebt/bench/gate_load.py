"""The load of `fairdebt bench gate`: the request mix, and an HTTP/1.1 load generator run in
its own process.

`requests(size, seed, history)` builds a seeded, schema-valid mix: half `cn` (Shanghai, zh-CN),
half `us-regf` (one or two US zones, en); 60% calls, 30% texts, 10% visits; mostly the debtor,
sometimes a relative or a third party; every borrower with exactly `history` earlier events
over the last 30 days. Times of day range over the whole waking day, so time windows, weekly
caps and conversations all bite on some requests.

The generator uses raw asyncio sockets with keep-alive: a general HTTP client costs more CPU
per request than the server under test, on a machine where both share two cores. Two modes:

- closed loop (`rate` null): each connection sends its next request as soon as the last one is
  answered — the server's throughput;
- fixed rate: requests are due at `rate` per second across the connections, every request due
  within the run is sent however late, and each latency is measured from its due time, so a
  stalled server is not hidden by the client waiting for it (no coordinated omission).

Input: one JSON object on stdin (host, port, path, seconds, connections, rate, bodies, token:
the API token sent as `Authorization: Bearer`, docs/gate.md). Output:
one JSON object on stdout: sent, ok, errors, seconds, rate, p50_ms, p90_ms, p99_ms, max_ms,
cpu_seconds (the generator's own).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import random
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

PATH = "/api/v1/gate/check"
STAGGER_SECONDS = 0.02  # between opening two connections (see _open)
DRAIN_SECONDS = (
    30.0  # after the run, how long answers still due may take before they count as errors
)
ORIGIN = datetime(
    2026, 11, 2, tzinfo=ZoneInfo("UTC")
)  # a Monday; requests fall in the 4 weeks after
US_ZONES = (["America/New_York"], ["America/Chicago"], ["America/Chicago", "America/New_York"])
TEXTS = {
    "cn": ("您的账单已逾期，请尽快通过官方渠道还款。回复TD退订。", "温馨提示：本期账单待还款。"),
    "us-regf": (
        "This is a communication from a debt collector. Reply STOP to opt out.",
        "Please call us about your account. Reply STOP to opt out.",
    ),
}


# --- the request mix -----------------------------------------------------------------------


def requests(size: int, seed: int, history: int) -> list[dict[str, Any]]:
    """`size` schema-valid gate requests, the same for the same seed."""
    rng = random.Random(seed)
    return [_request(rng, i, history) for i in range(size)]


def _request(rng: random.Random, i: int, history: int) -> dict[str, Any]:
    pack = "cn" if rng.random() < 0.5 else "us-regf"
    zones = ["Asia/Shanghai"] if pack == "cn" else rng.choice(US_ZONES)
    phone = (
        f"+86 138 {i % 10_000:04d} {i // 10_000:04d}"
        if pack == "cn"
        else f"+1 212 555 {i % 10_000:04d}"
    )
    collector = "bank" if pack == "cn" and rng.random() < 0.5 else "agency"
    local = ORIGIN.astimezone(ZoneInfo(zones[-1])).replace(hour=0) + timedelta(
        days=rng.randrange(28), minutes=rng.randrange(6 * 60, 23 * 60)
    )
    debt = f"L{i:07d}"
    req: dict[str, Any] = {
        "pack": pack,
        "now": _iso(local),
        "locale": "zh-CN" if pack == "cn" else "en",
        "attempt": _attempt(rng, pack, phone, collector, debt),
        "borrower": _borrower(rng, zones, debt, local),
        "history": _history(rng, local, history, phone, collector, debt),
    }
    return req


def _attempt(
    rng: random.Random, pack: str, phone: str, collector: str, debt: str
) -> dict[str, Any]:
    channel = rng.choices(("call", "sms", "visit"), (6, 3, 1))[0]
    party = rng.choices(("debtor", "spouse", "emergency_contact", "third_party"), (85, 5, 5, 5))[0]
    purpose = "locate" if party == "third_party" else rng.choice(("collect", "remind"))
    attempt: dict[str, Any] = {"channel": channel, "party": party, "purpose": purpose}
    attempt |= {"debts": [debt], "collector": collector, "to": phone}
    if channel == "sms":
        attempt["content"] = rng.choice(TEXTS[pack])
    if channel == "visit":
        attempt["visit"] = {
            "agents": [{"id": "agent-1"}, {"id": "agent-2"}],
            "notice_sent_at": "2026-10-30T09:00:00+08:00",
            "approved": rng.random() < 0.8,
            "recording": True,
        }
    return attempt


def _borrower(rng: random.Random, zones: list[str], debt: str, now: datetime) -> dict[str, Any]:
    balance = f"{rng.randrange(500, 90_000)}.{rng.randrange(100):02d}"
    borrower: dict[str, Any] = {
        "timezones": list(zones),
        "debts": [{"id": debt, "dpd": rng.randrange(1, 400), "balance": balance}],
    }
    if rng.random() < 0.1:
        borrower["inconvenient"] = [{"window": ["12:00", "14:00"], "weekdays": [1, 2, 3, 4, 5]}]
    if rng.random() < 0.05:
        borrower["holds"] = [rng.choice(("complaint", "dispute", "hardship"))]
    if rng.random() < 0.05:
        borrower["consents"] = [
            {
                "given_at": _iso(now - timedelta(days=2)),
                "channel": "call",
                "window": ["21:00", "22:00"],
            }
        ]
    return borrower


def _history(
    rng: random.Random, now: datetime, count: int, phone: str, collector: str, debt: str
) -> list[dict[str, Any]]:
    """`count` events over the 30 days before now, oldest first, most of them calls out."""
    minutes = sorted(rng.randrange(1, 30 * 24 * 60) for _ in range(count))
    events = []
    for m in reversed(minutes):
        channel = rng.choices(("call", "sms", "email"), (7, 2, 1))[0]
        outcome = (
            "delivered"
            if channel != "call"
            else rng.choices(
                ("no_answer", "busy", "voicemail", "conversation", "refused_contact"),
                (10, 3, 3, 3, 1),
            )[0]
        )
        direction = "in" if rng.random() < 0.08 else "out"
        event: dict[str, Any] = {"at": _iso(now - timedelta(minutes=m)), "channel": channel}
        event |= {"direction": direction, "outcome": outcome, "debts": [debt]}
        event |= {"party": "debtor", "to": phone, "collector": collector}
        events.append(event)
    return events


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


# --- sending -------------------------------------------------------------------------------


def post_all(host: str, port: int, bodies: list[str], token: str, path: str = PATH) -> list[str]:
    """POST each body in turn on one keep-alive connection; the response texts, in order."""
    import http.client

    conn = http.client.HTTPConnection(host, port, timeout=30)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    answers = []
    try:
        for body in bodies:
            conn.request("POST", path, body.encode("utf-8"), headers)
            answers.append(conn.getresponse().read().decode("utf-8"))
    finally:
        conn.close()
    return answers


def _request_bytes(host: str, path: str, body: str, token: str) -> bytes:
    payload = body.encode("utf-8")
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {token}\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode("ascii") + payload


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])  # "HTTP/1.1 200 …", read as bytes: no decoding, no line split
    lowered = head.lower()
    at = lowered.find(b"\r\ncontent-length:")
    length = 0 if at < 0 else int(lowered[at + 17 : lowered.index(b"\r\n", at + 17)])
    await reader.readexactly(length)
    return status


def _due(config: dict[str, Any], start: float, connection: int) -> Iterator[float]:
    """When each request of this connection is due: closed loop, always now (0.0) until the
    end; fixed rate, this connection's share of the schedule (`schedule`)."""
    rate, end = config["rate"], start + config["seconds"]
    if not rate:
        while time.perf_counter() < end:
            yield 0.0
        return
    for offset in schedule(config["seconds"], rate, config["connections"], connection):
        yield start + offset


def due_total(seconds: float, rate: float) -> int:
    """How many requests a fixed-rate run owes: request n is due n / rate seconds after the
    start, for every n with n / rate < seconds. Computed on the decimals as written (0.2 s at
    100/s is 20), not by adding up a float step, whose rounding could owe one more."""
    return math.ceil(Fraction(str(seconds)) * Fraction(str(rate)))


def schedule(seconds: float, rate: float, connections: int, connection: int) -> list[float]:
    """The due offsets (seconds after the start) of one connection's requests: the run's
    requests n = connection, connection + connections, … (round robin), each at n / rate."""
    return [n / rate for n in range(connection, due_total(seconds, rate), connections)]


async def _open(config: dict[str, Any]) -> list[Any]:
    """The connections, opened one at a time: a server's workers share one listening socket,
    and a worker woken by a burst of connections accepts them all — 32 opened at once would
    pin nearly all of them to one worker for the whole run."""
    connections: list[Any] = []
    for _ in range(config["connections"]):
        try:
            connections.append(await asyncio.open_connection(config["host"], config["port"]))
        except OSError:
            connections.append(None)
        await asyncio.sleep(STAGGER_SECONDS)
    return connections


async def _connection(
    config: dict[str, Any], connection: Any, due: Iterator[float], results: list[Any]
) -> None:
    requests_ = config["requests"]
    index = config["offset"]
    if connection is None:
        results.extend((0.0, 0) for _ in due)  # every request it owed is an error
        return
    reader, writer = connection
    try:
        for scheduled in due:
            now = time.perf_counter()
            if scheduled > now:
                await asyncio.sleep(scheduled - now)
            start = scheduled if config["rate"] else time.perf_counter()
            writer.write(requests_[index % len(requests_)])
            index += 1
            try:
                status = await _read_response(reader)
            except (asyncio.IncompleteReadError, ConnectionError, ValueError):
                results.append((time.perf_counter() - start, 0))
                results.extend((0.0, 0) for _ in due)
                break
            results.append((time.perf_counter() - start, status))
    finally:
        writer.close()


async def run(config: dict[str, Any]) -> dict[str, Any]:
    host, path = config["host"], config.get("path", PATH)
    token = config["token"]
    config["requests"] = [_request_bytes(host, path, b, token) for b in config["bodies"]]
    results: list[Any] = []
    cpu = time.process_time()
    connections = await _open(config)
    start = time.perf_counter()  # the schedule starts once every connection is open
    tasks = [
        _connection({**config, "offset": c * 7}, conn, _due(config, start, c), results)
        for c, conn in enumerate(connections)
    ]
    with contextlib.suppress(TimeoutError):  # answers still missing count below as errors
        await asyncio.wait_for(asyncio.gather(*tasks), config["seconds"] + DRAIN_SECONDS)
    summary = summarize(results, time.perf_counter() - start)
    summary["cpu_seconds"] = round(time.process_time() - cpu, 3)
    if config["rate"]:
        expected = due_total(config["seconds"], config["rate"])
        summary["errors"] += max(0, expected - summary["sent"])
    return summary


def summarize(results: list[Any], seconds: float) -> dict[str, Any]:
    latencies = sorted(r[0] for r in results if r[1] == 200)
    errors = sum(1 for r in results if r[1] != 200)

    def pct(q: float) -> float | None:
        if not latencies:
            return None
        worst: float = latencies[min(len(latencies) - 1, int(q * len(latencies)))]
        return round(worst * 1000, 2)

    return {
        "sent": len(results),
        "ok": len(latencies),
        "errors": errors,
        "seconds": round(seconds, 2),
        "rate": round(len(latencies) / seconds, 1) if seconds else 0.0,
        "p50_ms": pct(0.50),
        "p90_ms": pct(0.90),
        "p99_ms": pct(0.99),
        "max_ms": round(latencies[-1] * 1000, 2) if latencies else None,
    }


def main() -> None:
    config = json.loads(sys.stdin.read())
    try:  # uvloop (uvicorn's own loop): a fifth less CPU per request than asyncio's, CPU the
        # server under test shares
        import uvloop

        summary = uvloop.run(run(config))
    except ImportError:
        summary = asyncio.run(run(config))
    sys.stdout.write(json.dumps(summary) + "\n")


if __name__ == "__main__":
    main()
