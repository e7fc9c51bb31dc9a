"""United States: state statutes of limitations (as sourced data) and the validation period.

Statutes of limitations are state law. `data/us_sol.csv` holds one row per state (the 50 states
and DC) with the period for a written contract (an instalment loan) and for an open account (a
credit card), which events restart it, the statute, the sources and a confidence tag. The
figures come from public secondary tables compared with one another (docs/legal.md, "US
limitation"): a figure is filled in only where at least two sources agree, otherwise the cell is
empty and the note says what the sources claim. It is not legal advice: counsel must confirm it.
Columns:
- `state`: two-letter code, lower case (`ny`);
- `written_contract_years`, `open_account_years`: whole years, or empty when unknown;
- `restarted_by`: `;`-separated event types of docs/legal.md that restart the period in
  that state, optionally narrowed to a kind (`debtor_ack:partial_payment`); empty: none is
  recorded, so nothing restarts it (which errs towards time-barred: no threat of suit);
- `citation`, `source` (URLs, ` ; `-separated), `confidence` (P / S / M as in
  docs/packs/us-regf-sources.md, with how many sources agree), `note`.
An expired period feeds the gate's time-barred flag: US-TBD (12 CFR 1006.26(b)) forbids suing or
threatening suit on a time-barred debt.

The validation period (US-VAL: 15 U.S.C. 1692g(a); 12 CFR 1006.34(b)(5)): the collector may
assume receipt on the 5th day after sending, excluding Saturdays, Sundays and legal public
holidays; the period ends 30 days after receipt. Worked case US-35: sent Mon 2021-11-01, assumed
received Mon 2021-11-08, period ends Wed 2021-12-08. Neither 1006.34(b)(5) nor its official
interpretation (comments 34(b)(5)-1, -2) moves that 30th day off a weekend or holiday, so it is
not moved. A state period's `expires_on` is its corresponding day: whether a state runs a
limitation period on to the next court day is state law the table does not hold yet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from importlib.resources import files

from fairdebt.legal.calendar import add_business_days
from fairdebt.legal.dates import add_years
from fairdebt.legal.errors import LegalRequestError
from fairdebt.legal.limitation import Debt, LimitationEvent, LimitationResult, Status

COLUMNS = (
    "state",
    "written_contract_years",
    "open_account_years",
    "restarted_by",
    "citation",
    "source",
    "confidence",
    "note",
)
RECEIPT_BUSINESS_DAYS = 5
VALIDATION_DAYS = 30


class DebtKind(StrEnum):
    """Which of a state's periods governs: a loan agreement, or a revolving (card) account."""

    WRITTEN_CONTRACT = "written_contract"
    OPEN_ACCOUNT = "open_account"


@dataclass(frozen=True, slots=True)
class StatePeriod:
    """One state's limitation periods for a consumer debt, with where the figures come from."""

    state: str
    written_contract_years: int | None
    open_account_years: int | None
    restarted_by: frozenset[str]
    source: str
    confidence: str
    citation: str = ""
    note: str = ""

    def years_for(self, kind: DebtKind | None = None) -> int | None:
        """The period for `kind`; with no kind, the shorter known one (the earlier bar is the
        safer assumption for a collector who must not threaten suit). None: not sourced."""
        if kind is DebtKind.WRITTEN_CONTRACT:
            return self.written_contract_years
        if kind is DebtKind.OPEN_ACCOUNT:
            return self.open_account_years
        known = [y for y in (self.written_contract_years, self.open_account_years) if y is not None]
        return min(known) if known else None

    def restarts(self, event: LimitationEvent) -> bool:
        narrow = f"{event.type.value}:{event.kind.value}" if event.kind else ""
        return event.type.value in self.restarted_by or narrow in self.restarted_by


@dataclass(frozen=True, slots=True)
class ValidationPeriod:
    sent_on: date
    assumed_receipt_on: date
    ends_on: date


def parse_sol_table(text: str) -> tuple[StatePeriod, ...]:
    """Read the CSV text of a state table; a row without a source or with a bad figure is
    refused, and so is a state listed twice."""
    rows = csv.DictReader(io.StringIO(text))
    if tuple(rows.fieldnames or ()) != COLUMNS:
        raise ValueError(f"statute-of-limitations table columns must be {COLUMNS}")
    periods: dict[str, StatePeriod] = {}
    for row in rows:
        period = _period(row)
        if period.state in periods:
            raise ValueError(f"state {period.state} is listed twice")
        periods[period.state] = period
    return tuple(periods.values())


def _period(row: Mapping[str, str]) -> StatePeriod:
    state = row["state"].strip().lower()
    if not row["source"].strip():
        raise ValueError(f"state {state} has no source: leave its figures empty instead")
    return StatePeriod(
        state=state,
        written_contract_years=_years(row, "written_contract_years"),
        open_account_years=_years(row, "open_account_years"),
        restarted_by=frozenset(t.strip() for t in row["restarted_by"].split(";") if t.strip()),
        source=row["source"].strip(),
        confidence=row["confidence"].strip(),
        citation=row["citation"].strip(),
        note=row["note"].strip(),
    )


def _years(row: Mapping[str, str], column: str) -> int | None:
    text = row[column].strip()
    if not text:
        return None  # not sourced: the debt's status is unknown, never guessed
    if not text.isdigit() or not 1 <= int(text) <= 30:
        raise ValueError(f"state {row['state']}: {column} must be whole years, 1-30, not {text!r}")
    return int(text)


@cache
def sol_table() -> tuple[StatePeriod, ...]:
    """The packaged table, read once on first use."""
    data = files("fairdebt.legal").joinpath("data", "us_sol.csv")
    return parse_sol_table(data.read_text(encoding="utf-8"))


def find_state(state: str, table: Iterable[StatePeriod] | None = None) -> StatePeriod | None:
    """The row for `state` (two-letter code, any case), or None when the table has none."""
    return next(
        (p for p in (sol_table() if table is None else table) if p.state == state.lower()), None
    )


def state_period(state: str, table: Iterable[StatePeriod] | None = None) -> StatePeriod:
    """The row for `state` with at least one sourced figure, or a LegalRequestError."""
    period = find_state(state, table)
    if period is None or period.years_for() is None:
        raise _unsourced(state, None)
    return period


def _unsourced(state: str, kind: DebtKind | None) -> LegalRequestError:
    what = f" ({kind.value.replace('_', ' ')})" if kind else ""
    return LegalRequestError(
        f"no sourced statute-of-limitations figure for us-{state.lower()}{what}",
        hint="data/us_sol.csv fills a figure only where two sources agree (docs/legal.md); "
        "treat the debt as possibly time-barred and do not threaten suit",
    )


def us_limitation(
    period: StatePeriod,
    debt: Debt,
    events: Iterable[LimitationEvent],
    as_of: date,
    kind: DebtKind | None = None,
) -> LimitationResult:
    """Start, expiry and status under one state's period; only its listed events restart it.

    Accrual varies by state; the period runs from `known_default_on` when given (the default
    the state's rule counts from), else from the last due date. Without `kind` the shorter of
    the state's known periods applies; a kind without a sourced figure is refused.
    """
    years = period.years_for(kind)
    if years is None:
        raise _unsourced(period.state, kind)
    start = debt.known_default_on or max(debt.due_dates)
    expires, moved = add_years(start, years), []
    for event in sorted(events, key=lambda e: e.on):
        if start <= event.on <= expires and period.restarts(event):
            expires = max(expires, add_years(event.on, years))
            moved.append(event)
    status = Status.RUNNING if as_of <= expires else Status.EXPIRED
    rules = [f"US-SOL-{period.state.upper()}"] + (["US-TBD"] if status is Status.EXPIRED else [])
    return LimitationResult(start, expires, status, tuple(moved), None, tuple(rules), expires)


def validation_period(sent_on: date) -> ValidationPeriod:
    """US-VAL: assumed receipt 5 business days after sending; the period ends 30 days later."""
    try:
        receipt = add_business_days(sent_on, RECEIPT_BUSINESS_DAYS)
    except ValueError as exc:
        raise LegalRequestError(str(exc), hint="give a date from 1971 on") from None
    return ValidationPeriod(sent_on, receipt, receipt + timedelta(days=VALIDATION_DAYS))
