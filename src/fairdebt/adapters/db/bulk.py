"""Bulk upsert through a staging table: set-based SQL, the same on SQLite and PostgreSQL.

Rows go into a TEMPORARY staging table in batches (executemany on SQLite, COPY on
PostgreSQL); then one INSERT … SELECT adds the new rows and one query finds the changed ones.
No Python object is built per row beyond the tuple handed to the driver.

Encrypted columns (crypto.Sealed) bypass SQLAlchemy's types on these raw paths, so their values
are sealed in Python first (`seal_table`); a table with such columns is upserted by comparing
decrypted rows in Python (`upsert_sealed`), since two seals of one value never compare equal.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

import pyarrow as pa
from sqlalchemy import Column, MetaData, Table, and_, exists, func, insert, not_, select, update
from sqlalchemy.engine import Connection

from fairdebt.adapters.db.crypto import Sealed, keyring
from fairdebt.services.ports.records import UpsertResult

BATCH = 100_000


def sealed_columns(target: Table) -> dict[str, str]:
    """Column name -> its "table.column" label, for the encrypted columns of `target`."""
    return {c.name: c.type.where for c in target.columns if isinstance(c.type, Sealed)}


def seal_table(target: Table, table: pa.Table) -> pa.Table:
    """`table` with the values of `target`'s encrypted columns sealed (for raw COPY/executemany,
    which skip SQLAlchemy's types)."""
    ring = keyring()
    for name, where in sealed_columns(target).items():
        if name not in table.column_names:
            continue
        plain = table[name].to_pylist()
        sealed = [ring.seal(v, where) if v else v for v in plain]
        index = table.column_names.index(name)
        table = table.set_column(index, name, pa.array(sealed, pa.string()))
    return table


def staging_table(target: Table) -> Table:
    columns = [Column(c.name, c.type) for c in target.columns]
    return Table(f"stage_{target.name}", MetaData(), *columns, prefixes=["TEMPORARY"])


def _values(column: pa.Array) -> list[Any]:
    if pa.types.is_date(column.type):
        column = column.cast(pa.string())
    if (
        pa.types.is_integer(column.type) or pa.types.is_floating(column.type)
    ) and not column.null_count:
        return cast(
            list[Any], column.to_numpy().tolist()
        )  # several times faster than to_pylist for numbers
    return cast(list[Any], column.to_pylist())


def _rows(table: pa.Table) -> Iterator[list[tuple[Any, ...]]]:
    """Batches of plain tuples; dates as ISO text (both drivers accept it for DATE)."""
    for batch in table.to_batches(max_chunksize=BATCH):
        yield list(zip(*(_values(c) for c in batch.columns), strict=True))


@contextmanager
def deferred_indexes(conn: Connection, tables: Sequence[Table]) -> Iterator[None]:
    """Drop the secondary indexes of `tables` for a bulk load and build them after it:
    one sort per index instead of millions of B-tree inserts."""
    indexes = [index for table in tables for index in table.indexes]
    for index in indexes:
        index.drop(conn)
    yield
    for index in indexes:
        index.create(conn)


def insert_rows(conn: Connection, target: Table, table: pa.Table) -> None:
    """Bulk-insert an Arrow table's rows (its columns named as the target's): COPY on
    PostgreSQL, executemany on SQLite."""
    names = table.column_names
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {target.name} ({', '.join(names)}) FROM STDIN") as copy:
            for rows in _rows(table):
                for row in rows:
                    copy.write_row(row)
        return
    marks = ", ".join("?" * len(names))
    sql = f"INSERT INTO {target.name} ({', '.join(names)}) VALUES ({marks})"
    for rows in _rows(table):
        conn.exec_driver_sql(sql, rows)


def load_stage(conn: Connection, stage: Table, table: pa.Table) -> None:
    stage.create(conn)
    insert_rows(conn, stage, table)


def upsert(
    conn: Connection, target: Table, key: Sequence[str], table: pa.Table, want_new: bool = False
) -> UpsertResult:
    """Insert new rows, update changed ones; return what changed (old, new) and the count new."""
    stage = staging_table(target)
    load_stage(conn, stage, table)
    cols = table.column_names
    same_key = and_(*(stage.c[k] == target.c[k] for k in key))
    is_new = not_(exists().where(same_key))
    new_rows: tuple[dict[str, Any], ...] = ()
    if want_new:
        new_rows = tuple(dict(r._mapping) for r in conn.execute(select(stage).where(is_new)))
    # Counted before inserting: rowcount of INSERT … SELECT is not reliable on every driver.
    new = conn.execute(select(func.count()).select_from(stage).where(is_new)).scalar_one()
    conn.execute(
        insert(target).from_select(cols, select(*(stage.c[c] for c in cols)).where(is_new))
    )
    differs = not_(and_(*(stage.c[c].is_not_distinct_from(target.c[c]) for c in cols)))
    query = (
        select(stage, *(target.c[c].label(f"old_{c}") for c in cols))
        .join(target, same_key)
        .where(differs)
    )
    changed = []
    for row in conn.execute(query):
        values = row._mapping
        changed.append(({c: values[f"old_{c}"] for c in cols}, {c: values[c] for c in cols}))
    _apply_changes(conn, target, key, changed)
    stage.drop(conn)
    return UpsertResult(new=new, changed=tuple(changed), new_rows=new_rows)


def upsert_sealed(conn: Connection, target: Table, key: str, table: pa.Table) -> UpsertResult:
    """`upsert` for a table with encrypted columns, keyed by one column: the stored rows of the
    incoming keys are read (decrypted) and compared in Python; new rows are inserted sealed,
    changed ones updated through the Core types (which seal them)."""
    cols = table.column_names
    incoming = table.to_pylist()
    stored: dict[Any, dict[str, Any]] = {}
    keys = [row[key] for row in incoming]
    for start in range(0, len(keys), 20_000):
        chunk = keys[start : start + 20_000]
        query = select(*(target.c[c] for c in cols)).where(target.c[key].in_(chunk))
        stored.update({r._mapping[key]: dict(r._mapping) for r in conn.execute(query)})
    new_rows = [row for row in incoming if row[key] not in stored]
    changed = [
        (stored[row[key]], row)
        for row in incoming
        if row[key] in stored and stored[row[key]] != row
    ]
    if new_rows:
        insert_rows(conn, target, seal_table(target, pa.Table.from_pylist(new_rows, table.schema)))
    _apply_changes(conn, target, (key,), changed)
    return UpsertResult(new=len(new_rows), changed=tuple(changed), new_rows=tuple(new_rows))


def _apply_changes(
    conn: Connection,
    target: Table,
    key: Sequence[str],
    changed: list[tuple[dict[str, Any], dict[str, Any]]],
) -> None:
    for _old, new in changed:
        where = and_(*(target.c[k] == new[k] for k in key))
        conn.execute(
            update(target).where(where).values(**{c: v for c, v in new.items() if c not in key})
        )


def existing_keys(conn: Connection, target: Table, column: str, values: Sequence[str]) -> set[str]:
    """Which of `values` are already in `target.column` (chunked to stay under bind limits)."""
    found: set[str] = set()
    for start in range(0, len(values), 20_000):
        chunk = list(values[start : start + 20_000])
        query = select(target.c[column]).where(target.c[column].in_(chunk))
        found.update(r[0] for r in conn.execute(query))
    return found
