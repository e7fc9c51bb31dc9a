"""Payments only through official channels, each with the channel's reference.

Source: NIFA 2018 公约 第十九条 (NIFA18-19, docs/packs/cn-sources.md) — repayment only through
channels the institution designates (the lender's account, a payment link, the lender's app, an
auto-debit). fairdebt makes collecting cash or bank cards impossible: payment goes only to the
official channels shown to the borrower (docs/repayment.md). A payment without the channel's
transaction reference cannot be traced to an official channel, so it cannot be recorded at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from fairdebt.domain.errors import DomainError
from fairdebt.domain.loan import Payment
from fairdebt.domain.money import CENT, Money

# the words of docs/import.md (adapters/portfolio/spec.py CHANNELS says the same)
OFFICIAL_CHANNELS = ("bank_transfer", "payment_link", "lender_app", "auto_debit", "other_official")

DETAILS_LIMIT = 200  # one line a borrower reads on a page or a phone


@dataclass(frozen=True, slots=True)
class OfficialChannel:
    """One of the organisation's repayment channels as shown to a borrower: its kind (one of
    OFFICIAL_CHANNELS) and how to use it (the organisation's account, the app's menu, the
    payment link). Always the organisation's own, never a person's account."""

    kind: str
    details: str


def official_channels(text: str) -> tuple[OfficialChannel, ...]:
    """`kind=details` entries separated by `;` (FAIRDEBT_REPAYMENT_CHANNELS), in their order;
    DomainError naming the entry whose kind is not official or whose details are not one
    short line."""
    found: list[OfficialChannel] = []
    for n, entry in enumerate((e.strip() for e in text.split(";")), start=1):
        if not entry:
            continue
        kind, sep, details = (part.strip() for part in entry.partition("="))
        if not sep or kind not in OFFICIAL_CHANNELS:
            raise DomainError(
                f"entry {n} is not 'kind=details' with kind one of {', '.join(OFFICIAL_CHANNELS)}"
            )
        if not details or len(details) > DETAILS_LIMIT or any(c in details for c in "\r\n\0"):
            raise DomainError(f"entry {n}: details must be one line of 1 to {DETAILS_LIMIT} chars")
        found.append(OfficialChannel(kind, details))
    return tuple(found)


class UnofficialPaymentError(DomainError):
    """A payment that did not come through an official channel with its reference."""


def official_payment(
    payment_id: str,
    account_id: str,
    paid_on: date,
    amount: Money,
    channel: str,
    channel_ref: str,
) -> Payment:
    """A Payment, or UnofficialPaymentError when the channel or its reference is missing."""
    if channel not in OFFICIAL_CHANNELS:
        raise UnofficialPaymentError(
            f"payment {payment_id}: {channel!r} is not an official channel "
            f"({', '.join(OFFICIAL_CHANNELS)})"
        )
    if not channel_ref.strip():
        raise UnofficialPaymentError(
            f"payment {payment_id}: no {channel} reference: a payment is recorded only with the "
            "official channel's transaction reference"
        )
    if amount.amount != amount.amount.quantize(CENT) or amount.amount <= Decimal(0):
        raise DomainError(
            f"payment {payment_id}: the amount must be positive, in whole cents, got {amount}"
        )
    return Payment(payment_id, account_id, paid_on, amount, channel, channel_ref.strip())
