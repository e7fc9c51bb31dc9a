"""A small reference SMS gateway speaking exactly the protocol SmsGatewayChannel speaks.

For development, the tests and the outbox benchmark; it sends nothing anywhere. It checks each
request's signature and timestamp (401 otherwise), drops a repeated `client_ref` (answering the
earlier message, 200), records what it accepted (201), and answers `GET /stats` with
`{"accepted": n, "duplicates": n}`. `POST /messages/batch` takes up to MAX_BATCH messages in one
signed request, `{"messages": [{"to", "text", "client_ref"}, ...]}`, and answers 200 with
`{"messages": [...]}`, one entry per message in order: what `POST /messages` would have answered
for it, plus `"new": true|false`, or `{"client_ref", "error"}` for a malformed one (the others
are still taken). `--fail-rate 0.1` answers one request in ten 503 before
looking at it; `--receipts-to URL` posts a signed delivery receipt for each accepted message
(one background thread, in order).

    python -m fairdebt.adapters.channels.gateway_server --port 9100 --secret S \
        [--key-id K] [--fail-rate 0.1] [--receipts-to http://127.0.0.1:8000/api/v1/inbound/sms/gateway/receipts]

From tests: `with ReferenceGateway("secret") as gateway: ... gateway.url ...` (a free port on
127.0.0.1). Connections are kept alive (HTTP/1.1), one thread each; `stop()` closes every
open connection and joins every thread, so nothing is left behind.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import queue
import random
import socket
import threading
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fairdebt import jsontext
from fairdebt.adapters.channels.signing import KEY, MAX_SKEW, signed_headers, verify

MAX_BODY = 64 * 1024
MAX_BATCH = 500  # messages in one POST /messages/batch
MAX_BATCH_BODY = MAX_BATCH * 4 * 1024
IDLE_SECONDS = 30.0  # a keep-alive connection idle this long is closed


class ReferenceGateway:
    """The gateway: its state, its HTTP server, and start()/stop()."""

    def __init__(
        self,
        secret: str,
        *,
        key_id: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        fail_rate: float = 0.0,
        receipts_to: str | None = None,
        max_skew: int = MAX_SKEW,
        seed: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.secret = secret
        self.key_id = key_id  # None: any key id (only the secret counts)
        self.fail_rate = fail_rate
        self.receipts_to = receipts_to
        self.max_skew = max_skew
        self.clock = clock
        self.messages: dict[str, dict[str, Any]] = {}  # client_ref -> the accepted message
        self.duplicates = 0
        self.refused = 0  # bad signatures and malformed requests
        self.failed = 0  # answered 503 on purpose (--fail-rate)
        self.receipts_sent = 0
        self.receipt_failures = 0
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self._server = _Server((host, port), _Handler)
        self._server.gateway = self
        self._serving: threading.Thread | None = None
        self._receipts: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._receipt_thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {"accepted": len(self.messages), "duplicates": self.duplicates}

    def start(self) -> ReferenceGateway:
        self._serving = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._serving.start()
        if self.receipts_to:
            self._receipt_thread = threading.Thread(target=self._post_receipts, daemon=True)
            self._receipt_thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close open connections, join every thread."""
        if self._serving is not None:
            self._server.shutdown()
            self._serving.join()
            self._serving = None
        self._server.close_connections()
        self._server.server_close()  # joins the connection threads
        if self._receipt_thread is not None:
            self._receipts.put(None)
            self._receipt_thread.join()
            self._receipt_thread = None

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted (the command line)."""
        if self.receipts_to:
            self._receipt_thread = threading.Thread(target=self._post_receipts, daemon=True)
            self._receipt_thread.start()
        try:
            self._server.serve_forever()
        finally:
            self.stop()

    def __enter__(self) -> ReferenceGateway:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -- the protocol ------------------------------------------------------------------------

    def should_fail(self) -> bool:
        if self.fail_rate <= 0:
            return False
        with self._lock:
            fail = self._random.random() < self.fail_rate
            self.failed += fail
        return fail

    def authentic(self, headers: Any, signed: bytes) -> bool:
        problem = verify(self.secret, headers, signed, self.clock(), self.max_skew)
        if problem is None and self.key_id is not None and headers.get(KEY) != self.key_id:
            problem = "unknown key"
        if problem is not None:
            with self._lock:
                self.refused += 1
        return problem is None

    def accept(self, to: str, text: str, client_ref: str) -> tuple[int, dict[str, Any]]:
        """(201, the new message) or (200, the earlier one for a repeated client_ref)."""
        with self._lock:
            earlier = self.messages.get(client_ref)
            if earlier is not None:
                self.duplicates += 1
                return 200, earlier
            message = {
                "id": f"gw-{len(self.messages) + 1}",
                "client_ref": client_ref,
                "to": to,
                "text": text,
                "status": "accepted",
            }
            self.messages[client_ref] = message
        if self.receipts_to:
            self._receipts.put(message)
        return 201, message

    def find(self, client_ref: str) -> dict[str, Any] | None:
        with self._lock:
            return self.messages.get(client_ref)

    def _post_receipts(self) -> None:
        while (message := self._receipts.get()) is not None:
            receipt = {
                "client_ref": message["client_ref"],
                "status": "delivered",
                "at": datetime.fromtimestamp(self.clock(), UTC).isoformat(),
                "detail": f"reference gateway {message['id']}",
            }
            body = json.dumps(receipt).encode("utf-8")
            headers = signed_headers(self.key_id or "gateway", self.secret, body, self.clock())
            request = urllib.request.Request(
                str(self.receipts_to),
                data=body,
                method="POST",
                headers=headers | {"Content-Type": "application/json"},
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as answer:
                    answer.read()
                self.receipts_sent += 1
            except OSError:
                self.receipt_failures += 1


class _Server(ThreadingHTTPServer):
    """Keeps its open connections, so stop() can close them and join their threads
    (socketserver joins only non-daemon threads; an idle one ends after IDLE_SECONDS anyway)."""

    daemon_threads = False
    block_on_close = True
    request_queue_size = 256
    gateway: ReferenceGateway

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-request (a killed worker) is not an error worth a
        traceback; anything else is printed as socketserver does."""
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def close_connections(self) -> None:
        with self._open_lock:
            open_now = list(self._open)
        for sock in open_now:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_SECONDS
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: thousands of requests a second."""

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        if path not in ("/messages", "/messages/batch"):
            self._answer(404, {"error": "no such resource"})
            return
        batch = path == "/messages/batch"
        body = self._body(MAX_BATCH_BODY if batch else MAX_BODY)
        if body is None:
            return
        gateway = self.server.gateway
        if gateway.should_fail():
            self._answer(503, {"error": "failing on purpose (--fail-rate)"})
            return
        if not gateway.authentic(self.headers, body):
            self._answer(401, {"error": "bad signature"})
            return
        try:
            found = jsontext.loads(body)
        except ValueError:
            found = None
        if batch:
            self._batch(found)
            return
        fields = _fields(found)
        if isinstance(fields, str):
            self._answer(400, {"error": fields})
            return
        self._answer(*gateway.accept(*fields))

    def _batch(self, found: Any) -> None:
        """Each message of a batch taken as POST /messages would take it (module docstring)."""
        items = found.get("messages") if isinstance(found, dict) else None
        if not isinstance(items, list) or not 0 < len(items) <= MAX_BATCH:
            error = f"the body must be JSON with messages: a list of 1 to {MAX_BATCH} messages"
            self._answer(400, {"error": error})
            return
        answers: list[dict[str, Any]] = []
        for item in items:
            fields = _fields(item)
            if isinstance(fields, str):
                ref = item.get("client_ref") if isinstance(item, dict) else None
                answers.append({"client_ref": ref if isinstance(ref, str) else "", "error": fields})
                continue
            status, message = self.server.gateway.accept(*fields)
            answers.append(message | {"new": status == 201})
        self._answer(200, {"messages": answers})

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        gateway = self.server.gateway
        if parts.path == "/stats":
            self._answer(200, gateway.stats())
            return
        if parts.path != "/messages":
            self._answer(404, {"error": "no such resource"})
            return
        if not gateway.authentic(self.headers, self.path.encode("latin-1")):
            self._answer(401, {"error": "bad signature"})
            return
        ref = parse_qs(parts.query).get("client_ref", [""])[0]
        found = gateway.find(ref)
        if found is None:
            self._answer(404, {"error": "no message with that client_ref"})
            return
        self._answer(200, found)

    def _body(self, limit: int) -> bytes | None:
        length = self.headers.get("Content-Length", "")
        if not length.isdigit() or int(length) > limit:
            self.close_connection = True
            self._answer(413 if length.isdigit() else 411, {"error": "bad body length"})
            return None
        return self.rfile.read(int(length))

    def _answer(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _fields(found: Any) -> tuple[str, str, str] | str:
    """(to, text, client_ref) of one message, or what is wrong with it."""
    if not isinstance(found, dict) or not all(k in found for k in ("to", "text", "client_ref")):
        return "the body must be JSON with to, text and client_ref"
    to, text, ref = found["to"], found["text"], found["client_ref"]
    if not all(isinstance(v, str) and v for v in (to, text, ref)):
        return "to, text and client_ref must be non-empty strings"
    return to, text, ref


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--secret", required=True, help="the shared signing secret")
    parser.add_argument("--key-id", default=None, help="accept only this key id (default: any)")
    parser.add_argument("--fail-rate", type=float, default=0.0, help="fraction answered 503")
    parser.add_argument("--receipts-to", default=None, help="post signed receipts to this URL")
    args = parser.parse_args(argv)
    gateway = ReferenceGateway(
        args.secret,
        key_id=args.key_id,
        host=args.host,
        port=args.port,
        fail_rate=args.fail_rate,
        receipts_to=args.receipts_to,
    )
    print(f"reference SMS gateway on {gateway.url}", flush=True)  # noqa: T201
    with contextlib.suppress(KeyboardInterrupt):
        gateway.serve_forever()


if __name__ == "__main__":
    main()
