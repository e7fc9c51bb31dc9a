"""The debtor's acknowledgments on the case log, and the case log as the legal engine's events.

An accepted plan, a promise to pay and a partial payment each interrupt the limitation period
(《最高人民法院关于审理民事案件适用诉讼时效制度若干问题的规定》第十四条, CN-LIM-SX14): the services
that record them append a `debtor_ack` event whose data carries the acknowledgment's `kind`
(fairdebt.legal.limitation.AckKind: installment_promise | partial_payment | repayment_plan |
extension_request) and the date `on`.

`limitation_events` turns a case's log back into the legal engine's `events[]`: every event
whose type is one of the engine's event types (fairdebt.legal.limitation.EventType) and whose
data has an `on` date, with the engine's fields copied (so a `demand_delivered` event recorded
by letters or visits is fed in the same way). An acknowledgment by a payment that was later
reversed is left out: a payment that bounced is no proof that the debtor paid.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fairdebt.domain.events import CaseEvent, NewEvent
from fairdebt.legal.limitation import AckKind, EventType
from fairdebt.services.ports import UnitOfWork

ACK = "debtor_ack"
PAYMENT_REVERSED = "payment_reversed"
CONTRACT_TYPES = frozenset(e.value for e in EventType)
CONTRACT_FIELDS = ("signed_by", "medium", "kind", "ended_on", "debtor_untraceable")


def acknowledgment(kind: AckKind, on: date, actor: str, **refs: str) -> NewEvent:
    """The `debtor_ack` event; `refs` name what it came from (plan, promise, payment, account)."""
    return NewEvent(ACK, actor, {"kind": kind.value, "on": on.isoformat(), **refs})


def limitation_events(
    uow: UnitOfWork, case_id: str, account_id: str | None = None
) -> list[dict[str, Any]]:
    """The legal engine's `events[]` from a case's log, oldest first; only those about
    `account_id` (or about no account in particular) when it is given."""
    with uow:
        log = uow.events.events(case_id)
    reversed_ = {e.data.get("payment") for e in log if e.type == PAYMENT_REVERSED}
    items = [_contract_event(e) for e in log if _counts(e, reversed_, account_id)]
    return sorted(items, key=lambda item: str(item["on"]))


def _counts(event: CaseEvent, reversed_: set[Any], account_id: str | None) -> bool:
    if event.type not in CONTRACT_TYPES or "on" not in event.data:
        return False
    if event.type == ACK and event.data.get("payment") in reversed_:
        return False
    about = event.data.get("account")
    return account_id is None or about is None or about == account_id


def _contract_event(event: CaseEvent) -> dict[str, Any]:
    item: dict[str, Any] = {"type": event.type, "on": event.data["on"]}
    item.update({k: event.data[k] for k in CONTRACT_FIELDS if k in event.data})
    return item


def limitation_request(
    uow: UnitOfWork, case_id: str, account_id: str, as_of: date
) -> dict[str, Any]:
    """The `fairdebt legal limitation` request for one account of a case, from the
    repositories: its current due dates (a plan's, once accepted) and the case's events up to
    `as_of`."""
    with uow:
        due = sorted(set(uow.accounts.due_dates(account_id)))
        known = limitation_events(uow, case_id, account_id)
    events = [e for e in known if e["on"] <= as_of.isoformat()]
    return {
        "jurisdiction": "cn",
        "as_of": as_of.isoformat(),
        "debt": {"due_dates": [d.isoformat() for d in due]},
        "events": events,
    }
