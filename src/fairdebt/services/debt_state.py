"""What the gate must know about each debt at the decision time, from the repositories.

Time-barred (the gate's `time_barred`): the account's limitation status on the borrower's local
day of the decision.
- China (a CNY account): `legal.limitation.cn_limitation` over the account's due dates (a plan's,
  once accepted) and the case log's events (acknowledgments, delivered demands, …; a payment
  later reversed acknowledges nothing). `expired` and `evidence_insufficient` are time-barred
  (CN-LIM-192: do not demand as if enforceable); `waived` is not (the debtor acknowledged after
  expiry and lost the defence). The last day moves off a rest day (民法典 203: 2022-10-01 + 3
  years runs to 2025-10-09, after the National Day holiday), so a debt is never flagged while its
  period runs on through a holiday. When the status hangs on rest days of a year the holiday
  data does not hold, the status is `unknown` (below) and `expires_on` is None.
- US (a USD account): the state table (`legal.us`), the state read from the borrower's address
  or city (`…, OH 43004`), a credit card as an open account and anything else as a written
  contract. No state found, or no other currency: no limitation is computed and the debt is not
  flagged. A state whose figure is not sourced gives status `unknown`: not time-barred, but the
  application asks a person to review content that would be denied were it time-barred.

What may be demanded: `demanded_amounts` finds the sums a message asks for ("¥1,234.56",
"1234.56元", "1.2万元", "$1,234.56", "USD 50"), and `above_demandable` names the first one larger
than what may be demanded of the borrower's accounts in that currency (services.charges: the
breakdown with above-cap parts excluded).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from fairdebt.compliance.types import FiredRule, Severity
from fairdebt.domain.events import CaseEvent
from fairdebt.legal.errors import LegalRequestError
from fairdebt.legal.limitation import (
    AckKind,
    Debt,
    EventType,
    LimitationEvent,
    LimitationResult,
    Medium,
    Signer,
    Status,
    cn_limitation,
)
from fairdebt.legal.us import DebtKind, find_state, us_limitation
from fairdebt.services.acknowledgment import ACK, CONTRACT_TYPES, PAYMENT_REVERSED
from fairdebt.services.ports import UnitOfWork
from fairdebt.services.ports.repayment import AccountFacts

UNKNOWN = "unknown"
BARRED = frozenset({Status.EXPIRED.value, Status.EVIDENCE_INSUFFICIENT.value})
# ", OH", ", OH 43004" or ", OH 43004-1234" at the end of an address or a city
_US_STATE = re.compile(r",\s*([A-Za-z]{2})\.?(?:\s+\d{5}(?:-\d{4})?)?\s*(?:,\s*USA?)?\s*$")


@dataclass(frozen=True, slots=True)
class Limitation:
    """One account's limitation status on the decision day, for the gate and the case log."""

    account: str
    law: str  # "cn", "us-oh", or "" when no law was applied
    status: str  # running | expired | evidence_insufficient | waived | unknown | none
    expires_on: date | None = None  # None: no law applied, or a last day that cannot be told
    rules: tuple[str, ...] = ()
    why_unknown: str = ""  # for status unknown: what is missing (shown to the reviewer)

    @property
    def time_barred(self) -> bool:
        return self.status in BARRED

    def to_json(self) -> dict[str, Any]:
        expires = self.expires_on.isoformat() if self.expires_on else None
        return {"law": self.law, "status": self.status, "expires_on": expires}


def account_facts(uow: UnitOfWork, borrower_id: str) -> list[AccountFacts]:
    """Every account of the borrower with its due dates: one read, whatever the count."""
    with uow:
        return uow.accounts.facts(borrower_id)


def us_state_of(*places: str | None) -> str | None:
    """The two-letter state at the end of an address or city (`Columbus, OH 43004`), if the
    table knows it; None otherwise (a Chinese address, no address)."""
    for place in places:
        found = _US_STATE.search(place or "")
        if found and find_state(found.group(1)) is not None:
            return found.group(1).lower()
    return None


def limitations(
    accounts: Iterable[AccountFacts], log: Sequence[CaseEvent], state: str | None, on: date
) -> dict[str, Limitation]:
    """Each account's limitation status on `on`, from the case log already read."""
    reversed_ = {e.data.get("payment") for e in log if e.type == PAYMENT_REVERSED}
    return {a.id: _limitation(a, _events(log, reversed_, a.id, on), state, on) for a in accounts}


def _limitation(
    account: AccountFacts, events: tuple[LimitationEvent, ...], state: str | None, on: date
) -> Limitation:
    if not account.due_dates:
        return Limitation(account.id, "", "none")
    debt = Debt(tuple(sorted(account.due_dates)))
    if account.currency == "CNY":
        return _from_result(account.id, "cn", cn_limitation(debt, events, on))
    period = find_state(state) if account.currency == "USD" and state else None
    if period is None:
        return Limitation(account.id, "", "none")
    kind = DebtKind.OPEN_ACCOUNT if account.product == "credit_card" else DebtKind.WRITTEN_CONTRACT
    law = f"us-{period.state}"
    try:
        return _from_result(account.id, law, us_limitation(period, debt, events, on, kind))
    except LegalRequestError:  # no sourced figure: never guess one
        why = "is not sourced for the borrower's state"
        return Limitation(account.id, law, UNKNOWN, why_unknown=why)


def _from_result(account: str, law: str, result: LimitationResult) -> Limitation:
    if result.status is Status.CALENDAR_UNKNOWN:  # not time-barred; a person reviews (above)
        why = (
            f"may end on a rest day of {result.calendar_unknown}, a year without holiday data "
            f"(民法典 203; on {result.nominal_expires_on} or later)"
        )
        return Limitation(account, law, UNKNOWN, None, result.rules, why)
    return Limitation(account, law, result.status.value, result.expires_on, result.rules)


def _events(
    log: Sequence[CaseEvent], reversed_: set[Any], account: str, on: date
) -> tuple[LimitationEvent, ...]:
    """The log's contract events about `account` (or about no account) up to `on`, as
    services.acknowledgment.limitation_events picks them, typed."""
    picked = []
    for event in log:
        data = event.data
        if event.type not in CONTRACT_TYPES or "on" not in data:
            continue
        if event.type == ACK and data.get("payment") in reversed_:
            continue  # a bounced payment is no proof that the debtor paid
        if data.get("account") not in (None, account) or date.fromisoformat(data["on"]) > on:
            continue
        picked.append(_typed(event.type, data))
    return tuple(sorted(picked, key=lambda e: e.on))


def _typed(kind: str, data: Mapping[str, Any]) -> LimitationEvent:
    event_type = EventType(kind)
    medium = Medium(data["medium"]) if data.get("medium") else None
    if event_type is EventType.DEMAND_DELIVERED and medium is None:
        medium = Medium.DOCUMENT  # a signature implies a handed-over document (SX8(1))
    return LimitationEvent(
        type=event_type,
        on=date.fromisoformat(data["on"]),
        signed_by=Signer(data["signed_by"]) if data.get("signed_by") else None,
        medium=medium,
        kind=AckKind(data["kind"]) if data.get("kind") else None,
        ended_on=date.fromisoformat(data["ended_on"]) if data.get("ended_on") else None,
        debtor_untraceable=bool(data.get("debtor_untraceable", False)),
    )


# --- what a message demands ---------------------------------------------------------------
_NUMBER = r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_PREFIX = re.compile(r"(US\$|\$|USD|[¥￥]|RMB|CNY|人民币)\s*" + _NUMBER, re.IGNORECASE)
_SUFFIX = re.compile(
    _NUMBER + r"\s*(万)?\s*(元|块|美元|dollars?\b|USD\b|RMB\b|CNY\b)", re.IGNORECASE
)
_CURRENCY = {"$": "USD", "us$": "USD", "usd": "USD", "美元": "USD", "dollar": "USD"}
_CURRENCY.update({"dollars": "USD", "¥": "CNY", "￥": "CNY", "rmb": "CNY", "cny": "CNY"})
_CURRENCY.update({"人民币": "CNY", "元": "CNY", "块": "CNY"})
TEN_THOUSAND = Decimal(10000)
CAP_RULES = {  # the rule an above-cap demand breaks, by the currency demanded
    "CNY": (
        "CN-RATE-29",
        "民间借贷规定(2020) 第二十九条: 逾期利息、违约金及其他费用合计不超过 4 倍 LPR",
    ),
    "USD": (
        "FD-CONTENT.fees",
        "15 U.S.C. 1692f(1): no amount not authorized by the agreement or by law",
    ),
}


@dataclass(frozen=True, slots=True)
class Demand:
    currency: str
    amount: Decimal
    text: str  # as written in the message


def demanded_amounts(content: str) -> list[Demand]:
    """Every sum of money written in `content`, in the order written."""
    found: list[tuple[int, Demand]] = []
    for match in _PREFIX.finditer(content):
        amount = Decimal(match.group(2).replace(",", ""))
        found.append((match.start(), Demand(_CURRENCY[match.group(1).lower()], amount, match[0])))
    for match in _SUFFIX.finditer(content):
        if any(start <= match.start() < start + len(d.text) for start, d in found):
            continue  # "¥100元" is one sum, not two
        amount = Decimal(match.group(1).replace(",", ""))
        amount *= TEN_THOUSAND if match.group(2) else 1
        found.append((match.start(), Demand(_CURRENCY[match.group(3).lower()], amount, match[0])))
    return [demand for _, demand in sorted(found, key=lambda item: item[0])]


def above_demandable(content: str, demandable: Mapping[str, Decimal]) -> Demand | None:
    """The first sum in `content` above what may be demanded in its currency (a currency the
    borrower owes nothing in allows nothing)."""
    for demand in demanded_amounts(content):
        if demand.amount > demandable.get(demand.currency, Decimal(0)):
            return demand
    return None


def above_cap_rule(above: Demand, demandable: Mapping[str, Decimal]) -> FiredRule:
    """The application's denial of a demand above what may be demanded (CAP_RULES)."""
    rule, citation = CAP_RULES.get(above.currency, CAP_RULES["CNY"])
    limit = demandable.get(above.currency, Decimal(0)).quantize(Decimal("0.01"))
    message = (
        f"The message demands “{above.text}”, more than the {above.currency} {limit} that may "
        "be demanded (charges above the cap are excluded)."
    )
    return FiredRule(rule, citation, Severity.DENY, message)
