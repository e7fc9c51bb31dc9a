"""Use cases: a collector's call to the borrower — check with the gate, start, record.

A call is made by a person, so it is not "sent" like a message; it goes in three steps, each on
the record before the next:
1. `check`: the gate's decision for a call to the borrower's number, logged in the case log
   before anything happens (services.contact.ask). The `collector` the gate counts for is the
   contacting entity: the signed-in user's agency, or `in-house`; the actor is the user. A call
   task the gate does not allow now is deferred to when it does, refused or sent to review, as
   the automated runner does with messages; an allowed one stays open until its outcome.
2. `start_call`: the decision must allow, still be fresh (services.contact.PERMIT_LIFETIME) and
   unused, and the borrower's local time must still be inside the pack's contact hours; then
   the attempt is committed — a `contact_attempts` row and a `contact_attempted` event
   (ContactGuard's step 1), which the next decision already counts as a conversation — and only
   then the dialer is asked (manual: nothing to do, the collector dials by hand).
3. `record_call`: what happened. Only this makes the contact done: a `contact_recorded` event
   in the gate's outcome words (conversation, no_answer, busy) with the detailed outcome beside
   it (`call_outcome`, notes, a promise, a named inconvenient time, a call-back), the attempt
   completed, and the call task finished. A promise to pay goes through services.promises; a
   call-back becomes a follow-up call task due on the borrower's local day of that instant.

Times the borrower names as inconvenient (12 CFR 1006.6(b)(1), comment 6(b)(1)-1) are kept in
the `contact_recorded` event (`inconvenient`, in the gate's Inconvenient shape), read back by
`inconvenient_of`. The gate request that services.contact.ask builds does not carry them, so
`check` asks the pack's `inconvenient` rules itself with them and logs the amended decision
(`amends`: the gate's own decision id), and `start_call` asks them again (with the time-window
rules) at the moment of the call. A pack without such rules (cn) is not affected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from fairdebt.adapters.channels.base import ContactRefusedError, Delivery, OutboundMessage
from fairdebt.adapters.channels.calls import Dialer
from fairdebt.compliance.context import Context
from fairdebt.compliance.localtime import format_clock, parse_clock
from fairdebt.compliance.pack import Packs
from fairdebt.compliance.types import (
    Attempt,
    Borrower,
    Channel,
    Decision,
    FiredRule,
    GateRequest,
    Inconvenient,
    Party,
    Purpose,
    Severity,
    Verdict,
)
from fairdebt.domain.case import Case, CaseStatus
from fairdebt.domain.events import NewEvent
from fairdebt.domain.payment_channel import OFFICIAL_CHANNELS
from fairdebt.errors import FairdebtError
from fairdebt.services.contact import (
    DEFAULT_ORDER,
    ContactGuard,
    ContactRequest,
    ask,
    history_of,
    record_outcome,
)
from fairdebt.services.payments import Order
from fairdebt.services.ports import UnitOfWork
from fairdebt.services.ports.identity import Role, User
from fairdebt.services.ports.worklist import FOLLOW_UP_ACTIONS, WORKABLE, TaskFilter, TaskOutcome
from fairdebt.services.promises import add_promise

IN_HOUSE = "in-house"  # the gate's `collector` when no agency has the case (worklist_execute)
PACK_BY_CURRENCY = {"USD": "us-regf"}  # other currencies: the deployment's default pack
TIME_FAMILIES = frozenset({"time_window", "inconvenient"})

# The detailed outcomes a collector records, and the gate's outcome word each is counted as.
# A call someone answered is a conversation for the caps, whoever it was and however it went
# (a wrong party or a refusal to talk still connected: the conservative count).
OUTCOMES: dict[str, str] = {
    "connected": "conversation",
    "no_answer": "no_answer",
    "busy": "busy",
    "wrong_party": "conversation",
    "refused_to_talk": "conversation",
    "promise_to_pay": "conversation",
    "plan_proposed": "conversation",
    "dispute": "conversation",
    "complaint": "conversation",
    "inconvenient_time": "conversation",
    "callback_at": "conversation",
}


class CallRefusedError(FairdebtError):
    """The call cannot go ahead as asked (the cause says why, the hint what to do)."""


@dataclass(frozen=True, slots=True)
class CallCheck:
    """The gate's answer for a call, and what the page needs to go on."""

    case_id: str
    task_id: int | None
    decision: Decision
    decision_id: str
    to: str  # the number the decision is for (the page masks it)
    zone: str  # the borrower's time zone
    gate_decision_id: str = ""  # the gate's own decision, when `decision` amends it


@dataclass(frozen=True, slots=True)
class StartedCall:
    decision_id: str
    case_id: str
    to: str
    provider_ref: str
    manual: bool  # True: the collector dials `to` by hand now


@dataclass(frozen=True, slots=True)
class CallForm:
    """An outcome as the collector entered it (strings, as a form sends them)."""

    outcome: str
    notes: str = ""
    amount: str = ""  # promise_to_pay
    due_on: str = ""  # promise_to_pay: YYYY-MM-DD
    channel: str = "bank_transfer"  # promise_to_pay: the official channel promised
    window_from: str = ""  # inconvenient_time: HH:MM, the borrower's local time
    window_to: str = ""
    weekdays: tuple[int, ...] = ()  # inconvenient_time: 1 = Monday … 7; none: every day
    callback_at: str = ""  # callback_at: YYYY-MM-DDTHH:MM, the borrower's local time


@dataclass(frozen=True, slots=True)
class RecordedCall:
    decision_id: str
    case_id: str
    outcome: str  # the detailed outcome
    gate_outcome: str
    promise_id: str | None = None
    follow_up: bool = False  # a call-back task was made
    notes: tuple[str, ...] = field(default_factory=tuple)


def actor_of(user: User) -> str:
    return f"{user.role.value}:{user.username}"


def collector_of(user: User) -> str:
    """The contacting entity the gate counts for: the user's agency, or in-house staff."""
    return user.agency_id if user.role is Role.AGENCY and user.agency_id else IN_HOUSE


def may_dial(user: User, case: Case) -> bool:
    """Only the one the case is assigned to places its calls (and sees the number in full):
    the collector by user name, or a user of the agency it is placed with."""
    assignee = case.assignee
    if assignee is None:
        return False
    if user.role is Role.COLLECTOR:
        return assignee.kind.value == "collector" and assignee.id == user.username
    if user.role is Role.AGENCY:
        return assignee.kind.value == "agency" and assignee.id == user.agency_id
    return False


# --- 1. check ------------------------------------------------------------------------------


def check(
    uow: UnitOfWork,
    user: User,
    now: datetime,
    packs: Packs,
    *,
    task_id: int | None = None,
    case_id: str | None = None,
    to: str | None = None,
    default_pack: str = "cn",
    order: Order = DEFAULT_ORDER,
) -> CallCheck:
    """The gate's decision for a call to the borrower, logged before anything happens: for a
    call task (its case, the borrower's first phone) or for a case and the number `to`."""
    case_id, task_id, to, currency = _target(uow, task_id, case_id, to)
    pack = PACK_BY_CURRENCY.get(currency, default_pack)
    request = ContactRequest(
        case_id, "call", "debtor", "collect", to, collector_of(user), actor_of(user)
    )
    asked = ask(uow, request, now, packs, pack, order=order)
    with uow:
        zone = _zone(uow, case_id)
        amended = _amended(uow, case_id, asked.decision, now, packs, actor_of(user))
        uow.commit()
    decision = amended or asked.decision
    if task_id is not None and decision.decision is not Verdict.ALLOW:
        _not_now(uow, task_id, decision, now, zone)
    gate_id = asked.decision_id if amended else ""
    return CallCheck(case_id, task_id, decision, decision.id, to, zone, gate_id)


def _not_now(uow: UnitOfWork, task_id: int, decision: Decision, now: datetime, zone: str) -> None:
    """A call the gate does not allow leaves the queue as services.worklist_execute leaves a
    task: deferred to the borrower's local day of `allowed_from` (and not asked before it),
    refused when waiting does not help, or sent to review; the cited rule ids in its note."""
    rules = ", ".join(r.id for r in decision.rules)
    at = decision.allowed_from
    if decision.decision is Verdict.REVIEW:
        outcome = TaskOutcome("review", rules, now, decision.id)
    elif at is None:
        outcome = TaskOutcome("refused", rules, now, decision.id)
    else:
        day = at.astimezone(ZoneInfo(zone)).date()
        note = f"{rules}; allowed from {at.isoformat()}"
        outcome = TaskOutcome("deferred", note, now, decision.id, day, at)
    with uow:
        uow.tasks.finish(task_id, None, outcome)
        uow.commit()


def _target(
    uow: UnitOfWork, task_id: int | None, case_id: str | None, to: str | None
) -> tuple[str, int | None, str, str]:
    """(case, task, number, currency) of the call asked for."""
    with uow:
        if task_id is not None:
            task = uow.tasks.contact_task(task_id)
            if task is None or task.kind != "call" or task.status not in WORKABLE:
                raise CallRefusedError(f"no open call task {task_id}", hint="reload the queue")
            number = to or next((p for p in (task.phones or "").split(";") if p), "")
            case_id, currency = task.case_id, task.currency
        else:
            case = _case(uow, case_id or "")
            debts = uow.directory.debts(case.borrower_id)
            number, currency = to or "", debts[0].currency if debts else ""
            case_id = case.id
    if not number:
        raise CallRefusedError("no phone number on record", hint="add one to the borrower first")
    return case_id, task_id, number, currency


def _case(uow: UnitOfWork, case_id: str) -> Case:
    case = uow.cases.get(case_id)
    if case is None:
        raise CallRefusedError(f"no case {case_id}", hint="check the case id")
    return case


def _zone(uow: UnitOfWork, case_id: str) -> str:
    return uow.directory.person(_case(uow, case_id).borrower_id).timezone


def _amended(
    uow: UnitOfWork, case_id: str, decision: Decision, now: datetime, packs: Packs, actor: str
) -> Decision | None:
    """The decision with the pack's inconvenient-time rules asked with the windows the
    borrower named (module docstring), logged beside the gate's; None when nothing objects."""
    events = uow.events.events(case_id)
    logged = _logged_decision(events, decision.id)
    if logged is None or not inconvenient_of(events):
        return None
    pack = packs.resolve(decision.pack)
    objections = _objections(uow, case_id, logged["attempt"], pack, now, {"inconvenient"})
    fired = {r.id for r in decision.rules}
    extra = [(r, at) for r, at in objections if r.id not in fired]
    if not extra:
        return None
    waits = [at for _r, at in extra] + ([decision.allowed_from] if decision.allowed_from else [])
    blocked = any(at is None for at in waits) or (
        decision.decision is Verdict.DENY and decision.allowed_from is None
    )
    amended = replace(
        decision,
        decision=Verdict.DENY,
        rules=(*decision.rules, *(r for r, _at in extra)),
        allowed_from=None if blocked else max(at for at in waits if at is not None),
    )
    data = dict(logged) | {
        "decision_id": amended.id,
        "decision": amended.to_dict(),
        "amends": decision.id,
    }
    uow.events.append(case_id, NewEvent("gate_decision", actor, data), now)
    return amended


def _logged_decision(events: Sequence[Any], decision_id: str) -> dict[str, Any] | None:
    return next(
        (
            dict(e.data)
            for e in reversed(events)
            if e.type == "gate_decision" and e.data.get("decision_id") == decision_id
        ),
        None,
    )


def _objections(
    uow: UnitOfWork,
    case_id: str,
    attempt: Mapping[str, Any],
    pack: Any,
    at: datetime,
    families: frozenset[str] | set[str],
) -> list[tuple[FiredRule, datetime | None]]:
    """The pack's deny rules of `families` that object to the logged attempt at `at`, each
    with the earliest instant it would not (None: waiting does not help)."""
    case = _case(uow, case_id)
    events = uow.events.events(case_id)
    person = uow.directory.person(case.borrower_id)
    gate_attempt = Attempt(
        channel=Channel(attempt["channel"]),
        party=Party(attempt["party"]),
        purpose=Purpose(attempt["purpose"]),
        debts=tuple(d.id for d in uow.directory.debts(case.borrower_id)) or ("-",),
        collector=attempt["collector"],
        to=attempt.get("to"),
    )
    borrower = Borrower(timezones=(person.timezone,), inconvenient=inconvenient_of(events))
    request = GateRequest(
        pack=pack.ref, now=at, attempt=gate_attempt, borrower=borrower, history=history_of(events)
    )
    ctx = Context(request)
    found: list[tuple[FiredRule, datetime | None]] = []
    for rule in pack.rules:
        spec = rule.spec
        if spec.family not in families or spec.severity is not Severity.DENY:
            continue
        if not spec.applies(gate_attempt.channel, gate_attempt.party, gate_attempt.purpose):
            continue
        hit = rule.check(ctx, at)
        if hit is not None:
            message = spec.message("en", hit.details)
            found.append((FiredRule(spec.id, spec.citation, spec.severity, message), hit.next_at))
    return found


_NAMED_BY_BORROWER = frozenset({"contact_recorded", "portal_preferences"})


def inconvenient_of(events: Sequence[Any]) -> tuple[Inconvenient, ...]:
    """The times the borrower named as inconvenient, on recorded calls or in the portal
    (services.portal: a `portal_preferences` event), in the gate's shape; less those the
    borrower withdrew in the portal (a `portal_preferences` event naming the seq it withdraws)."""
    withdrawn = {
        event.data.get("withdrawn") for event in events if event.type == "portal_preferences"
    }
    found = []
    for event in events:
        named = event.data.get("inconvenient") if event.type in _NAMED_BY_BORROWER else None
        if not named or event.seq in withdrawn:
            continue
        window = (parse_clock(named["window"][0]), parse_clock(named["window"][1]))
        weekdays = frozenset(named.get("weekdays") or range(1, 8))
        found.append(Inconvenient(window, weekdays, datetime.fromisoformat(named["said_at"])))
    return tuple(found)


# --- 2. start ------------------------------------------------------------------------------


def start_call(
    uow: UnitOfWork,
    decision_id: str,
    case_id: str,
    to: str,
    actor: User,
    now: datetime,
    dialer: Dialer,
    *,
    packs: Packs | None = None,
    task_id: int | None = None,
    agent_phone: str = "",
) -> StartedCall:
    """Commit the attempt of the call the decision allows, then ask the dialer (module
    docstring, step 2). ContactRefusedError when the decision does not allow it now."""
    with uow:
        case = _case(uow, case_id)
        if not may_dial(actor, case):
            raise CallRefusedError(
                "only the collector the case is assigned to places its calls",
                hint="ask a supervisor to assign the case",
            )
        if packs is not None:
            _still_in_hours(uow, case_id, decision_id, packs, now)
    message = OutboundMessage(case_id, "call", to, "", decision_id)
    ContactGuard(uow, {})._start(message, now, actor_of(actor), task_id)
    ref = dialer.dial(actor.username, agent_phone, to, decision_id)
    return StartedCall(decision_id, case_id, to, ref, dialer.manual)


def _still_in_hours(
    uow: UnitOfWork, case_id: str, decision_id: str, packs: Packs, now: datetime
) -> None:
    """The decision was asked minutes ago; the borrower's hours may have closed since."""
    logged = _logged_decision(uow.events.events(case_id), decision_id)
    if logged is None:
        raise ContactRefusedError("refused: no such gate decision in this case's log")
    pack = packs.resolve(logged["decision"]["pack"])
    objections = _objections(uow, case_id, logged["attempt"], pack, now, TIME_FAMILIES)
    if objections:
        rules = ", ".join(r.id for r, _at in objections)
        raise ContactRefusedError(f"refused: outside the borrower's allowed hours now ({rules})")


# --- 3. record -----------------------------------------------------------------------------


def record_call(
    uow: UnitOfWork,
    decision_id: str,
    form: CallForm,
    actor: User,
    now: datetime,
    *,
    case_id: str,
    task_id: int | None = None,
) -> RecordedCall:
    """Record what happened on a started call, once (module docstring, step 3)."""
    if form.outcome not in OUTCOMES:
        raise CallRefusedError(f"unknown outcome {form.outcome!r}", hint="pick one of the list")
    with uow:
        case = _case(uow, case_id)
        if not may_dial(actor, case):
            raise CallRefusedError(
                "only the collector the case is assigned to records its calls", hint=""
            )
        events = uow.events.events(case_id)
        attempt = _started(events, decision_id)
        zone = ZoneInfo(uow.directory.person(case.borrower_id).timezone)
        details = _details(form, now, zone)
        promise_id = None
        if form.outcome == "promise_to_pay":
            promise_id = _promise(uow, case, form, actor, now, zone)
            details["promise"] = promise_id
        follow_up = False
        if form.outcome == "callback_at":
            follow_up = _follow_up(uow, case, task_id, details["callback_at"], now, len(events))
        gate_outcome = OUTCOMES[form.outcome]
        ref = f"manual:{decision_id[:16]}"
        record_outcome(uow, case_id, attempt | details, Delivery(gate_outcome, ref), now)
        if task_id is not None:
            note = f"call: {form.outcome}"
            uow.tasks.finish(task_id, None, TaskOutcome("done", note, now, decision_id))
        uow.commit()
    return RecordedCall(decision_id, case_id, form.outcome, gate_outcome, promise_id, follow_up)


def _started(events: Sequence[Any], decision_id: str) -> dict[str, Any]:
    """The attempt of a started call whose outcome is not recorded yet."""
    if any(
        e.type == "contact_recorded" and e.data.get("decision_id") == decision_id for e in events
    ):
        raise CallRefusedError("this call's outcome is recorded already", hint="")
    attempted = next(
        (
            dict(e.data)
            for e in events
            if e.type == "contact_attempted" and e.data.get("decision_id") == decision_id
        ),
        None,
    )
    if attempted is None or attempted.get("channel") != "call":
        raise CallRefusedError("this call was not started", hint="press Start call first")
    return attempted


def _details(form: CallForm, now: datetime, zone: ZoneInfo) -> dict[str, Any]:
    """The detailed outcome for the event's data (notes kept as written; pages mask them)."""
    details: dict[str, Any] = {"call_outcome": form.outcome}
    if form.notes.strip():
        details["notes"] = form.notes.strip()[:2000]
    if form.outcome == "inconvenient_time":
        details["inconvenient"] = _window(form, now, zone)
    if form.outcome == "callback_at":
        at = _local_instant(form.callback_at, zone)
        if at <= now:
            raise CallRefusedError("the call-back time has passed", hint="pick a later time")
        details["callback_at"] = at.isoformat()
    return details


def _window(form: CallForm, now: datetime, zone: ZoneInfo) -> dict[str, Any]:
    try:
        start, end = parse_clock(form.window_from), parse_clock(form.window_to)
    except (ValueError, KeyError, TypeError):
        raise CallRefusedError(
            "the inconvenient time needs a start and an end", hint="e.g. 09:00 to 17:00"
        ) from None
    if start % 86_400 == end % 86_400:
        raise CallRefusedError("the inconvenient time is empty", hint="e.g. 09:00 to 17:00")
    days = sorted({d for d in form.weekdays if 1 <= d <= 7})
    return {
        "window": [format_clock(start), format_clock(end)],
        "weekdays": days or list(range(1, 8)),
        "zone": zone.key,
        "said_at": now.isoformat(),
    }


def _local_instant(text: str, zone: ZoneInfo) -> datetime:
    try:
        return datetime.fromisoformat(text.strip()).replace(tzinfo=zone)
    except ValueError:
        raise CallRefusedError(
            "the call-back needs a date and a time", hint="e.g. 2026-07-02T10:00"
        ) from None


def _promise(
    uow: UnitOfWork, case: Case, form: CallForm, actor: User, now: datetime, zone: ZoneInfo
) -> str:
    try:
        amount = Decimal(form.amount.replace(",", "").strip())
        due_on = date.fromisoformat(form.due_on.strip())
    except (InvalidOperation, ValueError):
        raise CallRefusedError(
            "a promise needs an amount and a date", hint="e.g. 500.00 by 2026-07-10"
        ) from None
    if form.channel not in OFFICIAL_CHANNELS:
        raise CallRefusedError(
            f"{form.channel!r} is not an official payment channel",
            hint="one of " + ", ".join(OFFICIAL_CHANNELS),
        )
    debts = sorted(uow.directory.debts(case.borrower_id), key=lambda d: -(d.dpd or 0))
    if not debts:
        raise CallRefusedError("the case has no account to promise on", hint="")
    made_on = now.astimezone(zone).date()
    account = debts[0].id  # the most overdue account: what the call was about
    promise = add_promise(uow, account, made_on, due_on, amount, form.channel, actor_of(actor), now)
    return promise.id


def _follow_up(
    uow: UnitOfWork,
    case: Case,
    task_id: int | None,
    callback_at: str,
    now: datetime,
    seq: int,
) -> bool:
    """A call task due on the borrower's local day of the call-back and not asked before it,
    in the run of the task it follows (else the current run); False when the case has no run.
    Its action number is FOLLOW_UP_ACTIONS or more: a newer plan does not supersede it."""
    at = datetime.fromisoformat(callback_at)
    task = uow.tasks.contact_task(task_id) if task_id is not None else None
    flt = TaskFilter(kinds=("call",), statuses=(), task_id=task_id)
    listed = uow.tasks.listing(flt, 1) if task is not None else []
    run = None if listed else uow.strategy_runs.info(None)
    if (not listed and run is None) or case.status is CaseStatus.CLOSED:
        return False
    base = listed[0] if listed else {"run_id": run["id"] if run else ""}
    row = {
        "run_id": base["run_id"],
        "as_of": task.as_of if task else (run or {})["as_of"],
        "case_id": case.id,
        "action_no": FOLLOW_UP_ACTIONS + seq,
        "kind": "call",
        "template": None,
        "treatment": base.get("treatment") or "call-back",
        "dpd": task.dpd if task else 0,
        "due_on": at.date(),  # `at` is in the borrower's zone (the form's local time)
        "time_window": None,
        "priority": 1,  # the borrower asked for this call
        "assignee_kind": case.assignee.kind.value if case.assignee else None,
        "assignee_id": case.assignee.id if case.assignee else None,
        "status": "deferred",
        "decision_id": None,
        "not_before": at.astimezone(UTC).isoformat(),
        "note": f"call-back the borrower asked for at {at.isoformat()}",
        "updated_at": now.astimezone(UTC).isoformat(),
    }
    uow.tasks.add_many([row])
    return True
