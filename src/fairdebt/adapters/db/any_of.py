"""`column IN (values)` whose SQL text does not depend on how many values there are.

SQLAlchemy renders an expanding IN as one bound parameter per value, so a batch of 37 cases
and one of 50 are two different statements. On PostgreSQL that costs at both ends: psycopg
parses each new text again (and above 4 KiB, ~100 values here, it does not cache the parse at
all), and the server cannot reuse a prepared plan. There the values go as one array
parameter (`column = ANY(%(values)s)`), the same text for any count. SQLite has no arrays and
no such costs (its statements are parsed in C): it keeps the expanding IN.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement


def any_of(conn: Connection, column: ColumnElement[Any], values: Iterable[Any]) -> Any:
    """The condition `column` is one of `values`, for a statement run on `conn`."""
    values = list(values)
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)
