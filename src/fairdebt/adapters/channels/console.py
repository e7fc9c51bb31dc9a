"""A channel that delivers to an in-memory outbox (development, demo and tests)."""

from __future__ import annotations

from fairdebt.adapters.channels.base import Delivery, OutboundMessage


class ConsoleChannel:
    def __init__(self) -> None:
        self.outbox: list[OutboundMessage] = []

    def deliver(self, message: OutboundMessage) -> Delivery:
        self.outbox.append(message)
        return Delivery("delivered", provider_ref=f"console:{len(self.outbox)}")
