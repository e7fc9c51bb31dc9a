"""Streaming writers for the four portfolio files: Parquet row groups or CSV, chunk by chunk.

Each file is written as `.<name>.part` and renamed into place only when every file is complete;
on any failure the parts are removed, so a directory never holds a half-written portfolio.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType
from typing import Any

import pyarrow as pa

from fairdebt.errors import FairdebtError

KINDS = ("borrowers", "accounts", "schedules", "payments")
REPEATING = frozenset(
    {"product", "lender", "lender_type", "currency", "channel", "city", "timezone"}
)


def prepare_out_dir(out: Path) -> Path:
    """Create the output directory if needed and prove that we can write in it."""
    if out.exists() and not out.is_dir():
        raise FairdebtError(f"{out} is a file, not a directory", hint="give --out a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".fairdebt-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise FairdebtError(
            f"cannot write in {out}: {exc.strerror or exc}",
            hint="choose a directory you can write to, e.g. --out /tmp/portfolio",
        ) from None
    return out


class Sinks:
    """One open writer per file kind; `commit()` renames the finished files into place."""

    def __init__(self, out: Path, fmt: str, schemas: dict[str, pa.Schema]) -> None:
        self.out, self.fmt, self.schemas = out, fmt, schemas
        self.counts = dict.fromkeys(KINDS, 0)
        self._writers: dict[str, Any] = {}
        self._parts = {k: out / f".{k}.{fmt}.part" for k in KINDS}

    def __enter__(self) -> Sinks:
        try:
            self._writers = {k: self._open(k) for k in KINDS}
        except OSError as exc:
            self._discard()
            raise FairdebtError(f"cannot create files in {self.out}: {exc}", hint="") from None
        return self

    def _open(self, kind: str) -> Any:
        if self.fmt == "csv":
            from pyarrow import csv

            options = csv.WriteOptions(quoting_style="none", quoting_header="none")
            return csv.CSVWriter(self._parts[kind], self.schemas[kind], write_options=options)
        import pyarrow.parquet as pq

        # zstd halves the files at snappy's speed; dictionaries only where values repeat
        return pq.ParquetWriter(
            self._parts[kind],
            self.schemas[kind],
            compression="zstd",
            use_dictionary=[c for c in self.schemas[kind].names if c in REPEATING],
        )

    def write(self, tables: dict[str, pa.Table]) -> None:
        try:
            for kind in KINDS:
                self._writers[kind].write_table(tables[kind])
                self.counts[kind] += tables[kind].num_rows
        except OSError as exc:
            raise FairdebtError(
                f"writing to {self.out} failed: {exc}", hint="is the disk full?"
            ) from None

    def commit(self) -> dict[str, Path]:
        self._close()
        final = {k: self.out / f"{k}.{self.fmt}" for k in KINDS}
        for kind in KINDS:
            os.replace(self._parts[kind], final[kind])
        return final

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if kind is not None:
            self._discard()

    def _close(self) -> None:
        writers, self._writers = self._writers, {}
        for writer in writers.values():
            writer.close()

    def _discard(self) -> None:
        try:
            self._close()
        finally:
            for part in self._parts.values():
                part.unlink(missing_ok=True)
