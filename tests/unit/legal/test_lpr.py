"""The one-year LPR table as package data, and the rate in force at a date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fairdebt.legal.errors import LegalRequestError
from fairdebt.legal.lpr import FIRST_QUOTE, lpr_at, parse_table, table


def test_every_row_of_the_packaged_table_carries_a_source_and_a_confidence() -> None:
    quotes = table()

    assert quotes[0].published_on == FIRST_QUOTE
    assert quotes[0].rate == Decimal("0.0425")
    for quote in quotes:
        assert quote.source.strip()
        assert quote.confidence in {"P", "S"}


def test_the_table_lists_every_change_from_2019_to_2025() -> None:
    dates = [q.published_on for q in table()]

    assert len(dates) == 13
    assert dates[-1] == date(2025, 5, 20)


def test_a_quote_is_in_force_from_its_publication_day_until_the_next() -> None:
    assert lpr_at(date(2020, 4, 19)).rate == Decimal("0.0405")
    assert lpr_at(date(2020, 4, 20)).rate == Decimal("0.0385")
    assert lpr_at(date(2021, 12, 19)).rate == Decimal("0.0385")
    assert lpr_at(date(2021, 12, 20)).confidence == "S"


def test_after_the_last_change_the_last_rate_holds() -> None:
    assert lpr_at(date(2026, 4, 20)).rate == Decimal("0.03")
    assert lpr_at(date(2026, 4, 20)).published_on == date(2025, 5, 20)


def test_there_is_no_lpr_before_the_first_quote() -> None:
    with pytest.raises(LegalRequestError, match="no one-year LPR before 2019-08-20") as err:
        lpr_at(date(2019, 8, 19))
    assert "filed_on" in err.value.hint


def test_a_table_out_of_order_is_refused() -> None:
    text = "published_on,rate_percent,source,confidence\n2020-01-01,4,a,P\n2019-01-01,4,b,P\n"

    with pytest.raises(ValueError, match="ascending"):
        parse_table(text)


def test_a_table_with_other_columns_is_refused() -> None:
    with pytest.raises(ValueError, match="columns"):
        parse_table("date,rate\n2020-01-01,4\n")
