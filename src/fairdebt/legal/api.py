"""The JSON-facing API described in docs/legal.md: plain dicts in, plain dicts out.

`limitation(request)` and `charges(request)` answer exactly what `fairdebt legal limitation` and
`fairdebt legal charges` print. A malformed request raises `LegalRequestError` naming the field;
a debt that is out of time or a rate above the cap is an answer, not an error. A Chinese period
whose last day falls in a year without holiday data is answered with the nominal last day
marked `"expires_on_final": false` while the period is certainly running, and refused
(`CalendarUnknown`) when the status itself would depend on those rest days: never guessed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from fairdebt.domain.loan import LenderType
from fairdebt.legal import caps, us
from fairdebt.legal import limitation as cn
from fairdebt.legal._request import Fields
from fairdebt.legal.errors import LegalRequestError
from fairdebt.legal.lpr import CHECKED_THROUGH, LprQuote
from fairdebt.legal.rest_days import CalendarUnknown

LIMITATION = "limitation request"
CHARGES = "charges request"
CHARGE_FIELDS = (
    "jurisdiction",
    "lender_type",
    "contract_date",
    "principal_disbursed",
    "principal_stated",
    "rates",
    "filed_on",
    "overdue_on",
    "ceiling",
)
EVENT_FIELDS = ("type", "on", "signed_by", "medium", "kind", "ended_on", "debtor_untraceable")


def limitation(request: dict[str, Any]) -> dict[str, Any]:
    """Start, expiry and status of a debt's limitation period (docs/legal.md)."""
    top = Fields(request, LIMITATION, "", ("jurisdiction", "as_of", "debt", "events"))
    jurisdiction = top.text("jurisdiction").lower()
    as_of = top.date("as_of")
    debt = _debt(top.sub("debt", ("due_dates", "known_default_on")))
    events = tuple(_event(item, i, as_of) for i, item in enumerate(top.items("events")))
    if jurisdiction == "cn":
        return _limitation_answer(cn.cn_limitation(debt, events, as_of))
    if jurisdiction.startswith("us-") and len(jurisdiction) == 5:
        period = us.state_period(jurisdiction[3:])
        return _limitation_answer(us.us_limitation(period, debt, events, as_of))
    raise LegalRequestError(
        f"{LIMITATION}: unknown jurisdiction {jurisdiction!r}",
        hint="use cn or us-<state>, e.g. us-ny",
    )


def _debt(fields: Fields) -> cn.Debt:
    due = fields.dates("due_dates")
    known = fields.opt_date("known_default_on")
    if not due and known is None:
        fields.fail(
            "debt needs 'due_dates' or 'known_default_on'",
            "give every instalment's due date; the period runs from the last (民法典 189)",
        )
    return cn.Debt(due_dates=due, known_default_on=known)


def _event(item: object, index: int, as_of: date) -> cn.LimitationEvent:
    fields = Fields(item, LIMITATION, f"events[{index}].", EVENT_FIELDS)
    event = cn.LimitationEvent(
        type=fields.choice("type", cn.EventType),
        on=fields.date("on"),
        signed_by=fields.opt_choice("signed_by", cn.Signer),
        medium=fields.opt_choice("medium", cn.Medium),
        kind=fields.opt_choice("kind", cn.AckKind),
        ended_on=fields.opt_date("ended_on"),
        debtor_untraceable=fields.flag("debtor_untraceable"),
    )
    _check_event(fields, event, as_of)
    if event.type is cn.EventType.DEMAND_DELIVERED and event.medium is None:
        # a signature implies a handed-over document (SX8(1))
        return replace(event, medium=cn.Medium.DOCUMENT)
    return event


def _check_event(fields: Fields, event: cn.LimitationEvent, as_of: date) -> None:
    name = fields.path.rstrip(".")
    if event.on > as_of:
        fields.fail(
            f"{name} is on {event.on}, after as_of {as_of}", "events cannot be in the future"
        )
    if (event.type is cn.EventType.DEBTOR_ACK) != (event.kind is not None):
        fields.fail(
            f"{name}: 'kind' goes with type debtor_ack, and debtor_ack needs it",
            "kind: " + ", ".join(k.value for k in cn.AckKind),
        )
    no_proof = event.signed_by is None and event.medium is None
    if event.type is cn.EventType.DEMAND_DELIVERED and no_proof:
        fields.fail(
            f"{name}: demand_delivered needs 'signed_by' or 'medium'",
            "say who signed (debtor, co_resident_adult_relative, authorised, none) or how it "
            "arrived (sms, email, app_message, bank_debit, public_notice)",
        )
    if event.ended_on is not None and event.type not in cn.PROCEEDINGS:
        fields.fail(
            f"{name}: 'ended_on' is for suit_filed, arbitration and payment_order only",
            "drop ended_on",
        )


def _limitation_answer(result: cn.LimitationResult) -> dict[str, Any]:
    """The answer of docs/legal.md.

    A Chinese period whose last day falls in a year without holiday data (民法典 203 may move it
    past a rest day nobody has published yet) is answered only when the status is certain anyway
    (the day asked about is before the nominal last day, so the period is running): `expires_on`
    is then the nominal day, the earliest it can end, and `expires_on_final` is false with a note
    saying why. When the status itself depends on the unknown days, the request is refused
    (`CalendarUnknown`) rather than answered wrong.
    """
    provisional = result.expires_on is None
    if provisional and result.status is cn.Status.CALENDAR_UNKNOWN:
        raise CalendarUnknown(result.calendar_unknown or 0, result.nominal_expires_on)
    expires_on = result.expires_on or result.nominal_expires_on
    answer: dict[str, Any] = {
        "starts_on": result.starts_on.isoformat(),
        "expires_on": expires_on.isoformat(),
        "status": result.status.value,
        "interrupted_by": [
            {"type": e.type.value, "on": e.on.isoformat()} for e in result.interrupted_by
        ],
        "longstop_on": result.longstop_on.isoformat() if result.longstop_on else None,
        "rules": list(result.rules),
    }
    if provisional:
        year = result.calendar_unknown or expires_on.year
        answer["expires_on_final"] = False
        answer["note"] = (
            f"China's rest days of {year} are not yet in the holiday data: if {expires_on} "
            "turns out to be a rest day, the period runs to the first working day after it "
            "(民法典 第二百零三条); it cannot end earlier"
        )
    return answer


def validation(request: dict[str, Any]) -> dict[str, Any]:
    """US-VAL: when a validation notice is assumed received and when its period ends."""
    top = Fields(request, "validation request", "", ("jurisdiction", "sent_on"))
    if top.has("jurisdiction") and top.text("jurisdiction").lower() != "us":
        top.fail("the validation period is a US rule", 'use "jurisdiction": "us" or leave it out')
    period = us.validation_period(top.date("sent_on"))
    return {
        "sent_on": period.sent_on.isoformat(),
        "assumed_receipt_on": period.assumed_receipt_on.isoformat(),
        "ends_on": period.ends_on.isoformat(),
        "rules": ["US-VAL"],
    }


def charges(request: dict[str, Any]) -> dict[str, Any]:
    """The cap on a loan's charges and each agreed rate's enforceable part (docs/legal.md)."""
    top = Fields(request, CHARGES, "", CHARGE_FIELDS)
    jurisdiction = top.text("jurisdiction").lower()
    if jurisdiction != "cn":
        top.fail(f"no charge caps for jurisdiction {jurisdiction!r}", "charges are computed for cn")
    return charges_answer(caps.charge_caps(_terms(top)))


def _terms(top: Fields) -> caps.ChargeTerms:
    disbursed = top.opt_decimal("principal_disbursed")
    stated = top.opt_decimal("principal_stated")
    if stated is None and disbursed is None:
        top.fail("missing field 'principal_disbursed' (or 'principal_stated')", "give the amounts")
    stated = stated if stated is not None else disbursed
    assert stated is not None  # for mypy: one of the two is set
    if disbursed is not None and disbursed > stated:
        top.fail(f"principal_disbursed {disbursed} exceeds principal_stated {stated}", "swap them?")
    terms = caps.ChargeTerms(
        lender_type=top.choice("lender_type", LenderType),
        contract_date=top.date("contract_date"),
        principal_stated=stated,
        principal_disbursed=disbursed,
        rates=_rates(top.sub("rates", [p.value for p in caps.Part])),
        filed_on=top.opt_date("filed_on"),
        overdue_on=top.opt_date("overdue_on"),
        ceiling=top.opt_decimal("ceiling"),
    )
    for name in ("filed_on", "overdue_on"):
        later = getattr(terms, name)
        if later is not None and later < terms.contract_date:
            top.fail(f"{name} {later} is before contract_date {terms.contract_date}", "check dates")
    return terms


def _rates(fields: Fields) -> caps.Rates:
    return caps.Rates(**{p.value: fields.opt_decimal(p.value) for p in caps.Part})


def charges_answer(result: caps.ChargeCaps) -> dict[str, Any]:
    """The JSON answer (docs/legal.md) for a `ChargeCaps` (also for services that compute it)."""
    return {
        "applies": result.applies,
        "cap": _num(result.cap),
        "lpr": _lpr(result.lpr),
        "principal": _num(result.principal),
        "principal_stated": _num(result.principal_stated),
        **_capped(result.capped),
        "transition": _legacy(result.legacy),
        "pack_parameter": result.pack_parameter,
        "rules": list(result.rules),
    }


def _capped(capped: caps.CappedRates) -> dict[str, Any]:
    return {
        "components": {part.value: _rate(rc) for part, rc in capped.components},
        "combined_overdue": _rate(capped.combined_overdue),
    }


def _rate(rc: caps.RateCap) -> dict[str, Any]:
    answer = {"agreed": _num(rc.agreed), "enforceable": _num(rc.enforceable)}
    answer["excess"] = _num(rc.excess)
    if rc.default_rule:
        answer["default_rule"] = rc.default_rule
    return answer


def _lpr(quote: LprQuote | None) -> dict[str, Any] | None:
    if quote is None:
        return None
    return {
        "rate": _num(quote.rate),
        "published": quote.published_on.isoformat(),
        "checked_through": CHECKED_THROUGH.isoformat(),
        "source": quote.source,
        "confidence": quote.confidence,
    }


def _legacy(legacy: caps.LegacyPeriod | None) -> dict[str, Any] | None:
    if legacy is None:
        return None
    return {
        "until": legacy.until.isoformat(),
        "cap": _num(legacy.capped.cap),
        "void_above": _num(legacy.void_above),
        **_capped(legacy.capped),
    }


def _num(value: Decimal | None) -> str | None:
    """A decimal string without exponent or trailing zeros: 0.1540 -> "0.154", 1E+5 -> "100000"."""
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text
