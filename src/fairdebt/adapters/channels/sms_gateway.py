"""SMS through a generic HTTP gateway (docs/channels.md, "SMS").

The protocol: `POST <url>/messages` with the JSON `{"to", "text", "client_ref"}`, signed
(adapters/channels/signing.py); the gateway answers 201 with `{"id", "client_ref", "status"}`,
or 200 with the earlier message when it has seen the `client_ref` before — which is why this
channel is idempotent: a message whose outcome was lost may be handed over again.
`GET <url>/messages?client_ref=<key>` answers what the gateway knows of one message (404: none).

An unreachable gateway, a timeout, 5xx, 408 and 429 are retried with exponential backoff a
bounded number of times (safe: the gateway drops a repeated `client_ref`), then raise a
retryable ChannelError carrying the gateway's answer; any other 4xx is permanent.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx

from fairdebt.adapters.channels.base import ChannelError, Delivery, OutboundMessage, Prepared
from fairdebt.adapters.channels.signing import signed_headers

RETRYABLE_STATUS = frozenset({408, 425, 429})
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
        self._client = httpx.Client(timeout=timeouts, transport=transport)

    def prepare(self, message: OutboundMessage) -> Prepared:
        """The text exactly as the gateway will receive it."""
        return Prepared(message.body.encode("utf-8"), "text/plain; charset=utf-8")

    def deliver(self, message: OutboundMessage) -> Delivery:
        if not message.key:
            raise ChannelError(
                "refused: an SMS needs its idempotency key (the gateway's client_ref)",
                "send it through services.contact.ContactGuard, which sets the key",
                permanent=True,
            )
        text = (message.payload or self.prepare(message).data).decode("utf-8")
        payload = {"to": message.to, "text": text, "client_ref": message.key}
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        response = self._send("POST", "/messages", body)
        if response.status_code not in (200, 201):
            raise _refused(response)
        return _delivery(_json(response))

    def lookup(self, key: str) -> Delivery | None:
        response = self._send("GET", "/messages", b"", {"client_ref": key})
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise _refused(response)
        return _delivery(_json(response))

    def close(self) -> None:
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
