"""Use cases: what the providers tell us — replies, delivery receipts, unsubscribes — into the
case log, and the opt-outs among them into every gate request (docs/channels.md, "Inbound
webhooks").

An opt-out is a fact about a channel and an address (12 CFR 1006.6(e): a consumer may opt out
of electronic communications to an address, by any reasonable means; 个人信息保护法 第十五条:
consent may be withdrawn, and processing that rested on it stops). It is recorded as an
`opt_out` event on every case, not closed, of every borrower holding that number or address,
and `opt_outs_of` hands it to the gate with each request of those cases. A reply that is not an
opt-out is kept as an `inbound_message` for the collectors; a receipt goes to the case of the
message it is about as `delivery_receipt`. A webhook delivered twice records once: an event
identical to one the case already has is not appended again.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fairdebt.compliance.types import Channel, OptOut, normalise_address
from fairdebt.domain.borrower import normalise_phone
from fairdebt.domain.errors import InvalidPhoneError
from fairdebt.domain.events import NewEvent
from fairdebt.services.ports import UnitOfWork

# Replies that opt out on their own (after normalising: NFKC, so full-width letters are plain;
# case folded; surrounding spaces and punctuation dropped; a leading 回复 "reply" dropped).
# STOP and its carrier variants (CTIA's STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT);
# 退订 and TD / T, the Chinese carriers' "reply TD to unsubscribe".
OPT_OUT_WORDS = frozenset(
    {"stop", "stopall", "stop all", "unsubscribe", "cancel", "end", "quit", "退订", "td", "t"}
)
# Words that mean nothing else, so a reply containing them opts out wherever they stand
# ("我要退订", "please unsubscribe me"); and words that opt out when a reply begins with them
# ("STOP texting me"). Erring this way costs a message; erring the other way breaks the law.
UNAMBIGUOUS = ("退订", "unsubscribe")
LEADING = ("stop",)
MAX_TEXT = 4000  # characters of a reply kept in the log
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")
_SPACES = re.compile(r"\s+")
_REPLY = "回复"


def is_opt_out(text: str) -> bool:
    """Whether a reply asks for no more messages (module constants)."""
    word = _normalised(text)
    if word.startswith(_REPLY):
        word = _EDGES.sub("", word[len(_REPLY) :])
    if word in OPT_OUT_WORDS:
        return True
    if any(w in word for w in UNAMBIGUOUS):
        return True
    first = re.split(r"[\W_]+", word, maxsplit=1)[0]
    return first in LEADING


def _normalised(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _SPACES.sub(" ", _EDGES.sub("", folded.strip()))


def opt_outs_of(events: Iterable[Any]) -> tuple[OptOut, ...]:
    """The opt-outs in a case's log, in the gate's words (compliance.types.OptOut)."""
    found = []
    for event in events:
        if event.type != "opt_out":
            continue
        data = event.data
        at = datetime.fromisoformat(data["at"]) if data.get("at") else None
        found.append(OptOut(Channel(data["channel"]), normalise_address(data["address"]), at))
    return tuple(found)


@dataclass(frozen=True, slots=True)
class Recorded:
    """What an inbound message did: the event type and the cases it was recorded on (a case
    that already held the same event counts, without a second copy)."""

    kind: str
    cases: tuple[str, ...]

    @property
    def matched(self) -> int:
        return len(self.cases)


def phone_of(sender: str) -> str:
    """A sender's number as borrowers' numbers are stored (E.164; national numbers read as
    Chinese), or loosely normalised when it is not a valid number."""
    try:
        return normalise_phone(sender.strip())
    except InvalidPhoneError:
        return normalise_address(sender)


def record_reply(
    uow: UnitOfWork,
    provider: str,
    sender: str,
    recipient: str,
    text: str,
    sent_at: datetime | None,
    now: datetime,
) -> Recorded:
    """An SMS reply: an `opt_out` on every open case of the number's borrowers when it is one
    (is_opt_out), an `inbound_message` otherwise."""
    phone = phone_of(sender)
    at = _earliest(sent_at, now)
    kept = text[:MAX_TEXT]
    source = f"sms reply via {provider}"
    if is_opt_out(text):
        kind = "opt_out"
        data = {"channel": "sms", "address": normalise_address(phone), "at": at, "source": source}
        data["text"] = kept
    else:
        kind = "inbound_message"
        data = {"channel": "sms", "phone": phone, "to": recipient, "text": kept, "at": at}
        data["provider"] = provider
    with uow:
        cases = uow.addresses.open_cases_by_phone(phone)
        _append_once(uow, cases, NewEvent(kind, f"provider:{provider}", data), now)
        uow.commit()
    return Recorded(kind, tuple(cases))


def record_receipt(
    uow: UnitOfWork,
    provider: str,
    channel: str,
    client_ref: str,
    status: str,
    at: datetime | None,
    detail: str,
    now: datetime,
) -> Recorded:
    """A delivery receipt (delivered, failed, bounced, ...) on the case of its message."""
    data = {
        "client_ref": client_ref,
        "channel": channel,
        "status": status,
        "at": _earliest(at, now),
        "detail": detail[:MAX_TEXT],
        "provider": provider,
    }
    with uow:
        case = uow.addresses.case_of_message(client_ref)
        cases = [case] if case is not None else []
        event = NewEvent("delivery_receipt", f"provider:{provider}", data)
        _append_once(uow, cases, event, now)
        uow.commit()
    return Recorded("delivery_receipt", tuple(cases))


def unsubscribe(
    uow: UnitOfWork, case_id: str, address: str, now: datetime, source: str
) -> Recorded:
    """An e-mail address unsubscribed through its signed link: an `opt_out` for e-mail on the
    link's case and every other open case with that address."""
    data = {
        "channel": "email",
        "address": normalise_address(address),
        "at": now.isoformat(),
        "source": source,
    }
    with uow:
        cases = sorted(set(uow.addresses.open_cases_by_email(address)) | _existing(uow, case_id))
        _append_once(uow, cases, NewEvent("opt_out", "borrower", data), now)
        uow.commit()
    return Recorded("opt_out", tuple(cases))


def _existing(uow: UnitOfWork, case_id: str) -> set[str]:
    return {case_id} if uow.cases.get(case_id) is not None else set()


def _append_once(uow: UnitOfWork, cases: Iterable[str], event: NewEvent, now: datetime) -> None:
    """Append `event` to each case unless the case already holds the same event (a webhook
    delivered twice, a link clicked twice). An opt-out compares channel and address only."""
    for case_id in cases:
        if not any(_same(e, event) for e in uow.events.events(case_id)):
            uow.events.append(case_id, event, now)


def _same(logged: Any, new: NewEvent) -> bool:
    if logged.type != new.type:
        return False
    if new.type == "opt_out":
        key = ("channel", "address")
        return all(logged.data.get(k) == new.data.get(k) for k in key)
    return bool(logged.data == new.data)


def _earliest(at: datetime | None, now: datetime) -> str:
    """When it happened as the provider says, but never later than we heard of it: a sender's
    clock ahead of ours must not postpone an opt-out."""
    return (min(at, now) if at is not None else now).isoformat()
