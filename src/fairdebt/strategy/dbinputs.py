"""`strategy run --db`: the app database (SQLite or PostgreSQL) as the run's inputs.

Rows are read with SQLAlchemy into Arrow in the strategy's normal form (cents, days since
1970-01-01) and handed to the backend; DuckDB cannot attach SQLite here (its extension would
be downloaded). Activity comes from the cases (holds) and the promises (kept / broken).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa
from sqlalchemy import Integer, func, select
from sqlalchemy.engine import Connection, Engine

from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.engine import connect
from fairdebt.strategy.backend import Backend
from fairdebt.strategy.inputs import Inputs, as_view

CHUNK = 200_000


def _days(values: Sequence[Any]) -> pa.Array:
    return pa.array(values, pa.date32()).cast(pa.int32()).cast(pa.int64())


def _fetch(conn: Connection, stmt: Any, types: dict[str, Any]) -> pa.Table:
    """Run `stmt` and build an Arrow table chunk by chunk; `types` maps column -> Arrow type
    (the string "days" turns a date into days since 1970-01-01)."""
    batches = []
    for rows in conn.execute(stmt).partitions(CHUNK):
        columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
        arrays = [
            _days(col) if kind == "days" else pa.array(col, kind)
            for col, kind in zip(columns, types.values(), strict=True)
        ]
        batches.append(pa.RecordBatch.from_arrays(arrays, names=list(types)))
    schema = pa.schema([(n, pa.int64() if k == "days" else k) for n, k in types.items()])
    return pa.Table.from_batches(batches, schema=schema)


def read_database(backend: Backend, engine: Engine, previous: pa.Table | None) -> Inputs:
    text, i64 = pa.string(), pa.int64()
    with connect(engine) as conn:
        raw = {
            "accounts": _fetch(
                conn,
                select(
                    t.accounts.c.id,
                    t.accounts.c.borrower_id,
                    t.accounts.c.product,
                    t.accounts.c.lender_type,
                    t.accounts.c.principal_cents,
                    t.accounts.c.disbursed_on,
                ),
                {
                    "account_id": text,
                    "borrower_id": text,
                    "product": text,
                    "lender_type": text,
                    "principal_cents": i64,
                    "disbursed_day": "days",
                },
            ),
            "borrowers": _fetch(
                conn,
                select(t.borrowers.c.id, t.borrowers.c.city, t.borrowers.c.national_id),
                {"borrower_id": text, "city": text, "national_id": text},
            ),
            "schedules": _fetch(
                conn,
                select(
                    t.instalments.c.account_id,
                    t.instalments.c.seq,
                    t.instalments.c.due_on,
                    t.instalments.c.principal_cents
                    + t.instalments.c.interest_cents
                    + t.instalments.c.fee_cents,
                ),
                {"account_id": text, "seq": i64, "due_day": "days", "due_cents": i64},
            ),
            "payments": _fetch(
                conn,
                select(t.payments.c.account_id, t.payments.c.paid_on, t.payments.c.amount_cents),
                {"account_id": text, "paid_day": "days", "amount_cents": i64},
            ),
            "activity": _activity(conn),
        }
    tables = {k: as_view(backend.con, k, backend.register(f"fd_db_{k}", v)) for k, v in raw.items()}
    return Inputs(
        accounts=tables["accounts"],
        borrowers=tables["borrowers"],
        schedules=tables["schedules"],
        payments=tables["payments"],
        activity=tables["activity"],
        previous=backend.register("fd_previous", previous) if previous is not None else None,
    )


def _activity(conn: Connection) -> pa.Table:
    """Holds per borrower (from cases) and promise outcomes (from promises, when present)."""
    from fairdebt.adapters.db import repayment_tables as r

    promises = (
        select(
            t.cases.c.borrower_id,
            func.sum((r.promises.c.status == "broken").cast(Integer)).label("broken"),
            func.sum((r.promises.c.status == "kept").cast(Integer)).label("kept"),
        )
        .join(r.promises, r.promises.c.case_id == t.cases.c.id)
        .group_by(t.cases.c.borrower_id)
        .subquery()
    )
    stmt = select(
        t.cases.c.borrower_id,
        t.cases.c.holds,
        func.coalesce(promises.c.broken, 0),
        func.coalesce(promises.c.kept, 0),
    ).outerjoin(promises, promises.c.borrower_id == t.cases.c.borrower_id)
    table = _fetch(
        conn,
        stmt,
        {
            "borrower_id": pa.string(),
            "holds": pa.string(),
            "broken_promises": pa.int64(),
            "kept_promises": pa.int64(),
        },
    )
    n = table.num_rows
    zeros = pa.array([0] * n, pa.int64())
    return (
        table.append_column("last_contact_day", pa.nulls(n, pa.int64()))
        .append_column("failed_contacts", zeros)
        .append_column("complaints", zeros)
        .select(
            [
                "borrower_id",
                "holds",
                "last_contact_day",
                "failed_contacts",
                "broken_promises",
                "kept_promises",
                "complaints",
            ]
        )
    )
