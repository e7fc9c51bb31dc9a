"""What every channel shares: the message, the delivery result, and the one error type."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from fairdebt.errors import FairdebtError


class ChannelError(FairdebtError):
    """A channel could not deliver. `permanent` errors must not be retried."""

    def __init__(self, cause: str, hint: str = "", *, permanent: bool = False) -> None:
        super().__init__(cause, hint)
        self.permanent = permanent


class ContactRefusedError(ChannelError):
    """The guard refused to send: no gate decision allows this contact."""

    def __init__(self, cause: str) -> None:
        super().__init__(cause, "ask the gate first (services.contact.ask)", permanent=True)


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    case_id: str
    channel: str  # the gate's channel words: call, sms, email, letter, visit, voicemail
    to: str
    body: str
    decision_id: str | None  # the gate decision that allows it; None is always refused
    key: str = ""  # the idempotency key: the same key twice is one message, not two
    subject: str = ""  # an e-mail's subject; a letter's kind (collection_notice, ...)
    language: str = "zh-CN"  # zh-CN | en
    # The exact bytes that leave, as `Channel.prepare` made them (SMS text, e-mail MIME, letter
    # PDF): kept as evidence before `deliver` hands them over unchanged.
    payload: bytes = b""


@dataclass(frozen=True, slots=True)
class Prepared:
    """What a provider will send for a message, byte for byte, and its media type
    (text/plain; charset=utf-8, message/rfc822, application/pdf)."""

    data: bytes
    media_type: str


@dataclass(frozen=True, slots=True)
class Delivery:
    outcome: str  # the gate's outcome words: delivered, failed, conversation, no_answer, ...
    provider_ref: str = ""
    detail: str = ""  # the provider's own answer (kept when it failed)


class Channel(Protocol):
    """A provider. It is only ever called through services.contact.ContactGuard.

    `idempotent`: the provider itself drops a second message with a key it has seen (an SMS
    gateway's client reference, a letter file named by its key). Only then may a message whose
    outcome was lost in a crash be handed over again; otherwise a person confirms it."""

    idempotent: bool

    def prepare(self, message: OutboundMessage) -> Prepared:
        """The bytes `deliver` will send for this message (deterministic: the same message gives
        the same bytes). `deliver` receives them as `message.payload`."""
        ...

    def deliver(self, message: OutboundMessage) -> Delivery:
        """Hand the message over. A message whose `key` was delivered before is not sent again:
        the earlier delivery is returned."""
        ...

    def lookup(self, key: str) -> Delivery | None:
        """What the provider knows of the message with this idempotency key (None: nothing)."""
        ...


@runtime_checkable
class BatchChannel(Protocol):
    """A provider that also takes many messages at once (optional: services.outbox hands a
    batch to `deliver_many` when its channel has one, else calls `deliver` per message).

    Only for an idempotent provider: a batch cut short by a crash is handed over again whole."""

    def deliver_many(self, messages: Sequence[OutboundMessage]) -> list[Delivery | ChannelError]:
        """Hand the messages over; per message, in order, its delivery or why it was not taken
        (a retryable ChannelError for a batch that did not get through at all)."""
        ...
