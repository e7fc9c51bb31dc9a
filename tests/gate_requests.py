"""Builders for contact-gate requests: a valid request with defaults, events, helpers.

Each worked case of docs/packs/*-sources.md becomes a request built from these, so a test
reads like the case: who is contacted, when, on which channel, after which earlier contacts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fairdebt.compliance.engine import decide
from fairdebt.compliance.pack import builtin_packs
from fairdebt.compliance.types import Decision

CN_ZONE = "Asia/Shanghai"
DEBTOR_PHONE = "+86 138 0000 0000"
US_PHONE = "+1 212 555 0100"


def request(
    now: str,
    *,
    pack: str = "cn",
    channel: str = "call",
    party: str = "debtor",
    purpose: str = "collect",
    debts: tuple[str, ...] = ("D1",),
    collector: str = "bank",
    to: str | None = DEBTOR_PHONE,
    content: str | None = None,
    history: list[dict[str, Any]] | None = None,
    locale: str | None = None,
    borrower_debts: list[dict[str, Any]] | None = None,
    **borrower: Any,
) -> dict[str, Any]:
    """A schema-valid request; keyword arguments beyond the attempt's go to `borrower`
    (`borrower_debts` is the borrower's `debts`: `debts` names the attempt's)."""
    attempt: dict[str, Any] = {
        "channel": channel,
        "party": party,
        "purpose": purpose,
        "debts": list(debts),
        "collector": collector,
    }
    if to is not None:
        attempt["to"] = to
    if content is not None:
        attempt["content"] = content
    for key in ("visit", "public_place"):
        if key in borrower:
            attempt[key] = borrower.pop(key)
    borrower.setdefault("timezones", [CN_ZONE])
    if borrower_debts is not None:
        borrower["debts"] = borrower_debts
    out: dict[str, Any] = {"pack": pack, "now": now, "attempt": attempt, "borrower": borrower}
    if history:
        out["history"] = history
    if locale:
        out["locale"] = locale
    return out


def event(
    at: str,
    *,
    outcome: str = "no_answer",
    channel: str = "call",
    direction: str = "out",
    party: str = "debtor",
    collector: str | None = "bank",
    to: str | None = DEBTOR_PHONE,
    debts: tuple[str, ...] = ("D1",),
    consent_given: bool = False,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "at": at,
        "channel": channel,
        "direction": direction,
        "outcome": outcome,
        "party": party,
        "debts": list(debts),
    }
    if collector is not None:
        out["collector"] = collector
    if to is not None:
        out["to"] = to
    if consent_given:
        out["consent_given"] = True
    return out


def every(start: str, count: int, step: timedelta, **kw: Any) -> list[dict[str, Any]]:
    """`count` events from `start`, one every `step`."""
    first = datetime.fromisoformat(start)
    return [event((first + i * step).isoformat(), **kw) for i in range(count)]


def visit(**overrides: Any) -> dict[str, Any]:
    """A visit that meets every precondition of the cn pack unless overridden."""
    base: dict[str, Any] = {
        "agents": [{"id": "agent-1"}, {"id": "agent-2"}],
        "notice_sent_at": "2026-02-27T09:00:00+08:00",
        "approved": True,
        "address_matches_approved": True,
        "recording": True,
        "enter_home": False,
        "collect_cash_or_card": False,
    }
    return {**base, **overrides}


def gate(req: dict[str, Any]) -> Decision:
    return decide(req, packs=builtin_packs())


def fired(decision: Decision) -> set[str]:
    return {r.id for r in decision.rules}


def denied_by(decision: Decision) -> set[str]:
    return {r.id for r in decision.rules if r.severity == "deny"}
