"""Validate one file's rows against its spec; collect every problem with row and column."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fairdebt.adapters.portfolio.checks import CHECKS
from fairdebt.adapters.portfolio.spec import SPECS, FileSpec, Kind

PERSONAL = frozenset({"name", "national_id", "phones", "email", "address"})
FIRST_DATA_ROW = 2  # the header is row 1


@dataclass(frozen=True, slots=True)
class RowError:
    file: str
    row: int
    column: str
    reason: str
    value: str = ""

    def __str__(self) -> str:
        shown = f" (got {self.value!r})" if self.value else ""
        return f"{self.file}, row {self.row}, column {self.column}: {self.reason}{shown}"


@dataclass(frozen=True, slots=True)
class Validated:
    path: Path
    kind: Kind
    table: pa.Table  # every spec column, normalised; invalid rows still present
    raw: pa.Table  # the rows as read, for the rejects file
    invalid: np.ndarray  # bool per row
    errors: list[RowError]

    @property
    def valid_table(self) -> pa.Table:
        return self.table.filter(pa.array(~self.invalid))


def validate(path: Path, kind: Kind, raw: pa.Table, defaults: dict[str, str]) -> Validated:
    spec = SPECS[kind]
    n = raw.num_rows
    columns: dict[str, pa.Array] = {}
    errors: list[RowError] = []
    invalid = np.zeros(n, dtype=bool)
    for col in spec.columns:
        values = _column(raw, col.name, n)
        checked = CHECKS[col.type](values, col)
        columns[col.name] = checked.values
        reported = np.zeros(n, dtype=bool)
        for mask, reason in ((_nul(values), NUL), *checked.problems):
            errors += _errors(path, col.name, mask & ~reported, reason, values)
            reported |= mask
        invalid |= reported
        if col.required:
            missing = ~np.asarray(pc.is_valid(checked.values).to_numpy(zero_copy_only=False))
            missing &= ~reported  # a bad value already reported is not also "missing"
            invalid |= missing
            errors += _errors(path, col.name, missing, "is required", None)
    _fill_defaults(kind, columns, defaults)
    table = pa.table(columns)
    for mask, column, reason in _table_rules(spec, table):
        invalid |= mask
        errors += _errors(path, column, mask, reason, None)
    errors.sort(key=lambda e: (e.row, e.column))
    return Validated(path, kind, table, raw, invalid, errors)


# PostgreSQL text cannot hold U+0000 (psycopg refuses it): such a row is refused on every
# database alike, as bad input, rather than failing the whole import's transaction on one.
NUL = "contains a NUL character (U+0000)"


def _nul(values: pa.Array) -> np.ndarray:
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return np.zeros(len(values), dtype=bool)
    found = pc.match_substring(values, "\x00")
    return np.asarray(found.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _column(raw: pa.Table, name: str, n: int) -> pa.Array:
    if name not in raw.column_names:
        return pa.nulls(n, pa.string())
    return raw.column(name).combine_chunks()


def _errors(
    path: Path, column: str, mask: np.ndarray, reason: str, values: pa.Array | None
) -> list[RowError]:
    rows = np.flatnonzero(mask)
    if not len(rows):
        return []
    shown: list[str] = [""] * len(rows)
    if values is not None and column not in PERSONAL:
        taken = values.take(pa.array(rows)).cast(pa.string()).to_pylist()
        shown = [("" if v is None else str(v)[:40].replace("\x00", "\\x00")) for v in taken]
    return [
        RowError(path.name, int(r) + FIRST_DATA_ROW, column, reason, s)
        for r, s in zip(rows, shown, strict=True)
    ]


def _fill_defaults(kind: Kind, columns: dict[str, pa.Array], defaults: dict[str, str]) -> None:
    def fill(name: str, value: pa.Scalar | pa.Array) -> None:
        columns[name] = pc.if_else(pc.is_valid(columns[name]), columns[name], value)

    if kind == "borrowers":
        fill("timezone", pa.scalar(defaults["timezone"]))
        fill("phones", pa.scalar(""))
    elif kind == "accounts":
        fill("currency", pa.scalar("CNY"))
        fill("penalty_rate", pa.scalar("0"))
        fill("fee_rate", pa.scalar("0"))
        fill("contract_date", columns["disbursed_on"])
    elif kind == "schedules":
        fill("fee", pa.scalar(0, pa.int64()))
    elif kind == "payments":
        fill("channel_ref", pa.scalar(""))


def _table_rules(spec: FileSpec, table: pa.Table) -> list[tuple[np.ndarray, str, str]]:
    """Rules across columns and rows: duplicate keys, coordinates in pairs."""
    rules: list[tuple[np.ndarray, str, str]] = []
    dup = duplicated(table, spec.key)
    if dup.any():
        rules.append((dup, spec.key[-1], "repeats the key of an earlier row " + "+".join(spec.key)))
    if spec.kind == "borrowers":
        lat, lon = pc.is_valid(table["lat"]), pc.is_valid(table["lon"])
        half = np.asarray(pc.xor(lat, lon).to_numpy(zero_copy_only=False), dtype=bool)
        rules.append((half, "lat", "give both lat and lon, or neither"))
        out = pc.or_(pc.greater(pc.abs(table["lat"]), 90), pc.greater(pc.abs(table["lon"]), 180))
        rules.append((np.asarray(out.fill_null(False)), "lat", "coordinates out of range"))
    return rules


def duplicated(table: pa.Table, key: tuple[str, ...]) -> np.ndarray:
    """True on every row whose key appeared on an earlier row."""
    n = table.num_rows
    indexed = table.select(list(key)).append_column("_i", pa.array(np.arange(n)))
    first = indexed.group_by(list(key), use_threads=False).aggregate([("_i", "min")])
    keep = np.zeros(n, dtype=bool)
    keep[first["_i_min"].to_numpy()] = True
    nulls = np.zeros(n, dtype=bool)
    for k in key:
        nulls |= ~np.asarray(pc.is_valid(table[k]).to_numpy(zero_copy_only=False))
    return ~keep & ~nulls
