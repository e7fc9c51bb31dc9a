"""A channel that delivers to an in-memory outbox (development, demo and tests)."""

from __future__ import annotations

import threading

from fairdebt.adapters.channels.base import Delivery, OutboundMessage, Prepared


class ConsoleChannel:
    """Keeps what it "sends"; a key seen before returns the earlier delivery (idempotent)."""

    idempotent = True

    def __init__(self) -> None:
        self.outbox: list[OutboundMessage] = []
        self._by_key: dict[str, Delivery] = {}
        self._lock = threading.Lock()

    def prepare(self, message: OutboundMessage) -> Prepared:
        data = message.payload or message.body.encode("utf-8")
        return Prepared(data, "text/plain; charset=utf-8")

    def deliver(self, message: OutboundMessage) -> Delivery:
        with self._lock:
            if message.key and message.key in self._by_key:
                return self._by_key[message.key]
            self.outbox.append(message)
            delivery = Delivery("delivered", provider_ref=f"console:{len(self.outbox)}")
            if message.key:
                self._by_key[message.key] = delivery
            return delivery

    def lookup(self, key: str) -> Delivery | None:
        with self._lock:
            return self._by_key.get(key)
