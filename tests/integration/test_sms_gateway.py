"""SmsGatewayChannel against the reference gateway (adapters/channels/gateway_server.py) on a free
port of 127.0.0.1: signed requests, a repeated client_ref is one message, lookup by key,
retries with backoff on 5xx and an unreachable gateway, 4xx permanent, receipts, no threads left
behind."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from fairdebt.adapters.channels.base import ChannelError, OutboundMessage
from fairdebt.adapters.channels.gateway_server import ReferenceGateway
from fairdebt.adapters.channels.signing import signature, signed_headers, verify
from fairdebt.adapters.channels.sms_gateway import SmsGatewayChannel

SECRET = "gateway-secret"
TEXT = "【某银行】张三您好，您的账户已逾期，请及时还款。回复TD退订"


def _message(key: str, to: str = "+8613800000001") -> OutboundMessage:
    return OutboundMessage("C-B0001", "sms", to, TEXT, "d" * 64, key=key)


class Fast(SmsGatewayChannel):
    attempts = 3
    backoff = 0.01


@pytest.fixture
def gateway() -> Iterator[ReferenceGateway]:
    with ReferenceGateway(SECRET, key_id="fairdebt") as running:
        yield running


def _channel(url: str, secret: str = SECRET) -> Fast:
    return Fast(url, "fairdebt", secret, timeout=2)


def test_a_message_reaches_the_gateway_as_prepared(gateway: ReferenceGateway) -> None:
    channel = _channel(gateway.url)
    prepared = channel.prepare(_message("k1"))

    delivery = channel.deliver(_message_with(prepared.data, "k1"))

    assert prepared.media_type == "text/plain; charset=utf-8"
    assert prepared.data == TEXT.encode("utf-8")
    assert delivery.outcome == "delivered" and delivery.provider_ref == "gw-1"
    assert gateway.messages["k1"]["text"] == TEXT
    assert gateway.messages["k1"]["to"] == "+8613800000001"


def test_a_repeated_key_is_one_message(gateway: ReferenceGateway) -> None:
    channel = _channel(gateway.url)

    first = channel.deliver(_message("k1"))
    again = channel.deliver(_message("k1"))

    assert first == again
    assert httpx.get(f"{gateway.url}/stats").json() == {"accepted": 1, "duplicates": 1}


def test_lookup_finds_a_message_by_its_key(gateway: ReferenceGateway) -> None:
    channel = _channel(gateway.url)
    sent = channel.deliver(_message("k1"))

    assert channel.lookup("k1") == sent
    assert channel.lookup("never-sent") is None


def test_a_wrong_secret_is_refused_for_good(gateway: ReferenceGateway) -> None:
    with pytest.raises(ChannelError) as caught:
        _channel(gateway.url, secret="not-the-secret").deliver(_message("k1"))

    assert caught.value.permanent
    assert "401" in caught.value.cause
    assert gateway.stats()["accepted"] == 0


def test_the_gateway_refuses_a_stale_timestamp_or_a_changed_body(
    gateway: ReferenceGateway,
) -> None:
    body = json.dumps({"to": "+8613800000001", "text": "x", "client_ref": "r"}).encode()
    stale = signed_headers("fairdebt", SECRET, body, time.time() - 3600)
    fresh = signed_headers("fairdebt", SECRET, body, time.time())

    assert httpx.post(f"{gateway.url}/messages", content=body, headers=stale).status_code == 401
    changed = body.replace(b'"x"', b'"y"')
    answer = httpx.post(f"{gateway.url}/messages", content=changed, headers=fresh)
    assert answer.status_code == 401
    assert httpx.post(f"{gateway.url}/messages", content=body, headers=fresh).status_code == 201


def test_a_failing_gateway_is_retried_then_reported_with_its_answer() -> None:
    with ReferenceGateway(SECRET, fail_rate=1.0) as failing:
        with pytest.raises(ChannelError) as caught:
            _channel(failing.url).deliver(_message("k1"))
        assert failing.failed == Fast.attempts

    assert not caught.value.permanent
    assert "503" in caught.value.cause and "fail-rate" in caught.value.cause


def test_retries_wait_longer_each_time() -> None:
    waits: list[float] = []
    channel = Fast(f"http://127.0.0.1:{_free_port()}", "k", SECRET, sleep=waits.append)

    with pytest.raises(ChannelError) as caught:
        channel.deliver(_message("k1"))

    assert waits == [0.01, 0.02]
    assert not caught.value.permanent
    assert "ConnectError" in caught.value.cause


def test_a_flaky_gateway_takes_every_message_once() -> None:
    with ReferenceGateway(SECRET, fail_rate=0.3, seed=7) as flaky:
        channel = Fast(flaky.url, "k", SECRET)
        channel.attempts = 10
        for n in range(50):
            channel.deliver(_message(f"k{n}"))
        assert flaky.stats() == {"accepted": 50, "duplicates": 0}
        assert flaky.failed > 0


def test_a_4xx_other_than_429_is_permanent() -> None:
    with _answering(400, b'{"error":"bad number"}') as url, pytest.raises(ChannelError) as caught:
        _channel(url).deliver(_message("k1"))
    assert caught.value.permanent and "bad number" in caught.value.cause

    with _answering(429, b'{"error":"slow down"}') as url, pytest.raises(ChannelError) as caught:
        _channel(url).deliver(_message("k1"))
    assert not caught.value.permanent and "slow down" in caught.value.cause


def test_receipts_are_posted_signed() -> None:
    received: list[tuple[dict[str, str], bytes]] = []
    with _recording(received) as url, ReferenceGateway(SECRET, receipts_to=url) as gateway:
        _channel(gateway.url).deliver(_message("k1"))
        deadline = time.time() + 5
        while not received and time.time() < deadline:
            time.sleep(0.01)

    ((headers, body),) = received
    assert verify(SECRET, headers, body, time.time()) is None
    receipt = json.loads(body)
    assert receipt["client_ref"] == "k1" and receipt["status"] == "delivered"


def test_many_requests_leave_no_threads_behind() -> None:
    before = threading.active_count()
    with ReferenceGateway(SECRET) as gateway:
        channels = [_channel(gateway.url) for _ in range(4)]

        def send(n: int) -> None:
            for i in range(100):
                channels[n].deliver(_message(f"k{n}-{i}"))

        workers = [threading.Thread(target=send, args=(n,)) for n in range(4)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert gateway.stats() == {"accepted": 400, "duplicates": 0}
        assert threading.active_count() > before  # keep-alive connections are open
    assert threading.active_count() == before, threading.enumerate()


def test_the_gateway_runs_from_the_command_line() -> None:
    port = _free_port()
    command = [
        sys.executable, "-m", "fairdebt.adapters.channels.gateway_server",
        "--port", str(port), "--secret", SECRET,
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        assert f"127.0.0.1:{port}" in process.stdout.readline()
        channel = _channel(f"http://127.0.0.1:{port}")
        channel.deliver(_message("k1"))
        assert httpx.get(f"http://127.0.0.1:{port}/stats").json()["accepted"] == 1
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_signature_is_the_documented_hmac() -> None:
    # docs/channels.md, "Signing": the worked example's numbers.
    body = b'{"to":"+8613800000001","text":"hi","client_ref":"k1"}'
    assert signature("s3cret", "1782811800", body) == (
        "627db85d871c94798ee35e0144c402aec38007b9b0dcbeba0a97f1d1f8cb36a6"
    )


def _message_with(payload: bytes, key: str) -> OutboundMessage:
    message = _message(key)
    return OutboundMessage(
        message.case_id, message.channel, message.to, message.body, message.decision_id,
        key=key, payload=payload,
    )  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Stub:
    """A one-answer HTTP server (a gateway answering 400 or 429), or a receipt recorder."""

    def __init__(self, status: int, body: bytes, record: list[Any] | None = None) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def do_POST(self) -> None:
                data = self.rfile.read(int(self.headers["Content-Length"]))
                if outer.record is not None:
                    outer.record.append((dict(self.headers), data))
                self.send_response(outer.status)
                self.send_header("Content-Length", str(len(outer.body)))
                self.end_headers()
                self.wfile.write(outer.body)

        self.status, self.body, self.record = status, body, record
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.thread.join()
        self.server.server_close()


def _answering(status: int, body: bytes) -> _Stub:
    return _Stub(status, body)


def _recording(record: list[Any]) -> _Stub:
    return _Stub(200, b"{}", record)


def test_a_batch_reaches_the_gateway_in_one_request_and_a_repeated_key_is_one_message(
    gateway: ReferenceGateway,
) -> None:
    channel = _channel(gateway.url)
    channel.deliver(_message("k0"))
    batch = [_message(f"k{n}", to=f"+861380000000{n}") for n in range(5)]

    got = channel.deliver_many(batch)

    assert [isinstance(d, ChannelError) for d in got] == [False] * 5
    assert next(d.provider_ref for d in got if not isinstance(d, ChannelError)) == "gw-1"
    assert gateway.stats() == {"accepted": 5, "duplicates": 1}
    assert gateway.messages["k3"]["to"] == "+8613800000003"


def test_a_malformed_message_in_a_batch_is_refused_alone(gateway: ReferenceGateway) -> None:
    channel = _channel(gateway.url)
    batch = [_message("k1"), _message(""), _message("k2", to="")]

    got = channel.deliver_many(batch)

    assert not isinstance(got[0], ChannelError)
    assert isinstance(got[1], ChannelError) and got[1].permanent  # no key: never sent
    assert isinstance(got[2], ChannelError) and got[2].permanent and "non-empty" in got[2].cause
    assert set(gateway.messages) == {"k1"}


def test_a_failing_gateway_fails_the_whole_batch_retryably() -> None:
    with ReferenceGateway(SECRET, fail_rate=1.0) as failing:
        got = _channel(failing.url).deliver_many([_message("k1"), _message("k2")])

    assert all(isinstance(d, ChannelError) and not d.permanent for d in got)


def test_a_gateway_without_the_batch_endpoint_gets_one_request_per_message() -> None:
    paths: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        if request.url.path == "/messages/batch":
            return httpx.Response(404, json={"error": "no such resource"})
        ref = json.loads(request.content)["client_ref"]
        return httpx.Response(
            201, json={"id": f"id-{ref}", "client_ref": ref, "status": "accepted"}
        )

    channel = Fast("http://gateway.test", "k", SECRET, transport=httpx.MockTransport(answer))
    first = channel.deliver_many([_message("k1"), _message("k2")])
    second = channel.deliver_many([_message("k3")])
    channel.close()

    assert [d.provider_ref for d in first + second if not isinstance(d, ChannelError)] == [
        "id-k1", "id-k2", "id-k3",
    ]  # fmt: skip
    assert paths.count("/messages/batch") == 1  # asked once, then remembered
    assert sorted(p for p in paths if p == "/messages") == ["/messages"] * 3
