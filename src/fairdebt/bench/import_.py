"""`fairdebt bench import`: accounts/s of `fairdebt import` into a fresh SQLite database.

Baseline, measured in the same run: the row-by-row way — build domain objects per row and insert
each with its own statement — on a sample, scaled linearly to the full size (it would take hours
at a million accounts). The ratio says how much the bulk path saves.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

DEFAULT_SIZE = 100_000
BASELINE_SAMPLE = 5_000
AS_OF = date(2026, 11, 24)


def run(size: int | None, quiet: bool) -> dict[str, Any]:
    from fairdebt.bench._measure import peak_rss_mb
    from fairdebt.demo.generate import generate_portfolio

    size = size or DEFAULT_SIZE
    say = (lambda _m: None) if quiet else _say
    with tempfile.TemporaryDirectory(prefix="fairdebt-bench-") as tmp:
        folder = Path(tmp)
        generated = time.perf_counter()
        generate_portfolio(size, folder / "portfolio", seed=1, as_of=AS_OF)
        generate_seconds = time.perf_counter() - generated
        say(f"generated {size:,} accounts in {generate_seconds:.1f} s; importing…")
        seconds, report, checks = _ours(folder, size)
        say(f"imported in {seconds:.1f} s; measuring the row-by-row baseline…")
        baseline = (
            _row_by_row(folder, min(size, BASELINE_SAMPLE)) * size / min(size, BASELINE_SAMPLE)
        )
    rows = {k: s.rows for k, s in report.summaries.items()}
    return {
        "name": "import",
        "size": size,
        "seconds": round(seconds, 2),
        "rate": round(size / seconds, 1),
        "peak_rss_mb": peak_rss_mb(),
        "baselines": {"row_by_row_objects (scaled from a sample)": round(baseline / seconds, 1)},
        "checks": checks,
        "rows": rows,
        "events": report.events,
        "generate_seconds": round(generate_seconds, 2),
        "target_seconds_for_1m": 120,
    }


def _say(message: str) -> None:
    from fairdebt.cli._common import console

    console.print(message)


def _ours(folder: Path, size: int) -> tuple[float, Any, dict[str, bool]]:
    from sqlalchemy import text

    from fairdebt.adapters.db.engine import make_engine
    from fairdebt.adapters.db.migrate import upgrade
    from fairdebt.services.importing import ImportOptions, import_portfolio

    engine = make_engine(f"sqlite:///{folder / 'bench.db'}", timeout=30)
    upgrade(engine)
    options = ImportOptions(as_of=AS_OF, now=datetime.now(UTC))
    started = time.perf_counter()
    report = import_portfolio(engine, [folder / "portfolio"], options)
    seconds = time.perf_counter() - started
    with engine.connect() as conn:
        accounts = conn.execute(text("SELECT COUNT(*) FROM accounts")).scalar_one()
        statuses = conn.execute(text("SELECT COUNT(*) FROM account_status")).scalar_one()
    checks = {
        "every account imported": accounts == size and report.written,
        "every account has a delinquency snapshot": statuses == size,
        "no row rejected": not report.errors,
    }
    engine.dispose()
    return seconds, report, checks


def _row_by_row(folder: Path, sample: int) -> float:
    """The naive import: parse each row into domain objects, one INSERT per row."""
    import pyarrow.parquet as pq
    from sqlalchemy import insert

    from fairdebt.adapters.db import tables as t
    from fairdebt.adapters.db.engine import make_engine
    from fairdebt.adapters.db.migrate import upgrade
    from fairdebt.domain.borrower import Borrower

    engine = make_engine(f"sqlite:///{folder / 'naive.db'}", timeout=30)
    upgrade(engine)
    accounts = pq.read_table(folder / "portfolio" / "accounts.parquet").slice(0, sample)
    wanted = set(accounts["borrower_id"].to_pylist())
    borrowers = [
        r
        for r in pq.read_table(folder / "portfolio" / "borrowers.parquet").to_pylist()
        if r["borrower_id"] in wanted
    ]
    started = time.perf_counter()
    with engine.begin() as conn:
        for row in borrowers:
            b = Borrower(
                row["borrower_id"],
                row["name"],
                row["national_id"],
                tuple(p for p in (row["phones"] or "").split(";") if p),
            )
            conn.execute(
                insert(t.borrowers).values(
                    id=b.id,
                    name=b.name,
                    national_id=b.national_id,
                    phones=";".join(b.phones),
                    timezone=b.timezone,
                )
            )
        for row in accounts.to_pylist():
            conn.execute(
                insert(t.accounts).values(
                    id=row["account_id"],
                    borrower_id=row["borrower_id"],
                    product=row["product"],
                    lender=row["lender"],
                    lender_type=row["lender_type"],
                    currency="CNY",
                    principal_cents=int(row["principal"] * 100),
                    interest_rate=str(row["interest_rate"]),
                    penalty_rate="0",
                    fee_rate="0",
                    contract_date=row["disbursed_on"],
                    disbursed_on=row["disbursed_on"],
                )
            )
    # Schedules and payments would add ~12x more rows; counting only borrowers and accounts
    # keeps the baseline an underestimate of the naive cost, never an overestimate.
    seconds = time.perf_counter() - started
    engine.dispose()
    return seconds
