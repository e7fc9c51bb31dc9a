"""China: the limitation period of a debt claim (诉讼时效), its interruptions and its expiry.

Sources (docs/packs/cn-sources.md; primary texts from GitHub LawRefBook/Laws):
- CN-LIM-188 民法典 第一百八十八条: 3 years from when the creditor knew or should have known of
  the harm; 20 years from the harm at most (the longstop).
- CN-LIM-189 第一百八十九条: for an instalment debt, time runs from the LAST instalment's due date.
- CN-LIM-195 第一百九十五条: a demand, the debtor's agreement to perform, suit or arbitration
  interrupt the period, and a new 3-year period starts.
- CN-LIM-SX8 诉讼时效规定(2020) 第八条: when a demand counts as delivered: a document signed by the
  debtor, a co-resident adult relative or an authorised person; an SMS / e-mail / app message
  that arrived; a bank debit; a public notice when the debtor cannot be found.
- CN-LIM-SX10/SX11 第十、十一条: filing suit or applying for a payment order interrupts.
- CN-LIM-SX14 第十四条: promise, partial payment, security, extension request or repayment plan
  count as the debtor's agreement to perform.
- CN-LIM-SX17 第十七条: the assignment notice reaching the debtor interrupts.
- CN-LIM-192 第一百九十二条: after expiry, a debtor who agrees to perform or pays loses the
  defence.
- CN-LIM-203 第二百零三条: a period whose last day is a rest day (a public holiday, or a weekend
  day not made a working day) ends on the first working day after it (fairdebt.legal.rest_days).
  Where that year's holiday notice is not in the data, `expires_on` is None and a status that
  depends on the exact day is `calendar_unknown`, never a guess.

An interruption that cannot be proved (a phone call without a recording) changes nothing; when
the period would be running only thanks to such a claim, the answer is `evidence_insufficient`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from fairdebt.legal import rest_days
from fairdebt.legal.dates import add_years
from fairdebt.legal.rest_days import CalendarUnknown

LIMITATION_YEARS = 3
LONGSTOP_YEARS = 20


class EventType(StrEnum):
    DEMAND_DELIVERED = "demand_delivered"
    DEMAND_UNPROVEN = "demand_unproven"
    DEBTOR_ACK = "debtor_ack"
    SUIT_FILED = "suit_filed"
    ARBITRATION = "arbitration"
    PAYMENT_ORDER = "payment_order"
    ASSIGNMENT_NOTICE_DELIVERED = "assignment_notice_delivered"


class Signer(StrEnum):
    DEBTOR = "debtor"
    CO_RESIDENT_ADULT_RELATIVE = "co_resident_adult_relative"
    AUTHORISED = "authorised"
    NONE = "none"


class Medium(StrEnum):
    DOCUMENT = "document"
    SMS = "sms"
    EMAIL = "email"
    APP_MESSAGE = "app_message"
    BANK_DEBIT = "bank_debit"
    PUBLIC_NOTICE = "public_notice"


class AckKind(StrEnum):
    INSTALLMENT_PROMISE = "installment_promise"
    PARTIAL_PAYMENT = "partial_payment"
    SECURITY = "security"
    EXTENSION_REQUEST = "extension_request"
    REPAYMENT_PLAN = "repayment_plan"


class Status(StrEnum):
    RUNNING = "running"
    EXPIRED = "expired"  # the debtor has a defence (the court does not raise it: CN-LIM-193)
    EVIDENCE_INSUFFICIENT = "evidence_insufficient"
    WAIVED = "waived"
    # The status hangs on whether the last day was a rest day, in a year whose holiday notice is
    # not in the data (民法典 203): never an answer of the JSON API, which refuses instead.
    CALENDAR_UNKNOWN = "calendar_unknown"


VALID_SIGNERS = frozenset({Signer.DEBTOR, Signer.CO_RESIDENT_ADULT_RELATIVE, Signer.AUTHORISED})
ARRIVED_MESSAGES = frozenset({Medium.SMS, Medium.EMAIL, Medium.APP_MESSAGE, Medium.BANK_DEBIT})
PROCEEDINGS = frozenset({EventType.SUIT_FILED, EventType.ARBITRATION, EventType.PAYMENT_ORDER})

RULE_OF: dict[EventType, str] = {
    EventType.DEMAND_DELIVERED: "CN-LIM-SX8",
    EventType.DEMAND_UNPROVEN: "CN-LIM-SX8",
    EventType.DEBTOR_ACK: "CN-LIM-SX14",
    EventType.SUIT_FILED: "CN-LIM-SX10",
    EventType.ARBITRATION: "CN-LIM-195",
    EventType.PAYMENT_ORDER: "CN-LIM-SX11",
    EventType.ASSIGNMENT_NOTICE_DELIVERED: "CN-LIM-SX17",
}
RULE_ORDER = (
    "CN-LIM-188",
    "CN-LIM-189",
    "CN-LIM-195",
    "CN-LIM-SX8",
    "CN-LIM-SX10",
    "CN-LIM-SX11",
    "CN-LIM-SX14",
    "CN-LIM-SX17",
    "CN-LIM-192",
    "CN-LIM-203",
)


@dataclass(frozen=True, slots=True)
class LimitationEvent:
    """Something that may interrupt the period. `ended_on`: when proceedings ended (195)."""

    type: EventType
    on: date
    signed_by: Signer | None = None
    medium: Medium | None = None
    kind: AckKind | None = None
    ended_on: date | None = None
    debtor_untraceable: bool = False


@dataclass(frozen=True, slots=True)
class Debt:
    """The due dates of a debt (one for a bullet loan) and when the default became known."""

    due_dates: tuple[date, ...]
    known_default_on: date | None = None


@dataclass(frozen=True, slots=True)
class LimitationResult:
    """`expires_on`: the last day a claim is in time, after 民法典 203 has moved it off a rest
    day; None when the rest days of its year are not known (`calendar_unknown` names the year).
    `nominal_expires_on`: the corresponding day (201, 202) before that move."""

    starts_on: date
    expires_on: date | None
    status: Status
    interrupted_by: tuple[LimitationEvent, ...]
    longstop_on: date | None
    rules: tuple[str, ...]
    nominal_expires_on: date
    calendar_unknown: int | None = None


@dataclass(frozen=True, slots=True)
class _Run:
    """One pass over the events: where the period ended up (its corresponding day, before 203
    moves it) and what moved it."""

    expires_on: date
    interruptions: tuple[LimitationEvent, ...]
    waived_by: LimitationEvent | None


def is_provable(event: LimitationEvent) -> bool:
    """Can this claimed interruption be proved? Only demands can fall short (CN-LIM-SX8)."""
    if event.type is EventType.DEMAND_UNPROVEN:
        return False
    if event.type is not EventType.DEMAND_DELIVERED:
        return True
    if event.signed_by in VALID_SIGNERS or event.medium in ARRIVED_MESSAGES:
        return True
    # SX8(4): a published notice counts only for a debtor who cannot be found
    return event.medium is Medium.PUBLIC_NOTICE and event.debtor_untraceable


def starts_on(debt: Debt) -> date:
    """CN-LIM-189: the last instalment's due date; with no due date, when the default was known.

    A creditor "should have known" of non-payment on the day it fell due (188), so a later
    `known_default_on` does not push the start back: the earlier start is the safe side.
    """
    if debt.due_dates:
        return max(debt.due_dates)
    if debt.known_default_on is None:
        raise ValueError("a debt needs due dates or the date its default became known")
    return debt.known_default_on


def longstop_on(debt: Debt) -> date:
    """CN-LIM-188: 20 years from the harm: the first known default if earlier than the start."""
    start = starts_on(debt)
    harm = min(start, debt.known_default_on) if debt.known_default_on else start
    return add_years(harm, LONGSTOP_YEARS)


def _restart_on(event: LimitationEvent) -> date:
    # 195: after suit, arbitration or a payment order the new period runs from the end of the
    # proceedings; when that date is unknown, from the filing (诉讼时效规定 第十条: the filing
    # date) — the earlier, safer expiry.
    if event.type in PROCEEDINGS and event.ended_on is not None:
        return max(event.on, event.ended_on)
    return event.on


def _run(
    start: date, longstop: date, events: Iterable[LimitationEvent], count_unproven: bool
) -> _Run:
    expires = min(add_years(start, LIMITATION_YEARS), longstop)
    moved: list[LimitationEvent] = []
    for event in sorted(events, key=lambda e: e.on):
        if event.on < start:
            continue  # the period had not started; nothing to interrupt
        if rest_days.ended_before(event.on, expires):  # 203: a rest-day last day runs on
            if event.type is EventType.DEBTOR_ACK:  # 192: agreed or paid after expiry
                return _Run(expires, tuple(moved), event)
            continue  # an expired period cannot be interrupted
        if count_unproven or is_provable(event):
            # max: a demand made while a suit is pending must not pull the expiry forward
            restarted = min(add_years(_restart_on(event), LIMITATION_YEARS), longstop)
            expires = max(expires, restarted)
            moved.append(event)
    return _Run(expires, tuple(moved), None)


def _rules(
    debt: Debt, run: _Run, status: Status, events: Iterable[LimitationEvent], moved: bool
) -> tuple[str, ...]:
    fired = {"CN-LIM-188"} | ({"CN-LIM-203"} if moved else set())
    if len(set(debt.due_dates)) > 1:
        fired.add("CN-LIM-189")
    if run.interruptions:
        fired.add("CN-LIM-195")
    fired.update(RULE_OF[e.type] for e in run.interruptions)
    if status is Status.EVIDENCE_INSUFFICIENT:
        fired.update(RULE_OF[e.type] for e in events if not is_provable(e))
    if status is Status.WAIVED:
        fired.add("CN-LIM-192")
    return tuple(r for r in RULE_ORDER if r in fired)


def cn_limitation(debt: Debt, events: Iterable[LimitationEvent], as_of: date) -> LimitationResult:
    """The period's start, expiry and status on `as_of` for a debt under Chinese law.

    A year without holiday data makes `expires_on` None, and the status `calendar_unknown`
    only when it hangs on that year's rest days (module docstring).
    """
    events = tuple(events)
    start, longstop = starts_on(debt), longstop_on(debt)
    try:
        run = _run(start, longstop, events, count_unproven=False)
        status = _status(start, longstop, events, run, as_of)
    except CalendarUnknown as unknown:
        return _unknown(start, longstop, unknown)
    try:
        expires: date | None = rest_days.last_day(run.expires_on)
        year = None
    except CalendarUnknown as unknown:
        expires, year = None, unknown.year
    return LimitationResult(
        starts_on=start,
        expires_on=expires,
        status=status,
        interrupted_by=run.interruptions,
        longstop_on=longstop,
        rules=_rules(debt, run, status, events, moved=expires not in (None, run.expires_on)),
        nominal_expires_on=run.expires_on,
        calendar_unknown=year,
    )


def _status(
    start: date, longstop: date, events: tuple[LimitationEvent, ...], run: _Run, as_of: date
) -> Status:
    """Raises CalendarUnknown when the answer hangs on rest days the data does not hold."""
    if run.waived_by is not None:
        return Status.WAIVED
    if not rest_days.ended_before(as_of, run.expires_on):
        return Status.RUNNING
    believed = _run(start, longstop, events, count_unproven=True).expires_on
    if not rest_days.ended_before(as_of, believed):
        return Status.EVIDENCE_INSUFFICIENT  # alive only if an unprovable claim is believed
    return Status.EXPIRED


def _unknown(start: date, longstop: date, unknown: CalendarUnknown) -> LimitationResult:
    """Neither the last day nor the status can be told: say which year's calendar is missing."""
    nominal = unknown.nominal or min(add_years(start, LIMITATION_YEARS), longstop)
    return LimitationResult(
        starts_on=start,
        expires_on=None,
        status=Status.CALENDAR_UNKNOWN,
        interrupted_by=(),
        longstop_on=longstop,
        rules=("CN-LIM-188", "CN-LIM-203"),
        nominal_expires_on=nominal,
        calendar_unknown=unknown.year,
    )
