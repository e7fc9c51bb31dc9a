"""United States: state statutes of limitations (as sourced data) and the validation period.

Statutes of limitations are state law. `data/us_sol.csv` holds one row per state with the number
of years, which events restart the period under that state's law, the source and a confidence
tag. A state is listed only with a sourced figure: RULES.md (section 2) gives none yet, so the
shipped table is empty and every `us-<state>` limitation request is refused with a readable
error rather than answered with an invented number. Columns:
- `state`: two-letter code, lower case (`ny`);
- `years`: whole years;
- `restarted_by`: `;`-separated event types of contracts/legal.md that restart the period in
  that state, optionally narrowed to a kind (`debtor_ack:partial_payment`); empty: none;
- `source`, `confidence` (P / S / M as in RULES.md), `note`.
An expired period feeds the gate's time-barred flag: US-TBD (12 CFR 1006.26(b)) forbids suing or
threatening suit on a time-barred debt.

The validation period (US-VAL: 15 U.S.C. 1692g(a); 12 CFR 1006.34(b)(5)): the collector may
assume receipt on the 5th day after sending, excluding Saturdays, Sundays and legal public
holidays; the period ends 30 days after receipt. RULES.md US-35: sent Mon 2021-11-01, assumed
received Mon 2021-11-08, period ends Wed 2021-12-08.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib.resources import files

from fairdebt.legal.calendar import add_business_days
from fairdebt.legal.dates import add_years
from fairdebt.legal.errors import LegalRequestError
from fairdebt.legal.limitation import Debt, LimitationEvent, LimitationResult, Status

COLUMNS = ("state", "years", "restarted_by", "source", "confidence", "note")
RECEIPT_BUSINESS_DAYS = 5
VALIDATION_DAYS = 30


@dataclass(frozen=True, slots=True)
class StatePeriod:
    """One state's limitation period for a consumer debt, with where the figure comes from."""

    state: str
    years: int
    restarted_by: frozenset[str]
    source: str
    confidence: str
    note: str = ""

    def restarts(self, event: LimitationEvent) -> bool:
        narrow = f"{event.type.value}:{event.kind.value}" if event.kind else ""
        return event.type.value in self.restarted_by or narrow in self.restarted_by


@dataclass(frozen=True, slots=True)
class ValidationPeriod:
    sent_on: date
    assumed_receipt_on: date
    ends_on: date


def parse_sol_table(text: str) -> tuple[StatePeriod, ...]:
    """Read the CSV text of a state table; a row without a source is refused."""
    rows = csv.DictReader(io.StringIO(text))
    if tuple(rows.fieldnames or ()) != COLUMNS:
        raise ValueError(f"statute-of-limitations table columns must be {COLUMNS}")
    periods = []
    for row in rows:
        if not row["source"].strip():
            raise ValueError(f"state {row['state']} has no source: leave it out instead")
        restarted = frozenset(t.strip() for t in row["restarted_by"].split(";") if t.strip())
        periods.append(
            StatePeriod(
                state=row["state"].strip().lower(),
                years=int(row["years"]),
                restarted_by=restarted,
                source=row["source"].strip(),
                confidence=row["confidence"].strip(),
                note=row["note"].strip(),
            )
        )
    return tuple(periods)


@cache
def sol_table() -> tuple[StatePeriod, ...]:
    """The packaged table, read once on first use."""
    data = files("fairdebt.legal").joinpath("data", "us_sol.csv")
    return parse_sol_table(data.read_text(encoding="utf-8"))


def state_period(state: str, table: Iterable[StatePeriod] | None = None) -> StatePeriod:
    """The row for `state`, or a LegalRequestError saying the figure is not sourced yet."""
    for period in sol_table() if table is None else table:
        if period.state == state.lower():
            return period
    raise LegalRequestError(
        f"no sourced statute-of-limitations figure for us-{state.lower()}",
        hint="data/us_sol.csv lists only states with a cited figure (RULES.md gives none "
        "yet); treat the debt as possibly time-barred and do not threaten suit",
    )


def us_limitation(
    period: StatePeriod, debt: Debt, events: Iterable[LimitationEvent], as_of: date
) -> LimitationResult:
    """Start, expiry and status under one state's period; only its listed events restart it.

    Accrual varies by state; the period runs from `known_default_on` when given (the default
    the state's rule counts from), else from the last due date.
    """
    start = debt.known_default_on or max(debt.due_dates)
    expires, moved = add_years(start, period.years), []
    for event in sorted(events, key=lambda e: e.on):
        if start <= event.on <= expires and period.restarts(event):
            expires = max(expires, add_years(event.on, period.years))
            moved.append(event)
    status = Status.RUNNING if as_of <= expires else Status.EXPIRED
    rules = [f"US-SOL-{period.state.upper()}"] + (["US-TBD"] if status is Status.EXPIRED else [])
    return LimitationResult(start, expires, status, tuple(moved), None, tuple(rules))


def validation_period(sent_on: date) -> ValidationPeriod:
    """US-VAL: assumed receipt 5 business days after sending; the period ends 30 days later."""
    try:
        receipt = add_business_days(sent_on, RECEIPT_BUSINESS_DAYS)
    except ValueError as exc:
        raise LegalRequestError(str(exc), hint="give a date from 1971 on") from None
    return ValidationPeriod(sent_on, receipt, receipt + timedelta(days=VALIDATION_DAYS))
