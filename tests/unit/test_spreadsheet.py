"""A CSV cell a spreadsheet would run as a formula gets a leading `'`; others are untouched."""

from __future__ import annotations

import pyarrow as pa
import pytest

from fairdebt.spreadsheet import neutralise, neutralise_table


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(1+1)", "\t=1", "\r=1"])
def test_a_formula_trigger_is_prefixed(value: str) -> None:
    assert neutralise(value) == "'" + value
    table = neutralise_table(pa.table({"a": [value, None], "n": [1, 2]}))
    assert table.to_pylist() == [{"a": "'" + value, "n": 1}, {"a": None, "n": 2}]


@pytest.mark.parametrize("value", ["", "ok", "1+1", " =1", "'=1", "张伟"])
def test_other_text_is_untouched(value: str) -> None:
    assert neutralise(value) == value
    assert neutralise_table(pa.table({"a": [value]})).column("a").to_pylist() == [value]
