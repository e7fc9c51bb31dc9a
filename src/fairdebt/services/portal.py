"""Use cases of the borrower portal: whose case a signed-in borrower sees, what they may set
(preferences), the plans they may propose and sign, and their record.

A borrower user is tied to exactly one borrower (services.users: only a borrower user has a
`borrower_id`), and a borrower has at most one case (cases.borrower_id is unique), so
`case_of_user` is the only way a portal page finds a case: never from an id in the URL.

Preferences are written as the facts the gate already reads, so they hold from the next
decision on: an opt-out is an `opt_out` event (services.inbound.opt_outs_of, as a STOP reply
or an unsubscribe link writes it); an inconvenient time is a `portal_preferences` event whose
`inconvenient` has the shape a recorded call gives (services.calls.inconvenient_of reads both).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from fairdebt.compliance.types import normalise_address
from fairdebt.domain.events import NewEvent
from fairdebt.domain.plan_policy import PlanPolicy, PolicyDecision, Proposal, evaluate
from fairdebt.domain.repayment import Plan, PlanTerms
from fairdebt.errors import FairdebtError
from fairdebt.services.payments import Order
from fairdebt.services.ports import UnitOfWork
from fairdebt.services.repayment import PlanRecord, build_for_account, propose_plan
from fairdebt.services.users import Role, User, create_user, get_user

PORTAL_CHANNELS = ("call", "sms", "email")
WEEKDAYS = range(1, 8)


class PortalError(FairdebtError):
    """A portal request cannot be done as asked."""


def actor_of(user: User) -> str:
    """How the case log names a borrower acting in the portal."""
    return f"borrower:{user.id}"


def case_of_user(uow: UnitOfWork, user: User) -> str | None:
    """The case of the signed-in borrower user, or None (a staff user, or no case yet)."""
    if user.role is not Role.BORROWER or not user.borrower_id:
        return None
    with uow:
        return uow.accounts.case_of_borrower(user.borrower_id)


def borrower_user(uow: UnitOfWork, borrower_id: str) -> User:
    """The borrower user of `borrower_id`, made on first sign-in (a random password nobody
    knows: a borrower signs in with codes)."""
    with uow:
        found = uow.borrower_users.for_borrower(borrower_id)
        if found is not None:
            user = get_user(uow, found)
            if user is not None:
                return user
        name = "borrower-" + hashlib.sha256(borrower_id.encode()).hexdigest()[:24]
        user = create_user(
            uow,
            name,
            Role.BORROWER,
            secrets.token_urlsafe(32),
            "借款人 Borrower",
            borrower_id=borrower_id,
        )
        uow.commit()
    return user


# --- preferences ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Preferences:
    """What the borrower set: an inconvenient window (local HH:MM, weekdays 1-7), a preferred
    channel, and the channel/address pairs they opt out of."""

    window: tuple[time, time] | None = None
    weekdays: tuple[int, ...] = tuple(WEEKDAYS)
    preferred: str | None = None
    opt_outs: tuple[tuple[str, str], ...] = ()


def set_preferences(
    uow: UnitOfWork, case_id: str, prefs: Preferences, user: User, now: datetime
) -> int:
    """Append the preference events (module docstring); how many were appended."""
    if prefs.preferred is not None and prefs.preferred not in PORTAL_CHANNELS:
        raise PortalError(f"unknown channel {prefs.preferred!r}", hint="call, sms or email")
    if any(d not in WEEKDAYS for d in prefs.weekdays):
        raise PortalError("weekdays run 1 (Monday) to 7 (Sunday)")
    data: dict[str, Any] = {"said_at": now.isoformat(), "source": "portal"}
    if prefs.window is not None:
        start, end = prefs.window
        if start == end:
            raise PortalError(
                "the window starts and ends at the same time", hint="e.g. 12:00-14:00"
            )
        data["inconvenient"] = {
            "window": [start.strftime("%H:%M"), end.strftime("%H:%M")],
            "weekdays": sorted(set(prefs.weekdays)),
            "said_at": now.isoformat(),
        }
    if prefs.preferred is not None:
        data["preferred_channel"] = prefs.preferred
    appended = 0
    with uow:
        if len(data) > 2:
            uow.events.append(case_id, NewEvent("portal_preferences", actor_of(user), data), now)
            appended += 1
        known = {(e.data.get("channel"), e.data.get("address")) for e in _opt_outs(uow, case_id)}
        for channel, address in prefs.opt_outs:
            if channel not in PORTAL_CHANNELS:
                raise PortalError(f"unknown channel {channel!r}", hint="call, sms or email")
            pair = (channel, normalise_address(address))
            if pair in known:
                continue
            opt = {
                "channel": channel,
                "address": pair[1],
                "at": now.isoformat(),
                "source": "portal",
            }
            uow.events.append(case_id, NewEvent("opt_out", actor_of(user), opt), now)
            known.add(pair)
            appended += 1
        uow.commit()
    return appended


@dataclass(frozen=True, slots=True)
class Window:
    """An inconvenient window in force: the event that named it (its seq), the window, days."""

    seq: int
    window: tuple[str, str]
    weekdays: tuple[int, ...]
    source: str  # portal | call


def windows_of(events: list[Any]) -> list[Window]:
    """The inconvenient windows in force, as services.calls.inconvenient_of reads them."""
    withdrawn = {e.data.get("withdrawn") for e in events if e.type == "portal_preferences"}
    found = []
    for e in events:
        named = (
            e.data.get("inconvenient")
            if e.type in ("portal_preferences", "contact_recorded")
            else None
        )
        if not named or e.seq in withdrawn:
            continue
        source = "portal" if e.type == "portal_preferences" else "call"
        days = tuple(named.get("weekdays") or WEEKDAYS)
        found.append(
            Window(e.seq, (str(named["window"][0]), str(named["window"][1])), days, source)
        )
    return found


def withdraw_window(uow: UnitOfWork, case_id: str, seq: int, user: User, now: datetime) -> None:
    """The borrower withdraws an inconvenient window they named (in the portal or on a call):
    a `portal_preferences` event naming its seq; collectors may use that time from now on."""
    with uow:
        if seq not in {w.seq for w in windows_of(uow.events.events(case_id))}:
            raise PortalError("no such window of yours", hint="choose one from the list")
        data = {"withdrawn": seq, "said_at": now.isoformat(), "source": "portal"}
        uow.events.append(case_id, NewEvent("portal_preferences", actor_of(user), data), now)
        uow.commit()


def _opt_outs(uow: UnitOfWork, case_id: str) -> list[Any]:
    return [e for e in uow.events.events(case_id) if e.type == "opt_out"]


# --- plans ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Preview:
    plan: Plan
    decision: PolicyDecision
    document: bytes  # the exact text signed, canonical JSON

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.document).hexdigest()


def _owned_account(uow: UnitOfWork, user: User, account_id: str) -> Any:
    account = uow.accounts.get(account_id) if user.borrower_id else None
    if account is None or account.borrower_id != user.borrower_id:
        raise PortalError("no such account of yours", hint="choose one of the accounts listed")
    return account


def preview_plan(
    uow: UnitOfWork,
    user: User,
    account_id: str,
    terms: PlanTerms,
    on: date,
    policy: PlanPolicy,
    order: Order,
) -> Preview:
    """The exact schedule `terms` would give, the policy's answer, and the document to sign;
    nothing is written."""
    with uow:
        account = _owned_account(uow, user, account_id)
        plan = build_for_account(uow, account, terms, on, order)
    decision = evaluate(policy, Proposal.of(plan))
    return Preview(plan, decision, plan_document(account_id, plan, policy.version))


def plan_document(account_id: str, plan: Plan, policy_version: str) -> bytes:
    """What the borrower signs: the terms and every line, as canonical JSON."""
    terms = plan.terms
    body = {
        "account": account_id,
        "kind": terms.kind.value,
        "hardship": terms.hardship,
        "currency": plan.owed.currency,
        "owed": str(plan.owed.total.amount),
        "total": str(plan.total.amount),
        "forgiven": str(plan.forgiven.amount),
        "lines": [
            {
                "seq": i.seq,
                "due_on": i.due_on.isoformat(),
                "principal": str(i.principal.amount),
                "interest": str(i.interest.amount),
                "fee": str(i.fee.amount),
                "total": str(i.total.amount),
            }
            for i in plan.lines
        ],
        "policy_version": policy_version,
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sign_plan(
    uow: UnitOfWork,
    user: User,
    account_id: str,
    terms: PlanTerms,
    on: date,
    policy: PlanPolicy,
    order: Order,
    *,
    signed_name: str,
    expected_sha256: str,
    answer_by: date,
    now: datetime,
) -> PlanRecord:
    """Propose the plan the borrower saw and signed (typed full name; the caller checked a fresh
    one-time code). The document is built again and must hash to what was shown: a schedule that
    changed in between (a payment arrived) is refused, not signed unseen. Inside the policy it is
    accepted at once; outside it waits for the role the policy names (`fairdebt plans approve`),
    and the `plan_signed` event says by when the borrower is promised an answer."""
    name = " ".join(signed_name.split())
    if not 2 <= len(name) <= 100:
        raise PortalError("type your full name to sign", hint="as on your ID card")
    with uow:
        shown = preview_plan(uow, user, account_id, terms, on, policy, order)
        if shown.sha256 != expected_sha256:
            raise PortalError(
                "the plan changed since you saw it", hint="look at the new schedule and sign again"
            )
        record = propose_plan(uow, account_id, terms, on, actor_of(user), policy, now, order)
        data = {
            "plan": record.id,
            "document_sha256": shown.sha256,
            "signed_name": name,
            "method": "typed name + one-time code",
            "decision": record.decision.outcome.value,
            "approver_role": record.decision.approver_role,
            "answer_by": answer_by.isoformat() if record.decision.approver_role else None,
        }
        uow.events.append(record.case_id, NewEvent("plan_signed", actor_of(user), data), now)
        uow.commit()
    return record


# --- the guide: will someone come to my door -----------------------------------------------

NOTICED = ("noticed", "checked_in")  # a visit whose prior notice went out, not yet over


@dataclass(frozen=True, slots=True)
class DoorVisit:
    """A visit of my case I was told about: the day and window the notice gave, and the agents
    once a team is assigned (the names /verify shows at the door)."""

    visit_date: date
    window: tuple[str, str]  # local "HH:MM"
    agents: tuple[str, ...]


def door_visit(uow: UnitOfWork, case_id: str, today: date) -> DoorVisit | None:
    """The next visit of the case whose notice was sent (NOTICED, on `today` or later), else
    None: the guide then answers with the rules. A visit only approved or planned is not shown:
    the borrower hears of a visit from its notice first (FD-VISIT.notice), not from the portal."""
    with uow:
        found = [
            v
            for v in uow.visits.listing(NOTICED, case_id=case_id)
            if v.notice_at is not None and v.visit_date is not None and v.visit_date >= today
        ]
        if not found:
            return None
        visit = min(found, key=lambda v: (v.visit_date or today, v.window_start or "", v.id))
        team = uow.teams.get(visit.team_id) if visit.team_id else None
        members = [uow.users.get(m) for m in team.members] if team else []
    names = tuple(u.display_name for u in members if u is not None)
    window = (visit.window_start or "", visit.window_end or "")
    return DoorVisit(visit.visit_date or today, window, names)
