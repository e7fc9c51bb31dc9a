"""Use case: import a portfolio (borrowers, accounts, schedules, payments) atomically.

Read every file, check every row, and only then write — all of it in one transaction, or
nothing. Re-importing the same files changes nothing; a changed row of something that existed
before is recorded as an event in its case's log. New borrowers get a case with a
`case_opened` event. The delinquency snapshot is refreshed at the end.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fairdebt.adapters.portfolio.reader import SourceFile, expand, read
from fairdebt.adapters.portfolio.spec import KINDS, Kind
from fairdebt.adapters.portfolio.validate import RowError, Validated, validate
from fairdebt.errors import FairdebtError, InputFileError
from fairdebt.services.import_events import change_events, open_cases
from fairdebt.services.ports import UnitOfWork
from fairdebt.services.ports.records import Parent, PortfolioStore, UpsertResult

Progress = Callable[[str], None]

# The portfolio files' column names -> the store's.
RENAME: dict[Kind, dict[str, str]] = {
    "borrowers": {"borrower_id": "id"},
    "accounts": {"account_id": "id", "principal": "principal_cents"},
    "schedules": {"principal": "principal_cents", "interest": "interest_cents", "fee": "fee_cents"},
    "payments": {"payment_id": "id", "amount": "amount_cents"},
}


@dataclass(slots=True)
class KindSummary:
    rows: int = 0
    new: int = 0
    changed: int = 0
    rejected: int = 0


@dataclass(slots=True)
class ImportReport:
    summaries: dict[str, KindSummary] = field(
        default_factory=lambda: {k: KindSummary() for k in KINDS}
    )
    errors: list[RowError] = field(default_factory=list)
    rejects: list[Path] = field(default_factory=list)
    written: bool = False
    cases_opened: int = 0
    events: int = 0
    kept_by_plan: int = 0  # schedule rows not imported: their account follows a repayment plan
    seconds: float = 0.0

    @property
    def new(self) -> int:
        return sum(s.new for s in self.summaries.values())

    @property
    def changed(self) -> int:
        return sum(s.changed for s in self.summaries.values())


@dataclass(frozen=True, slots=True)
class ImportOptions:
    as_of: date
    now: datetime
    actor: str = "import"
    skip_invalid: bool = False
    kind: Kind | None = None
    timezone: str = "Asia/Shanghai"


def import_portfolio(
    uow: UnitOfWork, paths: list[Path], options: ImportOptions, progress: Progress | None = None
) -> ImportReport:
    """Import the files in one unit of work; a rejected row (without skip_invalid) leaves the
    store as it was and the report unwritten."""
    started = time.perf_counter()
    step = progress or (lambda _stage: None)
    report = ImportReport()
    step("reading and checking files")
    checked = _read_all(expand(paths, options.kind), options)
    with uow:
        store = uow.portfolio
        _check_references(store, checked)
        for v in checked:
            report.errors += v.errors
            report.summaries[v.kind].rows += v.table.num_rows
            report.summaries[v.kind].rejected += int(v.invalid.sum())
        if report.errors and not options.skip_invalid:
            report.seconds = time.perf_counter() - started
            return report
        report.rejects = [p for v in checked if (p := _write_rejects(v)) is not None]
        if store.is_empty():
            _load_first(store, checked, options, report, step)
        else:
            _write(store, checked, options, report, step)
            step("refreshing the delinquency snapshot")
            store.refresh_snapshot(options.as_of)
        uow.commit()
    report.written = True
    report.seconds = time.perf_counter() - started
    return report


def _read_all(sources: list[SourceFile], options: ImportOptions) -> list[Validated]:
    """Read every file first, so every unreadable file is reported together."""
    problems: list[str] = []
    hints: list[str] = []
    checked: list[Validated] = []
    for source in sources:
        try:
            raw = read(source)
        except InputFileError as exc:
            problems.append(exc.cause)
            hints.append(exc.hint)
            continue
        checked.append(validate(source.path, source.kind, raw, {"timezone": options.timezone}))
    if problems:
        raise InputFileError(" | ".join(problems), hint="; ".join(hints) + "; nothing was written")
    return checked


PARENT: dict[Kind, tuple[str, Parent]] = {
    "accounts": ("borrower_id", "borrowers"),
    "schedules": ("account_id", "accounts"),
    "payments": ("account_id", "accounts"),
}


def _check_references(store: PortfolioStore, checked: list[Validated]) -> None:
    """Each account needs its borrower, each instalment and payment its account: in this import
    (on a valid row) or already in the database. Also reject keys repeated across files."""
    valid_ids: dict[Kind, pa.Array] = {}
    for kind in KINDS:
        group = [v for v in checked if v.kind == kind]
        if len(group) > 1:
            _cross_file_duplicates(group)
        for v in group:  # load order: parents are settled before children are checked
            if kind in PARENT:
                column, parent = PARENT[kind]
                in_import = valid_ids.get(parent, pa.array([], pa.string()))
                _missing_parents(store, v, column, parent, in_import)
        if kind in ("borrowers", "accounts") and group:
            key = "borrower_id" if kind == "borrowers" else "account_id"
            valid_ids[kind] = pa.chunked_array(
                [v.table[key].filter(pa.array(~v.invalid)).combine_chunks() for v in group],
                pa.string(),
            ).combine_chunks()


def _cross_file_duplicates(group: list[Validated]) -> None:
    from fairdebt.adapters.portfolio.spec import SPECS
    from fairdebt.adapters.portfolio.validate import duplicated

    key = SPECS[group[0].kind].key
    keys = pa.concat_tables([v.table.select(list(key)) for v in group])
    repeated = duplicated(keys, key)
    start = 0
    for v in group:
        for i in np.flatnonzero(repeated[start : start + v.table.num_rows]):
            if not v.invalid[i]:
                _reject(v, int(i), key[-1], "repeats a key already given in another file")
        start += v.table.num_rows


def _missing_parents(
    store: PortfolioStore, v: Validated, column: str, parent: Parent, in_import: pa.Array
) -> None:
    ids = v.table[column]
    known = np.asarray(pc.is_in(ids, in_import).fill_null(True))
    unknown = ~known & ~v.invalid
    if not unknown.any():
        return
    candidates = sorted(set(ids.filter(pa.array(unknown)).to_pylist()))
    in_db = store.existing(parent, candidates)
    label = parent[:-1]
    for i in np.flatnonzero(unknown):
        value = ids[int(i)].as_py()
        if value not in in_db:
            _reject(v, int(i), column, f"{label} {value} is not in this import or the database")


def _reject(v: Validated, index: int, column: str, reason: str) -> None:
    v.invalid[index] = True
    v.errors.append(RowError(v.path.name, index + 2, column, reason))


def _write_rejects(v: Validated) -> Path | None:
    if not v.invalid.any():
        return None
    import pyarrow.csv as csv

    from fairdebt.spreadsheet import neutralise_table

    rows = np.flatnonzero(v.invalid)
    reasons: dict[int, list[str]] = {}
    for e in v.errors:
        reasons.setdefault(e.row - 2, []).append(f"{e.column}: {e.reason}")
    rejected = v.raw.take(pa.array(rows))
    rejected = rejected.append_column(
        "reason", pa.array(["; ".join(reasons.get(int(r), [])) for r in rows])
    )
    rejected = rejected.append_column("row", pa.array([int(r) + 2 for r in rows]))
    path = v.path.with_name(v.path.name + ".rejects.csv")
    # people open this file in a spreadsheet: a cell like `=HYPERLINK(…)` must stay text
    csv.write_csv(neutralise_table(rejected), path)
    return path


def _load_first(
    store: PortfolioStore,
    checked: list[Validated],
    options: ImportOptions,
    report: ImportReport,
    step: Progress,
) -> None:
    step("loading into the empty database")
    tables = _by_kind(checked)
    for kind, table in tables.items():
        report.summaries[kind].new = table.num_rows
    if "borrowers" not in tables:
        return
    opened, events = store.load_first(tables, options.as_of, options.now, options.actor)
    report.cases_opened, report.events = opened, events


def _by_kind(checked: list[Validated]) -> dict[Kind, pa.Table]:
    """Valid rows per kind, files of a kind concatenated, columns renamed to the database's."""
    parts: dict[Kind, list[pa.Table]] = {}
    for v in checked:
        parts.setdefault(v.kind, []).append(v.valid_table)
    return {
        kind: pa.concat_tables(tables).rename_columns(
            [RENAME[kind].get(c, c) for c in tables[0].column_names]
        )
        for kind, tables in parts.items()
    }


def _write(
    store: PortfolioStore,
    checked: list[Validated],
    options: ImportOptions,
    report: ImportReport,
    step: Progress,
) -> None:
    by_kind: dict[Kind, list[pa.Table]] = {}
    for v in checked:
        by_kind.setdefault(v.kind, []).append(v.valid_table)
    borrower_ids = _ids(by_kind.get("borrowers"), "borrower_id") + _ids(
        by_kind.get("accounts"), "borrower_id"
    )
    account_ids = _ids(by_kind.get("accounts"), "account_id")
    existed = {
        "borrowers": store.existing("borrowers", borrower_ids),
        "accounts": store.existing("accounts", account_ids) | _parents_in_db(store, by_kind),
    }
    results: dict[str, UpsertResult] = {}
    for kind in KINDS:
        if kind not in by_kind:
            continue
        step(f"writing {kind}")
        table = pa.concat_tables(by_kind[kind]).rename_columns(
            [RENAME[kind].get(c, c) for c in by_kind[kind][0].column_names]
        )
        if kind == "schedules":
            table = _without_planned_accounts(store, table, report)
        want_new = kind in ("accounts", "schedules", "payments") and bool(
            existed["accounts"] or existed["borrowers"]
        )
        result = store.upsert(kind, table, want_new=want_new)
        results[kind] = result
        report.summaries[kind].new = result.new
        report.summaries[kind].changed = len(result.changed)
    step("opening cases and recording events")
    opened, events = open_cases(store, options.now, options.as_of, options.actor)
    report.cases_opened = opened
    report.events = events + change_events(store, results, existed, options.now, options.actor)


def _without_planned_accounts(
    store: PortfolioStore, table: pa.Table, report: ImportReport
) -> pa.Table:
    """Drop schedule rows of accounts under an accepted repayment plan: the plan is the
    account's schedule now, and the lender's old rows would come back beside it."""
    planned = store.accounts_under_plan(pc.unique(table["account_id"]).to_pylist())
    if not planned:
        return table
    keep = pc.invert(pc.is_in(table["account_id"], pa.array(sorted(planned), pa.string())))
    report.kept_by_plan = table.num_rows - pc.sum(keep.cast(pa.int64())).as_py()
    return table.filter(keep)


def _ids(tables: list[pa.Table] | None, column: str) -> list[str]:
    if not tables:
        return []
    ids: list[str] = pa.concat_tables(tables)[column].to_pylist()
    return ids


def _parents_in_db(store: PortfolioStore, by_kind: dict[Kind, list[pa.Table]]) -> set[str]:
    """Accounts named by schedules/payments that were in the database before this import."""
    named: set[str] = set()
    for kind in ("schedules", "payments"):
        for table in by_kind.get(kind, []):
            named.update(pc.unique(table["account_id"]).to_pylist())
    return store.existing("accounts", sorted(named))


class ImportRejectedError(FairdebtError):
    """Rows were invalid and --skip-invalid was not given: nothing was written."""
