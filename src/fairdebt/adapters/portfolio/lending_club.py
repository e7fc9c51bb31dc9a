"""Adapter: Lending Club loans (OpenIntro's `loans_full_schema`) -> the import format.

Real loans nobody here wrote: 10,000 loans issued January–March 2018 with their status,
balance and amounts paid. The adapter maps each loan to a borrower, an account, an amortised
instalment schedule and the payments received, so fairdebt can derive delinquency itself;
the dataset's `loan_status` is never read here — tests compare against it.

Assumptions, each forced by what the data set does not say:
- Loans are disbursed on the 1st of the issue month; instalments fall due on the 1st of each
  following month; the data set is a snapshot taken on AS_OF (20 June 2018): then loans issued
  in January have 5 instalments due, February 4, March 3, which is what current loans paid.
- Amounts paid are known only as totals, so they are recorded as one payment on AS_OF (DPD
  depends only on the total paid by the as-of date). Late fees paid are left out: they are not
  instalments.
- Lending Club's reported totals for current loans fall short of whole instalments (after five
  payments most current loans show 4.95–4.98 instalments; a tenth show 4.8–4.9), so a total
  within 20 % of an instalment below a whole number of instalments is read as that number.
- A loan with no balance left was paid off: its schedule ends with a payoff instalment, due on
  AS_OF, of the principal left and the interest actually paid beyond the amortised instalments.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pyarrow as pa

AS_OF = date(2018, 6, 20)
CENT = Decimal("0.01")
SHORTFALL_TOLERANCE = Decimal("0.20")
MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}

_PACIFIC = ("CA", "NV", "OR", "WA")
_MOUNTAIN = ("CO", "ID", "MT", "NM", "UT", "WY")
_CENTRAL = (
    "AL",
    "AR",
    "IA",
    "IL",
    "KS",
    "LA",
    "MN",
    "MO",
    "MS",
    "ND",
    "NE",
    "OK",
    "SD",
    "TN",
    "TX",
    "WI",
)
STATE_ZONE = {
    **dict.fromkeys(_PACIFIC, "America/Los_Angeles"),
    **dict.fromkeys(_MOUNTAIN, "America/Denver"),
    **dict.fromkeys(_CENTRAL, "America/Chicago"),
    "AZ": "America/Phoenix",
    "AK": "America/Anchorage",
    "HI": "Pacific/Honolulu",
}
EASTERN = "America/New_York"


def _money(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


def _disbursed(issue_month: str) -> date:
    name, year = issue_month.split("-")
    return date(int(year), MONTHS[name], 1)


def amortise(
    amount: Decimal, yearly_percent: Decimal, term: int, instalment: Decimal
) -> list[tuple[Decimal, Decimal]]:
    """(principal, interest) per month for a level-payment loan; the last absorbs rounding."""
    rate = yearly_percent / Decimal(1200)
    left, rows = amount, []
    for month in range(1, term + 1):
        interest = (left * rate).quantize(CENT, rounding=ROUND_HALF_UP)
        principal = left if month == term else min(left, instalment - interest)
        rows.append((principal, interest))
        left -= principal
    return rows


def _paid_instalments(paid: Decimal, instalment: Decimal) -> Decimal:
    """The paid total, with Lending Club's rounding shortfall read as whole instalments."""
    whole = (paid / instalment).to_integral_value(rounding=ROUND_HALF_UP)
    short = whole * instalment - paid
    if Decimal(0) < short <= SHORTFALL_TOLERANCE * instalment:
        return whole * instalment
    return paid


def convert(records: list[dict[str, Any]]) -> dict[str, pa.Table]:
    """Dataset rows (dicts) -> {borrowers, accounts, schedules, payments} Arrow tables."""
    out: dict[str, list[dict[str, Any]]] = {
        k: [] for k in ("borrowers", "accounts", "schedules", "payments")
    }
    for row in records:
        _one_loan(row, out)
    return {kind: pa.Table.from_pylist(rows) for kind, rows in out.items()}


def _one_loan(row: dict[str, Any], out: dict[str, list[dict[str, Any]]]) -> None:
    n = int(row["rownames"])
    borrower, account = f"LC-B{n:05d}", f"LC-A{n:05d}"
    amount, instalment = _money(row["loan_amount"]), _money(row["installment"])
    rate = Decimal(str(row["interest_rate"]))
    disbursed = _disbursed(row["issue_month"])
    out["borrowers"].append(
        {
            "borrower_id": borrower,
            "name": f"Lending Club borrower {n}",
            "timezone": STATE_ZONE.get(row["state"], EASTERN),
        }
    )
    out["accounts"].append(
        {
            "account_id": account,
            "borrower_id": borrower,
            "product": "consumer_loan",
            "lender": "Lending Club (WebBank)",
            "lender_type": "licensed_bank",
            "currency": "USD",
            "principal": str(amount),
            "interest_rate": str(rate / 100),
            "disbursed_on": disbursed,
        }
    )
    paid = _money(row["paid_total"]) - _money(row["paid_late_fees"])
    rows = amortise(amount, rate, int(row["term"]), instalment)
    if _money(row["balance"]) == 0:
        rows = _paid_off(rows, disbursed, amount, _money(row["paid_interest"]))
    else:
        paid = _paid_instalments(paid, instalment)
    for seq, (principal, interest) in enumerate(rows, 1):
        out["schedules"].append(
            {
                "account_id": account,
                "seq": seq,
                "due_on": _add_months(disbursed, seq),
                "principal": str(principal),
                "interest": str(interest),
            }
        )
    if paid > 0:
        out["payments"].append(
            {
                "payment_id": f"LC-P{n:05d}",
                "account_id": account,
                "paid_on": AS_OF,
                "amount": str(paid),
                "channel": "other_official",
                "channel_ref": f"lendingclub:{n}",
            }
        )


def _paid_off(
    rows: list[tuple[Decimal, Decimal]], disbursed: date, amount: Decimal, interest_paid: Decimal
) -> list[tuple[Decimal, Decimal]]:
    """Schedule of a loan repaid early: the instalments due before AS_OF, then the payoff.

    Interest is what was actually paid: the amortised interest of each instalment while the
    interest paid lasts, the rest (if any) in the payoff.
    """
    due: list[tuple[Decimal, Decimal]] = []
    interest_left = interest_paid
    for i, (principal, interest) in enumerate(rows, 1):
        if _add_months(disbursed, i) >= AS_OF or i == len(rows):
            break
        charged = min(interest, interest_left)
        due.append((principal, charged))
        interest_left -= charged
    principal_left = amount - sum((p for p, _ in due), Decimal(0))
    return [*due, (principal_left, interest_left)]


def payoff_due_on(disbursed: date, instalments: int) -> date:
    return _add_months(disbursed, instalments)
