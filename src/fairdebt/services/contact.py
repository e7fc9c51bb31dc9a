"""Use case: ask the gate before a contact, and let a channel send only what the gate allowed.

`ask` builds the gate request from the case's record — the borrower's time zones, the case's
holds, each account's DPD, balance and time-barred flag (services.debt_state), and every contact
recorded in the case log — runs the rule pack, and appends the decision to the case event log
*before* anything is sent.

Two checks the stateless gate cannot make are added at this level, to the decision that is
logged (the gate's own answer for the CLI and API is unchanged):
- a message that demands more than may be demanded (above-cap charges excluded: CN-RATE-29,
  the Supreme People's Court's private-lending provisions, art. 25-29; for a USD account
  15 U.S.C. 1692f(1), the us-regf pack's FD-CONTENT.fees) is denied;
- a message about a debt whose limitation status is `unknown` (a US state's period not sourced,
  or a Chinese period whose end hangs on rest days of a year without holiday data, 民法典 203)
  goes to review if the pack would deny it were the debt time-barred (US-TBD: no threat of suit).
A run of a planned task whose `review` a person approved at the desk is treated as allowed
(services.review_approval: only review rules that approval names; never past a deny).
`ContactGuard.send` refuses any message that does not carry the id of such a logged decision
allowing exactly that contact. It never calls a provider inside an open transaction:
1. it commits the attempt first — a `contact_attempts` row keyed by the decision (a decision
   allows one contact: a second sender finds the row and is refused) and a `contact_attempted`
   event in the case log, which the next decision already counts;
2. it calls the provider, with the decision id as the idempotency key;
3. it commits the outcome — a `contact_recorded` event — and completes the attempt.
If step 3 fails (a crash, a lost connection), the attempt stays `sending` and its event stays
in the log: `reconcile` later asks the provider by the same key and records what happened, or
marks it unconfirmed for a person. Nothing reaches a channel any other way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from fairdebt.adapters.channels.base import (
    Channel,
    ChannelError,
    ContactRefusedError,
    Delivery,
    OutboundMessage,
)
from fairdebt.compliance.engine import decide
from fairdebt.compliance.pack import Packs
from fairdebt.compliance.types import (
    Attempt,
    Borrower,
    DebtState,
    Decision,
    Direction,
    FiredRule,
    GateRequest,
    HistoryEvent,
    Outcome,
    Party,
    Purpose,
    Severity,
    Verdict,
    Visit,
    decision_id,
    normalise_address,
)
from fairdebt.compliance.types import (
    Channel as GateChannel,
)
from fairdebt.domain.events import NewEvent
from fairdebt.domain.loan import Component
from fairdebt.errors import FairdebtError
from fairdebt.services.charges import account_charges
from fairdebt.services.debt_state import (
    UNKNOWN,
    Limitation,
    above_cap_rule,
    above_demandable,
    account_facts,
    demanded_amounts,
    limitations,
    us_state_of,
)
from fairdebt.services.inbound import opt_outs_of
from fairdebt.services.payments import Order
from fairdebt.services.ports import UnitOfWork
from fairdebt.services.ports.repayment import AccountFacts
from fairdebt.services.ports.worklist import Attempt as ContactAttempt
from fairdebt.services.ports.worklist import DebtRow, Person
from fairdebt.services.review_approval import apply_approval

PERMIT_LIFETIME = timedelta(minutes=15)  # time windows and caps move: a decision goes stale
DEFAULT_ORDER: Order = (Component.FEE, Component.INTEREST, Component.PRINCIPAL)  # settings' default
_STRENGTH = {Verdict.ALLOW: 0, Verdict.REVIEW: 1, Verdict.DENY: 2}


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
    # Asked again for a queued message (services.outbox): its own queued event is not history.
    outbox_key: str = ""
    visit: Visit | None = None  # a field visit's facts (services.visits), for the visit rules
    # A planned task's run: a desk approval of that task may count (services.review_approval).
    task_id: int | None = None


@dataclass(frozen=True, slots=True)
class Asked:
    decision: Decision
    decision_id: str


@dataclass(frozen=True, slots=True)
class _Facts:
    """What `ask` read from the database besides the gate request."""

    limitation: dict[str, Limitation]
    day: date


def ask(
    uow: UnitOfWork,
    request: ContactRequest,
    now: datetime,
    packs: Packs,
    pack: str,
    *,
    order: Order = DEFAULT_ORDER,
    ceiling: Decimal | None = None,
) -> Asked:
    """Decide with the case's own record, and log the decision before returning it.

    `order` (the payment allocation order) and `ceiling` (a licensed lender's rate ceiling) are
    what services.charges needs to say what may be demanded."""
    with uow:
        view = _view(uow, request.case_id, now)
        decision, logged = _decide(uow, view, request, now, packs, pack, (order, ceiling))
        uow.events.append(request.case_id, logged, now)
        uow.commit()
    return Asked(decision, decision.id)


def decide_many(
    uow: UnitOfWork,
    requests: Sequence[tuple[ContactRequest, str]],
    now: datetime,
    packs: Packs,
    *,
    order: Order = DEFAULT_ORDER,
    ceiling: Decimal | None = None,
) -> list[tuple[Decision, NewEvent]]:
    """`ask` for many (request, pack) pairs at one instant, each case's record read once; per
    request its decision and the `gate_decision` event to log. Nothing is written: the caller
    appends the events in the transaction that acts on the decisions (services.outbox), so a
    decision is on the record with what it allowed, or neither is.

    Every request is decided on the record as read, as `ask` would decide them one after
    another: the decisions `ask` logs in between are not contacts, so they change no answer."""
    with uow:
        views = _views(uow, [r.case_id for r, _pack in requests], now)
        return [
            _decide(uow, views[r.case_id], r, now, packs, pack, (order, ceiling))
            for r, pack in requests
        ]


def _views(uow: UnitOfWork, case_ids: Sequence[str], now: datetime) -> dict[str, _CaseView]:
    """`_view` of many cases, each kind of record read once for all of them."""
    found = uow.cases.get_many(case_ids)
    missing = sorted(set(case_ids) - set(found))
    if missing:
        raise FairdebtError(f"no case {missing[0]}", hint="check the case id")
    borrowers = sorted({c.borrower_id for c in found.values()})
    persons = uow.directory.persons(borrowers)
    logs = uow.events.events_of(found, without=NOT_READ_BY_THE_GATE)
    facts = uow.accounts.facts_of(borrowers)
    debts = uow.directory.debts_of(borrowers)
    return {
        case_id: _view_of(
            case.holds,
            persons[case.borrower_id],
            logs[case_id],
            facts[case.borrower_id],
            debts[case.borrower_id],
            now,
        )
        for case_id, case in found.items()
    }


# Event types no part of a case view reads (history_of, opt_outs_of, inconvenient_of,
# limitations, apply_approval read contacts, opt-outs, named times, contract events and
# approvals): the gate's own earlier decisions, about two in five of a log's events where the
# outbox sends, are left unread when many cases are read at once.
NOT_READ_BY_THE_GATE = frozenset({"gate_decision"})


@dataclass(frozen=True, slots=True)
class _CaseView:
    """What the gate reads of one case, whatever is asked about it."""

    log: list[Any]
    borrower: Borrower
    facts: _Facts


def _decide(
    uow: UnitOfWork,
    view: _CaseView,
    request: ContactRequest,
    now: datetime,
    packs: Packs,
    pack: str,
    charges: tuple[Order, Decimal | None],
) -> tuple[Decision, NewEvent]:
    gate_request = _request_of(view, request, now, pack)
    decision = decide(gate_request, packs=packs)
    extra = _app_rules(uow, gate_request, decision, view.facts, packs, charges)
    decision = with_rules(decision, extra)
    decision, approved = apply_approval(decision, view.log, request.task_id, now)
    return decision, _logged(request, decision, view.facts, approved)


def _logged(
    request: ContactRequest, decision: Decision, facts: _Facts, approved: Mapping[str, Any]
) -> NewEvent:
    attempt = {
        "channel": request.channel,
        "party": request.party,
        "purpose": request.purpose,
        "to": normalise_address(request.to),
        "collector": request.collector,
    }
    limitation = {k: v.to_json() for k, v in facts.limitation.items() if v.law}
    as_dict = decision.to_dict()  # its id is the hash of this: built once, not three times
    data = {"decision_id": decision_id(as_dict), "decision": as_dict, "attempt": attempt}
    data |= {"limitation": limitation, **approved}  # approved_by, approval_seq: a person's word
    return NewEvent("gate_decision", request.actor, data)


def _view(uow: UnitOfWork, case_id: str, now: datetime) -> _CaseView:
    """The case's record as the gate reads it: its borrower, holds, debts and log."""
    case = uow.cases.get(case_id)
    if case is None:
        raise FairdebtError(f"no case {case_id}", hint="check the case id")
    return _view_of(
        case.holds,
        uow.directory.person(case.borrower_id),
        uow.events.events(case_id),  # read once: history and limitation
        account_facts(uow, case.borrower_id),
        uow.directory.debts(case.borrower_id),
        now,
    )


def _view_of(
    holds: Any,
    person: Person,
    log: list[Any],
    accounts: list[AccountFacts],
    debt_rows: list[DebtRow],
    now: datetime,
) -> _CaseView:
    day = now.astimezone(ZoneInfo(person.timezone)).date()
    state = us_state_of(person.address, person.city)
    limitation = limitations(accounts, log, state, day)
    from fairdebt.services.calls import inconvenient_of  # calls builds on this module

    borrower = Borrower(
        timezones=(person.timezone,),
        holds=frozenset(holds),
        debts=_debts(debt_rows, limitation),
        opt_outs=opt_outs_of(log),  # replies such as STOP / 退订, unsubscribe links
        inconvenient=inconvenient_of(log),  # times the borrower named on a call
    )
    return _CaseView(log, borrower, _Facts(limitation, day))


def _gate_request(
    uow: UnitOfWork,
    request: ContactRequest,
    borrower_id: str,
    holds: Any,
    now: datetime,
    pack: str,
) -> tuple[GateRequest, _Facts]:
    """The gate request `ask` would decide for a case of this borrower with these holds, and
    what was read besides it."""
    view = _view_of(
        holds,
        uow.directory.person(borrower_id),
        uow.events.events(request.case_id),
        account_facts(uow, borrower_id),
        uow.directory.debts(borrower_id),
        now,
    )
    return _request_of(view, request, now, pack), view.facts


def _request_of(view: _CaseView, request: ContactRequest, now: datetime, pack: str) -> GateRequest:
    attempt = Attempt(
        channel=GateChannel(request.channel),
        party=Party(request.party),
        purpose=Purpose(request.purpose),
        debts=tuple(d.id for d in view.borrower.debts) or ("-",),
        collector=request.collector,
        to=request.to,
        content=request.content,
        visit=request.visit,
    )
    history = history_of(view.log, excluding=request.outbox_key)
    return GateRequest(pack=pack, now=now, attempt=attempt, borrower=view.borrower, history=history)


def _debts(rows: list[DebtRow], limitation: Mapping[str, Limitation]) -> tuple[DebtState, ...]:
    return tuple(
        DebtState(
            id=r.id,
            dpd=r.dpd,
            currency=r.currency,
            balance=Decimal(r.outstanding_cents or 0).scaleb(-2),
            time_barred=r.id in limitation and limitation[r.id].time_barred,
        )
        for r in rows
    )


def _app_rules(
    uow: UnitOfWork,
    gate: GateRequest,
    decision: Decision,
    facts: _Facts,
    packs: Packs,
    charges: tuple[Order, Decimal | None],
) -> tuple[FiredRule, ...]:
    """The application's own checks on the attempt's content (module docstring)."""
    content = gate.attempt.content
    if not content:
        return ()
    capped: tuple[FiredRule, ...] = ()
    if demanded_amounts(content):  # the charge breakdown is read only for a stated sum
        demandable = _demandable(uow, gate.borrower.debts, facts.day, *charges)
        above = above_demandable(content, demandable)
        capped = (above_cap_rule(above, demandable),) if above else ()
    unknown = {k: v.why_unknown for k, v in facts.limitation.items() if v.status == UNKNOWN}
    from fairdebt.services.legal_stage import stage_rules  # words of an unplanned legal action

    legal = stage_rules(uow, gate, decision, packs)
    return capped + _unknown_limitation_review(gate, decision, unknown, packs) + legal


def _demandable(
    uow: UnitOfWork,
    debts: Sequence[DebtState],
    day: date,
    order: Order,
    ceiling: Decimal | None,
) -> dict[str, Decimal]:
    """What may be demanded of the borrower's accounts on `day`, by currency."""
    total: dict[str, Decimal] = {}
    for debt in debts:
        charges = account_charges(uow, debt.id, day, order, ceiling)
        total[charges.currency] = total.get(charges.currency, Decimal(0)) + charges.demandable
    return total


def _unknown_limitation_review(
    gate: GateRequest, decision: Decision, unknown: Mapping[str, str], packs: Packs
) -> tuple[FiredRule, ...]:
    """Rules that would deny this content were the unknown-limitation debts time-barred:
    a person must check the period (the state's figure, or the rest days of a year without
    holiday data) before such a message goes out."""
    if not unknown:
        return ()
    debts = tuple(
        replace(d, time_barred=d.id in unknown or d.time_barred) for d in gate.borrower.debts
    )
    what_if = decide(replace(gate, borrower=replace(gate.borrower, debts=debts)), packs=packs)
    fired = {r.id for r in decision.rules}
    return tuple(
        FiredRule(
            r.id,
            r.citation,
            Severity.REVIEW,
            f"The limitation period of {_why_unknown(unknown)}; if it has run: {r.message}",
        )
        for r in what_if.rules
        if r.severity is Severity.DENY and r.id not in fired
    )


def _why_unknown(unknown: Mapping[str, str]) -> str:
    """`a1, a2 is not sourced for the borrower's state; a3 may end on a rest day of 2027 …`"""
    by_reason: dict[str, list[str]] = {}
    for account, why in sorted(unknown.items()):
        by_reason.setdefault(why or "is not known", []).append(account)
    return "; ".join(f"{', '.join(accounts)} {why}" for why, accounts in by_reason.items())


def with_rules(decision: Decision, extra: Sequence[FiredRule]) -> Decision:
    """The gate's decision with the application's rules added: the strictest verdict wins, and a
    content denial cannot be waited out."""
    if not extra:
        return decision
    verdict = decision.decision
    for rule in extra:
        candidate = Verdict(rule.severity.value)
        verdict = candidate if _STRENGTH[candidate] > _STRENGTH[verdict] else verdict
    added_deny = any(r.severity is Severity.DENY for r in extra)
    allowed_from = None if added_deny or verdict is not Verdict.DENY else decision.allowed_from
    return replace(
        decision, decision=verdict, rules=(*decision.rules, *extra), allowed_from=allowed_from
    )


# What an attempt whose outcome was never recorded counts as: the most that may have happened.
UNRECORDED_OUTCOME = {"call": "conversation", "visit": "conversation", "voicemail": "voicemail"}


def history_of(events: list[Any], excluding: str = "") -> tuple[HistoryEvent, ...]:
    """The case's contacts, in the gate's words: each recorded contact; each attempt whose
    outcome is not recorded (yet), as the most it may have been (UNRECORDED_OUTCOME); and each
    message queued in the outbox and not yet delivered, in flight, cancelled or failed, as
    delivered when it was queued (but not the one whose key is `excluding`: the message the
    gate is being asked about)."""
    recorded = {e.data.get("decision_id") for e in events if e.type == "contact_recorded"}
    settled = {  # queued messages that ended, were delivered, or are in flight (counted so)
        e.data.get("key")
        for e in events
        if e.type in ("contact_cancelled", "contact_failed")
        or (e.type == "contact_recorded" and e.data.get("outcome") != "failed")
        or (e.type == "contact_attempted" and e.data["decision_id"] not in recorded)
    }
    out = []
    for event in events:
        if event.type == "contact_attempted" and event.data["decision_id"] not in recorded:
            d = event.data | {"outcome": UNRECORDED_OUTCOME.get(event.data["channel"], "delivered")}
        elif event.type == "contact_recorded":
            d = event.data
        elif (
            event.type == "contact_queued"
            and event.data["key"] not in settled
            and event.data["key"] != excluding
        ):
            d = event.data | {"outcome": UNRECORDED_OUTCOME.get(event.data["channel"], "delivered")}
        else:
            continue
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
    """The only way to a channel: checks the logged decision, records the attempt, sends, records
    the contact (module docstring: three steps, no provider call inside a transaction)."""

    def __init__(self, uow: UnitOfWork, channels: Mapping[str, Channel]) -> None:
        self.uow = uow
        self.channels = channels

    def send(
        self, message: OutboundMessage, now: datetime, actor: str, task_id: int | None = None
    ) -> str:
        channel = self.channels.get(message.channel)
        if channel is None:
            raise ContactRefusedError(f"refused: no {message.channel} channel here")
        attempt = self._start(message, now, actor, task_id)
        try:
            delivery = channel.deliver(replace(message, key=message.decision_id or ""))
        except ChannelError as exc:
            self._record(message.case_id, attempt, Delivery("failed", f"error: {exc.cause}"), now)
            raise
        self._record(message.case_id, attempt, delivery, now)
        return delivery.outcome

    def _start(
        self, message: OutboundMessage, now: datetime, actor: str, task_id: int | None
    ) -> dict[str, Any]:
        """Step 1: the attempt, committed before anything leaves."""
        with self.uow as uow:
            logged = _permit(uow.events.events(message.case_id), message, now)
            decision_id = str(message.decision_id)
            started = ContactAttempt(
                decision_id, message.case_id, task_id, message.channel, "sending", now
            )
            if not uow.attempts.start(started):
                raise ContactRefusedError("refused: that decision was already used for a contact")
            data = {
                "decision_id": decision_id,
                "at": now.isoformat(),
                "channel": message.channel,
                "direction": "out",
                "party": logged["party"],
                "to": message.to,
                "collector": logged["collector"],
                "actor": actor,
            }
            uow.events.append(message.case_id, NewEvent("contact_attempted", actor, data), now)
            uow.commit()
        return data

    def _record(
        self, case_id: str, attempt: dict[str, Any], delivery: Delivery, now: datetime
    ) -> None:
        """Step 3: the outcome (a failure here leaves the attempt for `reconcile`)."""
        with self.uow as uow:
            record_outcome(uow, case_id, attempt, delivery, now)
            uow.commit()


def record_outcome(
    uow: UnitOfWork, case_id: str, attempt: dict[str, Any], delivery: Delivery, at: datetime
) -> None:
    """Append the `contact_recorded` event of an attempt and complete it (inside `uow`)."""
    uow.events.append(case_id, _recorded(attempt, delivery), at)
    uow.attempts.complete(attempt["decision_id"], delivery.outcome, delivery.provider_ref, at)


def record_outcomes(
    uow: UnitOfWork,
    done: Sequence[tuple[str, dict[str, Any], Delivery]],
    at: datetime,
) -> None:
    """`record_outcome` for many (case id, attempt, delivery), the events appended together."""
    uow.events.append_many(((case_id, _recorded(a, d)) for case_id, a, d in done), at)
    uow.attempts.complete_many(
        [(a["decision_id"], d.outcome, d.provider_ref) for _case_id, a, d in done], at
    )


def _recorded(attempt: dict[str, Any], delivery: Delivery) -> NewEvent:
    data = {k: v for k, v in attempt.items() if k != "actor"}
    data |= {"outcome": delivery.outcome, "provider_ref": delivery.provider_ref}
    return NewEvent("contact_recorded", attempt["actor"], data)


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
        e.type in ("contact_attempted", "contact_recorded")
        and e.data.get("decision_id") == message.decision_id
        for e in events
    ):
        raise ContactRefusedError("refused: that decision was already used for a contact")
    if now - datetime.fromisoformat(logged.at.replace("Z", "+00:00")) > PERMIT_LIFETIME:
        raise ContactRefusedError("refused: the decision is stale; ask the gate again")
    return dict(attempt)


RECONCILE_AFTER = timedelta(minutes=5)  # an attempt still `sending` this long was interrupted


@dataclass(frozen=True, slots=True)
class Reconciled:
    recorded: int  # the provider knew the message: its outcome is recorded now
    unconfirmed: int  # the provider did not: a person must find out


def reconcile(
    uow: UnitOfWork,
    channels: Mapping[str, Channel],
    now: datetime,
    *,
    older_than: timedelta = RECONCILE_AFTER,
    task_id: int | None = None,
) -> Reconciled:
    """Finish the attempts whose outcome was never recorded (module docstring, step 3): ask the
    provider by the decision's key and record what it says, or mark the attempt unconfirmed
    and log `contact_unconfirmed` (it keeps counting for the gate as the most it may have been).
    With `task_id`, only that task's attempts, however recent."""
    with uow:
        if task_id is None:
            stale = uow.attempts.unfinished(now - older_than)
        else:
            stale = [a for a in uow.attempts.of_task(task_id) if a.status == "sending"]
    recorded = unconfirmed = 0
    for attempt in stale:
        channel = channels.get(attempt.channel)
        delivery = channel.lookup(attempt.decision_id) if channel is not None else None
        with uow:
            data = attempted_event(uow.events.events(attempt.case_id), attempt.decision_id)
            if delivery is not None and data is not None:
                record_outcome(uow, attempt.case_id, data, delivery, now)
                recorded += 1
            else:
                uow.attempts.mark_unconfirmed(attempt.decision_id, now)
                event = NewEvent(
                    "contact_unconfirmed", "reconciler", {"decision_id": attempt.decision_id}
                )
                uow.events.append(attempt.case_id, event, now)
                unconfirmed += 1
            uow.commit()
    return Reconciled(recorded, unconfirmed)


def attempted_event(events: list[Any], decision_id: str) -> dict[str, Any] | None:
    """The data of the `contact_attempted` event of a decision (None: there is none)."""
    return next(
        (
            dict(e.data)
            for e in events
            if e.type == "contact_attempted" and e.data["decision_id"] == decision_id
        ),
        None,
    )
