"""Find and read portfolio files: CSV or Parquet, kind from the name (or given)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from fairdebt.adapters.portfolio.spec import KINDS, SPECS, Kind
from fairdebt.errors import InputFileError

SUFFIXES = (".csv", ".parquet", ".pq")


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: Path
    kind: Kind


def kind_of(path: Path) -> Kind | None:
    stem = path.name.lower()
    return next((k for k in KINDS if stem.startswith(k)), None)


def expand(paths: list[Path], kind: Kind | None = None) -> list[SourceFile]:
    """Files and directories -> portfolio files in load order (borrowers first)."""
    found: list[SourceFile] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(
                p
                for p in path.iterdir()
                if p.suffix.lower() in SUFFIXES and not p.name.endswith(".rejects.csv")
            )
            found += [SourceFile(p, k) for p in inside if (k := kind_of(p)) is not None]
            continue
        if not path.exists():
            raise InputFileError(f"file not found: {path}", hint="check the path and spelling")
        if path.suffix.lower() not in SUFFIXES:
            raise InputFileError(
                f"{path.name}: not a .csv or .parquet file", hint="see docs/import.md"
            )
        detected = kind or kind_of(path)
        if detected is None:
            raise InputFileError(
                f"{path.name}: cannot tell what it holds from its name",
                hint="name it borrowers/accounts/schedules/payments.* or pass --kind",
            )
        found.append(SourceFile(path, detected))
    if not found:
        raise InputFileError("no portfolio files found", hint="see docs/import.md for names")
    return sorted(found, key=lambda f: (KINDS.index(f.kind), str(f.path)))


def read(source: SourceFile) -> pa.Table:
    """The file's rows as an Arrow table (CSV: all text, checked later), columns checked."""
    table = (
        _read_csv(source.path)
        if source.path.suffix.lower() == ".csv"
        else _read_parquet(source.path)
    )
    _check_columns(source, table.column_names)
    return table


def _read_csv(path: Path) -> pa.Table:
    from pyarrow import csv

    try:
        with path.open(encoding="utf-8-sig") as handle:
            header = handle.readline()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"cannot read {path.name}: {exc}", hint="is it UTF-8 CSV?") from None
    names = [n.strip() for n in header.rstrip("\r\n").split(",")]
    try:
        return csv.read_csv(
            path,
            read_options=csv.ReadOptions(block_size=1 << 24),
            convert_options=csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, OSError) as exc:
        reason = str(exc).splitlines()[0]
        raise InputFileError(
            f"{path.name} is not valid CSV: {reason}", hint="check quoting and column counts"
        ) from None


def _read_parquet(path: Path) -> pa.Table:
    import pyarrow.parquet as pq

    try:
        return pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        reason = str(exc).splitlines()[0]
        raise InputFileError(
            f"cannot read {path.name} as Parquet: {reason}",
            hint="the file may be truncated or not Parquet; re-export it",
        ) from None


def _check_columns(source: SourceFile, names: list[str]) -> None:
    spec = SPECS[source.kind]
    unknown = [n for n in names if n not in spec.names]
    missing = [c.name for c in spec.columns if c.required and c.name not in names]
    problems = []
    for name in unknown:
        close = difflib.get_close_matches(name, spec.names, n=1)
        problems.append(
            f"unknown column {name!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
        )
    problems += [f"missing required column {name!r}" for name in missing]
    if problems:
        raise InputFileError(
            f"{source.path.name} ({source.kind}): " + "; ".join(problems),
            hint=f"{source.kind} columns are: " + ", ".join(spec.names),
        )
