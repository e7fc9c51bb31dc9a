"""Use case: ask the gate before a contact, and let a channel send only what the gate allowed.

`ask` builds the gate request from the case's record — the borrower's time zones, the case's
holds, each account's DPD and balance, and every contact recorded in the case log — runs the
rule pack, and appends the decision to the case event log *before* anything is sent.
`ContactGuard.send` refuses any message that does not carry the id of such a logged decision
allowing exactly that contact; after sending it records the contact, which becomes history for
the next decision. Nothing reaches a channel any other way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from fairdebt.adapters.channels.base import Channel, ContactRefusedError, OutboundMessage
from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.repositories import SqlEventLog
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.compliance.engine import decide
from fairdebt.compliance.pack import Packs
from fairdebt.compliance.types import (
    Attempt,
    Borrower,
    DebtState,
    Decision,
    Direction,
    GateRequest,
    HistoryEvent,
    Outcome,
    Party,
    Purpose,
    Verdict,
    normalise_address,
)
from fairdebt.compliance.types import (
    Channel as GateChannel,
)
from fairdebt.domain.events import NewEvent
from fairdebt.errors import FairdebtError

PERMIT_LIFETIME = timedelta(minutes=15)  # time windows and caps move: a decision goes stale


@dataclass(frozen=True, slots=True)
class ContactRequest:
    case_id: str
    channel: str
    party: str
    purpose: str
    to: str
    collector: str
    actor: str
    content: str | None = None


@dataclass(frozen=True, slots=True)
class Asked:
    decision: Decision
    decision_id: str


def ask(engine: Engine, request: ContactRequest, now: datetime, packs: Packs, pack: str) -> Asked:
    """Decide with the case's own record, and log the decision before returning it."""
    with SqlUnitOfWork(engine) as uow:
        case = uow.cases.get(request.case_id)
        if case is None:
            raise FairdebtError(f"no case {request.case_id}", hint="check the case id")
        gate_request = _gate_request(uow.conn, request, case.borrower_id, case.holds, now, pack)
        decision = decide(gate_request, packs=packs)
        uow.events.append(
            request.case_id,
            NewEvent(
                "gate_decision",
                request.actor,
                {
                    "decision_id": decision.id,
                    "decision": decision.to_dict(),
                    "attempt": {
                        "channel": request.channel,
                        "party": request.party,
                        "purpose": request.purpose,
                        "to": normalise_address(request.to),
                        "collector": request.collector,
                    },
                },
            ),
            now,
        )
        uow.commit()
    return Asked(decision, decision.id)


def _gate_request(
    conn: Connection,
    request: ContactRequest,
    borrower_id: str,
    holds: Any,
    now: datetime,
    pack: str,
) -> GateRequest:
    zone = conn.execute(select(t.borrowers.c.timezone).where(t.borrowers.c.id == borrower_id))
    debts = _debts(conn, borrower_id)
    attempt = Attempt(
        channel=GateChannel(request.channel),
        party=Party(request.party),
        purpose=Purpose(request.purpose),
        debts=tuple(d.id for d in debts) or ("-",),
        collector=request.collector,
        to=request.to,
        content=request.content,
    )
    borrower = Borrower(timezones=(zone.scalar_one(),), holds=frozenset(holds), debts=debts)
    history = history_of(SqlEventLog(conn).events(request.case_id))
    return GateRequest(pack=pack, now=now, attempt=attempt, borrower=borrower, history=history)


def _debts(conn: Connection, borrower_id: str) -> tuple[DebtState, ...]:
    from decimal import Decimal

    rows = conn.execute(
        select(
            t.accounts.c.id,
            t.accounts.c.currency,
            t.account_status.c.dpd,
            t.account_status.c.outstanding_cents,
        )
        .join(t.account_status, t.account_status.c.account_id == t.accounts.c.id, isouter=True)
        .where(t.accounts.c.borrower_id == borrower_id)
        .order_by(t.accounts.c.id)
    )
    return tuple(
        DebtState(
            id=r.id,
            dpd=r.dpd,
            currency=r.currency,
            balance=Decimal(r.outstanding_cents or 0).scaleb(-2),
        )
        for r in rows
    )


def history_of(events: list[Any]) -> tuple[HistoryEvent, ...]:
    """The case's recorded contacts, in the gate's words."""
    out = []
    for event in events:
        if event.type != "contact_recorded":
            continue
        d = event.data
        out.append(
            HistoryEvent(
                at=datetime.fromisoformat(d["at"]),
                channel=GateChannel(d["channel"]),
                direction=Direction(d["direction"]),
                outcome=Outcome(d["outcome"]),
                debts=tuple(d.get("debts", ())),
                party=Party(d.get("party", "debtor")),
                to=d.get("to"),
                collector=d.get("collector"),
                address=normalise_address(d["to"]) if d.get("to") else None,
            )
        )
    return tuple(out)


class ContactGuard:
    """The only way to a channel: checks the logged decision, sends, records the contact."""

    def __init__(self, engine: Engine, channels: dict[str, Channel]) -> None:
        self.engine = engine
        self.channels = channels

    def send(self, message: OutboundMessage, now: datetime, actor: str) -> str:
        with SqlUnitOfWork(self.engine) as uow:
            events = uow.events.events(message.case_id)
            attempt = _permit(events, message, now)
            delivery = self.channels[message.channel].deliver(message)
            uow.events.append(
                message.case_id,
                NewEvent(
                    "contact_recorded",
                    actor,
                    {
                        "decision_id": message.decision_id,
                        "at": now.isoformat(),
                        "channel": message.channel,
                        "direction": "out",
                        "outcome": delivery.outcome,
                        "party": attempt["party"],
                        "to": message.to,
                        "collector": attempt["collector"],
                        "provider_ref": delivery.provider_ref,
                    },
                ),
                now,
            )
            uow.commit()
        return delivery.outcome


def _permit(events: list[Any], message: OutboundMessage, now: datetime) -> dict[str, Any]:
    """The logged attempt that allows `message`, or ContactRefusedError saying why not."""
    if not message.decision_id:
        raise ContactRefusedError("refused: the message carries no gate decision")
    logged = next(
        (
            e
            for e in events
            if e.type == "gate_decision" and e.data["decision_id"] == message.decision_id
        ),
        None,
    )
    if logged is None:
        raise ContactRefusedError("refused: no such gate decision in this case's log")
    if logged.data["decision"]["decision"] != Verdict.ALLOW.value:
        raise ContactRefusedError(f"refused: the gate said {logged.data['decision']['decision']}")
    attempt = logged.data["attempt"]
    if (attempt["channel"], attempt["to"]) != (message.channel, normalise_address(message.to)):
        raise ContactRefusedError("refused: the decision was for another channel or address")
    if any(
        e.type == "contact_recorded" and e.data.get("decision_id") == message.decision_id
        for e in events
    ):
        raise ContactRefusedError("refused: that decision was already used for a contact")
    if now - datetime.fromisoformat(logged.at.replace("Z", "+00:00")) > PERMIT_LIFETIME:
        raise ContactRefusedError("refused: the decision is stale; ask the gate again")
    return dict(attempt)
