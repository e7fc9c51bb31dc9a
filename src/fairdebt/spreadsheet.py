"""Cells of a CSV file people open in a spreadsheet, made inert.

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel, LibreOffice
and Google Sheets as a formula (`=HYPERLINK(…)`, `@SUM(1+1)`): a value taken from an imported
file would run on the reader's machine (OWASP, "CSV Injection"). Every CSV fairdebt writes for
people passes its text through here: such a cell gets a leading `'`, which spreadsheets show
as text and do not display. The data itself is stored as given; only the file is changed.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_TRIGGER = r"^[=+\-@\t\r]"


def neutralise(value: str) -> str:
    """`value` with a leading `'` when a spreadsheet would read it as a formula."""
    return "'" + value if value.startswith(TRIGGERS) else value


def neutralise_table(table: pa.Table) -> pa.Table:
    """`table` with every text cell neutralised (other types are numbers or dates: inert)."""
    columns = []
    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            risky = pc.fill_null(pc.match_substring_regex(column, _TRIGGER), False)
            column = pc.if_else(risky, pc.binary_join_element_wise("'", column, ""), column)
        columns.append(column)
    return pa.table(columns, names=table.column_names)
