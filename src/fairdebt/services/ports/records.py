"""Ports for portfolio imports, and strategy runs with their plans and reports.

The import and the strategy work on whole tables, so these ports are columnar: Arrow tables
cross them in both directions, and every method works on a set (many ids, many rows) in one
go. Only the persistence is behind them; reading files, checking rows and computing plans stay
with the callers.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

from fairdebt.errors import FairdebtError

if TYPE_CHECKING:
    import pyarrow as pa

    from fairdebt.adapters.portfolio.spec import Kind
    from fairdebt.domain.events import CaseEvent, NewEvent

Parent = Literal["borrowers", "accounts"]
Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class UpsertResult:
    """What an upsert did: how many rows were new, each changed row as (old, new), and the new
    rows themselves when they were asked for (the import records events about them)."""

    new: int = 0
    changed: tuple[tuple[Row, Row], ...] = ()
    new_rows: tuple[Row, ...] = ()


class PortfolioStore(Protocol):
    """Borrowers, accounts, schedules and payments as the import writes them.

    Tables crossing this port have the store's column names (`id`, `principal_cents`, ...);
    schedules are keyed by (account_id, seq), the others by id.
    """

    def is_empty(self) -> bool:
        """True when no borrower, account, instalment, payment or case exists yet: the first
        load may then take the fast path (`load_first`)."""
        ...

    def existing(self, kind: Parent, ids: Sequence[str]) -> set[str]:
        """Which of `ids` are already stored as borrowers or accounts (one set query)."""
        ...

    def load_first(
        self, tables: Mapping[Kind, pa.Table], as_of: date, now: datetime, actor: str
    ) -> tuple[int, int]:
        """Into an empty store: insert every table, derive the delinquency snapshot as of
        `as_of`, open one case per borrower with its `case_opened` event. References were
        checked by the caller. Returns (cases opened, events recorded)."""
        ...

    def upsert(self, kind: Kind, table: pa.Table, *, want_new: bool = False) -> UpsertResult:
        """Insert the new rows of `table` and update the changed ones, set-based; the new rows
        come back only when `want_new`."""
        ...

    def accounts_under_plan(self, account_ids: Sequence[str]) -> set[str]:
        """Which of `account_ids` follow an accepted repayment plan (their schedule is the plan)."""
        ...

    def borrowers_without_case(self) -> dict[str, list[str]]:
        """Every borrower that has no case yet, with its account ids (sorted)."""
        ...

    def open_cases(self, as_of: date, first_events: Sequence[CaseEvent]) -> None:
        """Open a case (`C-` + borrower id, status open, opened on `as_of`) for every borrower
        without one, and store the first event of each (already sealed, seq 1)."""
        ...

    def account_owners(self, account_ids: Iterable[str]) -> dict[str, str]:
        """account id -> borrower id for the stored accounts among `account_ids`."""
        ...

    def append_events(self, items: Sequence[tuple[str, NewEvent]], at: datetime) -> int:
        """Append events to their cases' chains in order (one tip lookup per case, one insert);
        returns how many."""
        ...

    def refresh_snapshot(self, as_of: date) -> int:
        """Recompute every account's delinquency as of `as_of` and the case summaries;
        returns the number of accounts."""
        ...


class AlreadyRunError(FairdebtError):
    """A plan for this as_of exists; replacing it must be asked for."""


def already_run(as_of: date, run_id: str) -> AlreadyRunError:
    return AlreadyRunError(
        f"already run: {as_of} has plan {run_id}",
        hint="pass --replace to supersede it with a new run",
    )


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One strategy run as it is stored (its plan goes beside it, row per account)."""

    run_id: str
    as_of: date
    strategy_name: str
    strategy_sha256: str
    strategy_yaml: str
    backend: str
    source: str
    accounts: int
    started_at: str
    finished_at: str
    timings: dict[str, float] = field(default_factory=dict)


def new_run_id(as_of: date, now: datetime) -> str:
    return f"{as_of:%Y%m%d}-{now:%H%M%S}-{uuid.uuid4().hex[:6]}"


RUN_COLUMNS = (
    "id",
    "as_of",
    "status",
    "strategy_name",
    "strategy_sha256",
    "strategy_yaml",
    "backend",
    "source",
    "accounts",
    "started_at",
    "finished_at",
    "timings",
    "supersedes",
)


class StrategyRunRepository(Protocol):
    """Strategy runs, their plans, and the one current run of each as_of.

    A run's row is a plain dict of RUN_COLUMNS (`as_of` a date, `timings` JSON text), so the
    CLI's and the API's JSON keep the stored names.
    """

    def current(self, as_of: date) -> str | None:
        """The id of the current run of `as_of`, if any."""
        ...

    def latest_before(self, as_of: date) -> tuple[str, date] | None:
        """The current run of the latest as_of before `as_of` (what a run rolls from)."""
        ...

    def info(self, run_id: str | None = None) -> dict[str, Any] | None:
        """A run's row: that run, or the current run of the latest as_of when no id is given."""
        ...

    def runs(self, limit: int) -> list[dict[str, Any]]:
        """The latest runs, newest as_of first, the current one before superseded ones of the
        same day, then newest started first."""
        ...

    def save(
        self,
        record: RunRecord,
        batches: Iterable[pa.RecordBatch],
        *,
        replace: bool = False,
        on_rows: Callable[[int], None] | None = None,
    ) -> str | None:
        """Store the run, its plan rows and the current pointer of its as_of, within the unit
        of work. An as_of that has a current run raises AlreadyRunError unless `replace`; then
        the old run is marked superseded and the pointer moved with a compare-and-set, so two
        concurrent replacements cannot both win. Returns the id of the run superseded."""
        ...

    def plan(self, run_id: str, columns: Iterable[str] | None = None) -> pa.Table:
        """A stored plan as Arrow, ordered by account id (all columns but run_id unless named)."""
        ...

    def segment_counts(self, run_id: str) -> list[dict[str, Any]]:
        """Accounts per (segment, treatment) of a run's plan, most accounts first."""
        ...


class StrategyInputs(Protocol):
    """The portfolio as stored, in the strategy's normal form (cents; days since 1970-01-01)."""

    def tables(self) -> dict[str, pa.Table]:
        """`accounts`, `borrowers`, `schedules`, `payments` and `activity` (holds per borrower
        and promise outcomes) as Arrow tables."""
        ...


class RecordRepositories(Protocol):
    """The import and strategy repositories a unit of work holds."""

    @property
    def portfolio(self) -> PortfolioStore: ...

    @property
    def strategy_runs(self) -> StrategyRunRepository: ...

    @property
    def strategy_inputs(self) -> StrategyInputs: ...
