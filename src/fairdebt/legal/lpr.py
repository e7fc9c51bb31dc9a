"""The one-year Loan Prime Rate (贷款市场报价利率, LPR): the table and the rate in force at a date.

Source: `data/lpr_1y.csv` (National Interbank Funding Center quotes). It lists every CHANGE of the
one-year LPR since the reformed quote began on 2019-08-20 (PBOC Announcement [2019] No. 15);
each row keeps the address it was read from and a confidence tag (P: the announcement's text,
S: secondary only). The LPR is re-quoted monthly; a month without a row repeated the last rate.
The last reading stored says the rate was unchanged through 2026-04-20 (`CHECKED_THROUGH`); a
later date is answered with the last rate and flagged by that date in the answer.

Dates before the first quote have no LPR: 民间借贷规定 第二十五条 (CN-RATE-25) defines the LPR as
the rate published since 2019-08-20, and older contracts are capped through the transition rule
(CN-RATE-31), which uses the LPR at filing, never one from before 2019-08-20.
"""

from __future__ import annotations

import csv
import io
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib.resources import files

from fairdebt.legal.errors import LegalRequestError

FIRST_QUOTE = date(2019, 8, 20)
CHECKED_THROUGH = date(2026, 4, 20)  # see the 2025-05-20 row's source in data/lpr_1y.csv
COLUMNS = ("published_on", "rate_percent", "source", "confidence")


@dataclass(frozen=True, slots=True)
class LprQuote:
    """One published one-year LPR. `rate` is a fraction per year: 0.0385 = 3.85 %."""

    published_on: date
    rate: Decimal
    source: str
    confidence: str


def parse_table(text: str) -> tuple[LprQuote, ...]:
    """Read the CSV text of an LPR table, oldest first; a malformed row is a ValueError."""
    rows = csv.DictReader(io.StringIO(text))
    if tuple(rows.fieldnames or ()) != COLUMNS:
        raise ValueError(f"LPR table columns must be {COLUMNS}, got {rows.fieldnames}")
    quotes = tuple(
        LprQuote(
            published_on=date.fromisoformat(row["published_on"]),
            rate=Decimal(row["rate_percent"]).scaleb(-2),
            source=row["source"],
            confidence=row["confidence"],
        )
        for row in rows
    )
    if [q.published_on for q in quotes] != sorted({q.published_on for q in quotes}):
        raise ValueError("LPR table dates must be unique and in ascending order")
    return quotes


@cache
def table() -> tuple[LprQuote, ...]:
    """The packaged table, read once on first use (never at import)."""
    data = files("fairdebt.legal").joinpath("data", "lpr_1y.csv")
    return parse_table(data.read_text(encoding="utf-8"))


def lpr_at(day: date, quotes: tuple[LprQuote, ...] | None = None) -> LprQuote:
    """The quote in force on `day`: the latest published on or before it.

    A quote is in force from its publication day (published at 9:00 that morning, before most
    contracts are signed). Before 2019-08-20 there is no LPR: a LegalRequestError says so.
    """
    quotes = table() if quotes is None else quotes
    index = bisect_right([q.published_on for q in quotes], day)
    if index == 0:
        raise LegalRequestError(
            f"no one-year LPR before {quotes[0].published_on if quotes else FIRST_QUOTE}: "
            f"asked for {day}",
            hint="the LPR began 2019-08-20; contracts made before 2020-08-20 are capped by the "
            "LPR at filing (民间借贷规定 第三十一条): give filed_on",
        )
    return quotes[index - 1]
