"""SMS through a generic HTTP gateway (docs/channels.md, "SMS").

The protocol: `POST <url>/messages` with the JSON `{"to", "text", "client_ref"}`, signed
(adapters/channels/signing.py); the gateway answers 201 with `{"id", "client_ref", "status"}`,
or 200 with the earlier message when it has seen the `client_ref` before — which is why this
channel is idempotent: a message whose outcome was lost may be handed over again.
`GET <url>/messages?client_ref=<key>` answers what the gateway knows of one message (404: none).
`deliver_many` posts up to BATCH messages at a time to `POST <url>/messages/batch` (one signed
request, one answer per message); a gateway without that endpoint (404, 405) is given the
messages one request each instead, CONCURRENCY at a time on the keep-alive connection pool.

An unreachable gateway, a timeout, 5xx, 408 and 429 are retried with exponential backoff a
bounded number of times (safe: the gateway drops a repeated `client_ref`), then raise a
retryable ChannelError carrying the gateway's answer; any other 4xx is permanent.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from fairdebt.adapters.channels.base import ChannelError, Delivery, OutboundMessage, Prepared
from fairdebt.adapters.channels.signing import signed_headers

RETRYABLE_STATUS = frozenset({408, 425, 429})
BATCH = 200  # messages per POST /messages/batch
CONCURRENCY = 8  # requests in flight when the gateway takes one message per request
NO_BATCH_ENDPOINT = frozenset({404, 405})
_ANSWER_CHARS = 300  # how much of a gateway's answer an error keeps


class SmsGatewayChannel:
    """One gateway; one pooled HTTP client per channel (thread-safe, keep-alive)."""

    idempotent = True
    # Retry policy: `attempts` tries in all, waiting backoff, 2*backoff, ... (at most
    # backoff_max) between them. Tests set these low.
    attempts = 4
    backoff = 0.25
    backoff_max = 4.0

    def __init__(
        self,
        url: str,
        key_id: str,
        secret: str,
        *,
        timeout: float = 5.0,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = url.rstrip("/")
        self.key_id = key_id
        self._secret = secret
        self._clock = clock
        self._sleep = sleep
        timeouts = httpx.Timeout(timeout, connect=min(timeout, 2.0))
        limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
        self._client = httpx.Client(timeout=timeouts, transport=transport, limits=limits)
        self._batch_endpoint = True  # until the gateway says it has none
        self._pool: ThreadPoolExecutor | None = None

    def prepare(self, message: OutboundMessage) -> Prepared:
        """The text exactly as the gateway will receive it."""
        return Prepared(message.body.encode("utf-8"), "text/plain; charset=utf-8")

    def deliver(self, message: OutboundMessage) -> Delivery:
        body = _encode(self._fields(message))
        response = self._send("POST", "/messages", body)
        if response.status_code not in (200, 201):
            raise _refused(response)
        return _delivery(_json(response))

    def deliver_many(self, messages: Sequence[OutboundMessage]) -> list[Delivery | ChannelError]:
        """Each message's delivery or error, in order (module docstring)."""
        results: list[Delivery | ChannelError] = []
        for start in range(0, len(messages), BATCH):
            chunk = messages[start : start + BATCH]
            got = self._post_batch(chunk) if self._batch_endpoint else None
            results += got if got is not None else self._one_by_one(chunk)
        return results

    def _post_batch(
        self, messages: Sequence[OutboundMessage]
    ) -> list[Delivery | ChannelError] | None:
        """One batch request's answers; None when the gateway has no batch endpoint."""
        fields: list[dict[str, str] | ChannelError] = []
        for message in messages:
            try:
                fields.append(self._fields(message))
            except ChannelError as exc:
                fields.append(exc)
        sendable = [f for f in fields if isinstance(f, dict)]
        if not sendable:
            return [f for f in fields if isinstance(f, ChannelError)]
        try:
            response = self._send("POST", "/messages/batch", _encode({"messages": sendable}))
        except ChannelError as exc:
            return [f if isinstance(f, ChannelError) else exc for f in fields]
        if response.status_code in NO_BATCH_ENDPOINT:
            self._batch_endpoint = False
            return None
        if response.status_code != 200:
            refused = _refused(response)
            return [f if isinstance(f, ChannelError) else refused for f in fields]
        answers = iter(_answers(response, len(sendable)))
        return [f if isinstance(f, ChannelError) else next(answers) for f in fields]

    def _one_by_one(self, messages: Sequence[OutboundMessage]) -> list[Delivery | ChannelError]:
        """Single requests, CONCURRENCY in flight (the client's pool is thread-safe)."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(CONCURRENCY, thread_name_prefix="sms-gateway")
        return list(self._pool.map(self._try_deliver, messages))

    def _try_deliver(self, message: OutboundMessage) -> Delivery | ChannelError:
        try:
            return self.deliver(message)
        except ChannelError as exc:
            return exc

    def _fields(self, message: OutboundMessage) -> dict[str, str]:
        if not message.key:
            raise ChannelError(
                "refused: an SMS needs its idempotency key (the gateway's client_ref)",
                "send it through services.contact.ContactGuard, which sets the key",
                permanent=True,
            )
        text = (message.payload or self.prepare(message).data).decode("utf-8")
        return {"to": message.to, "text": text, "client_ref": message.key}

    def lookup(self, key: str) -> Delivery | None:
        response = self._send("GET", "/messages", b"", {"client_ref": key})
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise _refused(response)
        return _delivery(_json(response))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        self._client.close()

    def _send(
        self, method: str, path: str, body: bytes, params: dict[str, str] | None = None
    ) -> httpx.Response:
        """The gateway's answer to one request, retried as the module docstring says."""
        url = httpx.URL(self.url + path, params=params)
        signed = body if method == "POST" else _target(url)
        answer = "no answer"
        for attempt in range(self.attempts):
            if attempt:
                self._sleep(min(self.backoff * 2 ** (attempt - 1), self.backoff_max))
            headers = signed_headers(self.key_id, self._secret, signed, self._clock())
            headers["Content-Type"] = "application/json"
            try:
                response = self._client.request(method, url, content=body or None, headers=headers)
            except httpx.HTTPError as exc:
                answer = f"{type(exc).__name__}: {exc}"
                continue
            if response.status_code < 500 and response.status_code not in RETRYABLE_STATUS:
                return response
            answer = f"HTTP {response.status_code}: {response.text[:_ANSWER_CHARS]}"
        raise ChannelError(
            f"the SMS gateway did not take the message after {self.attempts} tries ({answer})",
            "check FAIRDEBT_SMS_GATEWAY_URL and the gateway; the message may be retried",
        )


def _encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _answers(response: httpx.Response, count: int) -> list[Delivery | ChannelError]:
    """A batch answer's entries, one per message sent: a delivery, or the gateway's refusal."""
    found = _json(response).get("messages")
    if not isinstance(found, list) or len(found) != count:
        error = ChannelError(
            f"the SMS gateway answered a batch of {count} without one answer per message: "
            f"{response.text[:_ANSWER_CHARS]}",
            "check the gateway; the messages may be retried (the gateway drops repeated keys)",
        )
        return [error] * count
    return [_answer(item) for item in found]


def _answer(item: Any) -> Delivery | ChannelError:
    if isinstance(item, dict) and "error" not in item and item.get("client_ref"):
        return _delivery(item)
    if isinstance(item, dict) and "error" in item:
        return ChannelError(
            f"the SMS gateway refused the message: {item['error']}"[:_ANSWER_CHARS],
            "the gateway will refuse it again: check the number, the text and our key",
            permanent=True,
        )
    return ChannelError(
        f"the SMS gateway answered a batch with an entry that is no message: {item!r}"[
            :_ANSWER_CHARS
        ],
        "check the gateway; the message may be retried (the gateway drops repeated keys)",
    )


def _target(url: httpx.URL) -> bytes:
    """The request target a GET signs: path and query, as sent."""
    return url.raw_path


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        found = response.json()
    except ValueError:
        found = None
    if not isinstance(found, dict):
        raise ChannelError(
            f"the SMS gateway answered HTTP {response.status_code} without a JSON object: "
            f"{response.text[:_ANSWER_CHARS]}",
            "check that FAIRDEBT_SMS_GATEWAY_URL names the gateway's API",
        )
    return found


def _delivery(found: dict[str, Any]) -> Delivery:
    """The gateway took the message: for the gate's history it was delivered (receipts come
    later as `delivery_receipt` events)."""
    status = str(found.get("status", "accepted"))
    outcome = "failed" if status in ("failed", "rejected") else "delivered"
    return Delivery(outcome, provider_ref=str(found.get("id", "")), detail=status)


def _refused(response: httpx.Response) -> ChannelError:
    return ChannelError(
        f"the SMS gateway refused the message: HTTP {response.status_code}: "
        f"{response.text[:_ANSWER_CHARS]}",
        "the gateway will refuse it again: check the number, the text and our key",
        permanent=True,
    )
