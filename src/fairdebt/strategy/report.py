"""Reports of a stored run: bucket distribution, roll-rate matrix, cure rate, arm comparison.

Outcomes of an arm are measured at THIS run for the accounts the PREVIOUS run assigned to it
(the treatment happened in between): among accounts delinquent then, the share cured now, the
amount collected since, and the share with a new complaint. Proportions carry Wilson 95 %
intervals; the mean amount a normal-approximation 95 % interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, cast

import duckdb
import pyarrow as pa

from fairdebt.errors import FairdebtError
from fairdebt.services.ports import UnitOfWork

Z95 = 1.959964


@dataclass(frozen=True, slots=True)
class Interval:
    value: float
    low: float
    high: float


def wilson(successes: int, n: int, z: float = Z95) -> Interval:
    """Wilson score interval of a proportion (good at small n and near 0 or 1)."""
    if n == 0:
        return Interval(math.nan, math.nan, math.nan)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half))


def mean_interval(total: float, total_sq: float, n: int, z: float = Z95) -> Interval:
    if n == 0:
        return Interval(math.nan, math.nan, math.nan)
    mean = total / n
    var = max(0.0, (total_sq - n * mean * mean) / (n - 1)) if n > 1 else 0.0
    half = z * math.sqrt(var / n)
    return Interval(mean, mean - half, mean + half)


@dataclass(frozen=True, slots=True)
class ArmOutcome:
    arm: str
    accounts: int  # delinquent at the previous run
    cured: int
    cure: Interval
    collected_yuan: Interval  # per account
    complaint: Interval


@dataclass(frozen=True, slots=True)
class Report:
    run: dict[str, Any]
    previous_run: str | None
    buckets: list[dict[str, Any]]  # bucket, accounts, share, overdue_cents, outstanding_cents
    treatments: list[dict[str, Any]]  # treatment, accounts
    rolls: dict[str, dict[str, int]] = field(default_factory=dict)  # prev bucket -> bucket -> n
    cure: Interval | None = None
    arms: list[ArmOutcome] = field(default_factory=list)


def build_report(uow: UnitOfWork, run_id: str | None = None) -> Report:
    """The report of a run (the latest current run when no id is given), compared with the
    current run of the latest earlier as_of; both plans are read in one unit of work."""
    with uow:
        run = uow.strategy_runs.info(run_id)
        if run is None:
            raise FairdebtError(
                f"no strategy run {run_id!r}" if run_id else "no strategy run yet",
                hint="run `fairdebt strategy run --as-of DATE` first",
            )
        cur = uow.strategy_runs.plan(run["id"])
        before = uow.strategy_runs.latest_before(run["as_of"])
        previous = before[0] if before else None
        prev = (
            uow.strategy_runs.plan(previous, ("account_id", "arm", "bucket", "complaints"))
            if previous
            else None
        )
    return _report(run, cur, previous, prev)


def _report(
    run: dict[str, Any], cur: pa.Table, previous: str | None, prev: pa.Table | None
) -> Report:
    from fairdebt.strategy.config import load_text

    order = [b.name for b in load_text(run["strategy_yaml"], "stored").strategy.buckets]
    con = duckdb.connect()
    con.register("cur", cur)
    report = Report(
        run=run,
        previous_run=previous,
        buckets=_buckets(con, order),
        treatments=_rows(
            con, "SELECT treatment, count(*) AS accounts FROM cur GROUP BY 1 ORDER BY 2 DESC"
        ),
    )
    if previous is None or prev is None:
        return report
    con.register("prev", prev)
    rolls: dict[str, dict[str, int]] = {}
    for r in _rows(
        con,
        "SELECT p.bucket AS was, c.bucket AS now, count(*) AS n FROM prev p "
        "JOIN cur c USING (account_id) GROUP BY 1, 2",
    ):
        rolls.setdefault(r["was"], {})[r["now"]] = r["n"]
    arms = _arms(con, order[0])
    cure = wilson(sum(a.cured for a in arms), sum(a.accounts for a in arms))
    return Report(
        run=run,
        previous_run=previous,
        buckets=report.buckets,
        treatments=report.treatments,
        rolls=rolls,
        cure=cure,
        arms=arms,
    )


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    table: pa.Table = con.sql(sql).to_arrow_table()
    return cast(list[dict[str, Any]], table.to_pylist())


def _buckets(con: duckdb.DuckDBPyConnection, order: list[str]) -> list[dict[str, Any]]:
    rows = _rows(
        con,
        "SELECT bucket, count(*) AS accounts, sum(overdue_cents) AS overdue_cents, "
        "sum(outstanding_cents) AS outstanding_cents FROM cur GROUP BY 1",
    )
    total = sum(r["accounts"] for r in rows) or 1
    by_name = {r["bucket"]: r | {"share": r["accounts"] / total} for r in rows}
    return [by_name[name] for name in order if name in by_name]


def _arms(con: duckdb.DuckDBPyConnection, current_bucket: str) -> list[ArmOutcome]:
    rows = _rows(
        con,
        f"""
        SELECT p.arm, count(*) AS n,
               count(*) FILTER (WHERE c.roll = 'cured') AS cured,
               count(*) FILTER (WHERE c.complaints > p.complaints) AS complained,
               sum(c.collected_cents / 100.0) AS s, sum(power(c.collected_cents / 100.0, 2)) AS ss
        FROM prev p JOIN cur c USING (account_id)
        WHERE p.bucket <> '{current_bucket.replace("'", "''")}'
        GROUP BY 1 ORDER BY 1""",
    )
    return [
        ArmOutcome(
            arm=r["arm"],
            accounts=r["n"],
            cured=r["cured"],
            cure=wilson(r["cured"], r["n"]),
            collected_yuan=mean_interval(float(r["s"] or 0), float(r["ss"] or 0), r["n"]),
            complaint=wilson(r["complained"], r["n"]),
        )
        for r in rows
    ]
