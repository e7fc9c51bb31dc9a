"""The run's inputs as Ibis tables in one normal form, whatever they were stored as.

Money becomes integer cents and dates become days since 1970-01-01 (`*_day`), so every later
expression is integer arithmetic that DuckDB and Spark compute identically. Parquet is read by
the backend itself (a 10-million-account portfolio never passes through Python); CSV is read
as text by the import reader and handed over as Arrow.

An optional `activity.csv|parquet` beside the portfolio carries what the import format does not:
per borrower `holds` (words joined by ","), `last_contact_on`, `failed_contacts`,
`broken_promises`, `kept_promises`, `complaints`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pyarrow as pa

from fairdebt.errors import InputFileError
from fairdebt.strategy.backend import Backend

ACTIVITY_COLUMNS = {
    "holds": "string",
    "last_contact_on": "date",
    "failed_contacts": "int",
    "broken_promises": "int",
    "kept_promises": "int",
    "complaints": "int",
}


@dataclass(frozen=True, slots=True)
class Inputs:
    """Normalised tables; `activity` and `previous` are None when there is nothing to read."""

    accounts: ir.Table  # account_id borrower_id product lender_type principal_cents disbursed_day
    borrowers: ir.Table  # borrower_id city national_id
    schedules: ir.Table  # account_id seq due_day due_cents
    payments: ir.Table  # account_id paid_day amount_cents
    activity: ir.Table | None = None  # borrower_id holds last_contact_day failed_contacts ...
    previous: ir.Table | None = None  # account_id prev_bucket prev_paid_cents prev_arm


def cents(col: ir.Value) -> ir.IntegerValue:
    """Yuan in any documented storage type -> integer cents."""
    kind = col.type()
    if kind.is_integer():
        return (col * 100).cast("int64")
    if kind.is_string():
        col = col.cast(dt.Decimal(18, 2))
    elif kind.is_floating():
        return (col * 100).round().cast("int64")
    return (col * 100).cast("int64")


def day(col: ir.Value) -> ir.IntegerValue:
    """A date (or ISO text, or timestamp) -> days since 1970-01-01."""
    kind = col.type()
    if kind.is_string():
        col = col.cast("date")
    elif kind.is_timestamp():
        col = col.date()
    return col.epoch_days().cast("int64")


def _text(t: ir.Table, name: str) -> ir.StringValue:
    if name not in t.columns:
        return ibis.null().cast("string")
    return t[name].cast("string")


def normalise(kind: str, t: ir.Table) -> ir.Table:
    """One portfolio table (docs/import.md columns) -> the strategy's normal form."""
    if kind == "accounts":
        return t.select(
            account_id=t.account_id.cast("string"),
            borrower_id=t.borrower_id.cast("string"),
            product=t["product"].cast("string"),
            lender_type=t.lender_type.cast("string"),
            principal_cents=cents(t.principal),
            disbursed_day=day(t.disbursed_on),
        )
    if kind == "borrowers":
        return t.select(
            borrower_id=t.borrower_id.cast("string"),
            city=_text(t, "city"),
            national_id=_text(t, "national_id"),
        )
    if kind == "schedules":
        fee = cents(t.fee).fill_null(0) if "fee" in t.columns else ibis.literal(0, "int64")
        return t.select(
            account_id=t.account_id.cast("string"),
            seq=t.seq.cast("int64"),
            due_day=day(t.due_on),
            due_cents=cents(t.principal) + cents(t.interest) + fee,
        )
    if kind == "payments":
        return t.select(
            account_id=t.account_id.cast("string"),
            paid_day=day(t.paid_on),
            amount_cents=cents(t.amount),
        )
    return normalise_activity(t)


def normalise_activity(t: ir.Table) -> ir.Table:
    unknown = sorted(set(t.columns) - {"borrower_id", *ACTIVITY_COLUMNS})
    if unknown or "borrower_id" not in t.columns:
        raise InputFileError(
            f"activity file: unknown columns {unknown}" if unknown else "activity: no borrower_id",
            hint="columns: borrower_id, " + ", ".join(ACTIVITY_COLUMNS),
        )

    def count(name: str) -> ir.IntegerValue:
        if name not in t.columns:
            return ibis.literal(0, "int64")
        return t[name].cast("int64").fill_null(0)

    last = day(t.last_contact_on) if "last_contact_on" in t.columns else ibis.null("int64")
    return t.select(
        borrower_id=t.borrower_id.cast("string"),
        holds=_text(t, "holds").fill_null(""),
        last_contact_day=last,
        failed_contacts=count("failed_contacts"),
        broken_promises=count("broken_promises"),
        kept_promises=count("kept_promises"),
        complaints=count("complaints"),
    )


def portfolio_files(folder: Path) -> dict[str, list[Path]]:
    """The portfolio files of a folder by kind (the import reader's naming rules)."""
    from fairdebt.adapters.portfolio.reader import SUFFIXES, kind_of

    if not folder.is_dir():
        raise InputFileError(f"not a folder: {folder}", hint="--portfolio takes a directory")
    found: dict[str, list[Path]] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in SUFFIXES or path.name.endswith(".rejects.csv"):
            continue
        kind = "activity" if path.name.lower().startswith("activity") else kind_of(path)
        if kind:
            found.setdefault(kind, []).append(path)
    missing = [k for k in ("borrowers", "accounts", "schedules", "payments") if k not in found]
    if missing:
        raise InputFileError(
            f"{folder}: no {', '.join(missing)} file(s)", hint="see docs/import.md for file names"
        )
    return found


def read_portfolio(backend: Backend, folder: Path, previous: pa.Table | None = None) -> Inputs:
    """Open a portfolio folder on a backend (nothing is computed yet)."""
    files = portfolio_files(folder)
    tables = {
        kind: as_view(backend.con, kind, _union([_open(backend, kind, p) for p in paths]))
        for kind, paths in files.items()
    }
    return Inputs(
        accounts=tables["accounts"],
        borrowers=tables["borrowers"],
        schedules=tables["schedules"],
        payments=tables["payments"],
        activity=tables.get("activity"),
        previous=backend.register("fd_previous", previous) if previous is not None else None,
    )


def as_view(con: Any, kind: str, table: ir.Table) -> ir.Table:
    """Name the normalised table as a view, so a query that reads it twice scans it twice.

    Ibis writes a table used twice as a CTE, and DuckDB materialises such CTEs: for the
    schedules of ten million accounts that is a hundred million rows held in memory.
    """
    return con.create_view(ibis.util.gen_name(f"fd_{kind}"), table, overwrite=True)


def _open(backend: Backend, kind: str, path: Path) -> ir.Table:
    from fairdebt.adapters.portfolio.reader import SourceFile, read

    if path.suffix.lower() == ".csv":
        source = _read_csv(path) if kind == "activity" else read(SourceFile(path, kind))  # type: ignore[arg-type]
        return normalise(kind, backend.register(f"fd_{kind}_csv", source))
    if kind != "activity":
        _check_parquet(path, kind)
    try:
        return normalise(kind, backend.con.read_parquet(str(path)))
    except Exception as exc:  # each backend raises its own reader errors
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputFileError(f"cannot read {path.name}: {reason}", hint="re-export it") from None


def _read_csv(path: Path) -> pa.Table:
    from pyarrow import csv

    try:
        return csv.read_csv(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputFileError(f"cannot read {path.name}: {exc}", hint="is it UTF-8 CSV?") from None


def _check_parquet(path: Path, kind: str) -> None:
    import pyarrow.parquet as pq

    from fairdebt.adapters.portfolio.spec import SPECS

    try:
        names = pq.read_schema(path).names
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputFileError(f"cannot read {path.name} as Parquet: {exc}") from None
    spec = SPECS[kind]  # type: ignore[index]
    missing = [c.name for c in spec.columns if c.required and c.name not in names]
    if missing:
        raise InputFileError(
            f"{path.name} ({kind}): missing required column(s) {', '.join(missing)}",
            hint="see docs/import.md",
        )


def left_join(t: ir.Table, right: ir.Table, key: str) -> ir.Table:
    """`t` LEFT JOIN `right` USING (key), keeping one key column (ibis keeps both otherwise)."""
    other = f"{key}__right"
    right = right.rename({other: key})
    return t.left_join(right, t[key] == right[other]).drop(other)


def _union(tables: list[ir.Table]) -> ir.Table:
    return tables[0] if len(tables) == 1 else ibis.union(*tables, distinct=False)
