"""`fairdebt bench strategy`: the daily strategy run on DuckDB against pandas and hand-written SQL.

The portfolio is generated once per (size, seed) into a cache folder under the data directory
and reused afterwards (generating ten million accounts takes minutes; the JSON says whether it
was reused). Then three implementations of the default strategy each run in their own child
process, so each peak RSS is its own: the engine (`compute_plan` on DuckDB), a plain pandas
version as an analyst would write it (strategy_pandas.py) and one hand-written DuckDB query
(strategy_sql.py, the near-limit reference). Their plans must be identical, row for row.
"""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path
from typing import Any

DEFAULT_SIZE = 1_000_000
SEED = 1
AS_OF = date(2026, 11, 24)
MARKER = "generated.json"
IMPLEMENTATIONS = ("engine", "sql", "pandas")
# pandas peaked at 3.3 GB per million accounts (measured at 1M): ten million would need ~33 GB
# on a 24 GiB machine shared with others, so above this it runs on the first accounts only
PANDAS_MAX_ACCOUNTS = 2_000_000
TARGETS = {"seconds": 60, "peak_rss_mb": 6144, "vs_pandas": 10, "vs_sql": 1.5}


def cache_dir(size: int, seed: int = SEED) -> Path:
    from fairdebt.settings import load_settings

    return load_settings().data_dir / "bench" / "strategy" / f"portfolio-{size}-seed{seed}"


def ensure_portfolio(size: int, seed: int = SEED) -> tuple[Path, float, bool]:
    """The cached portfolio folder, the seconds its generation took, and whether it was reused.

    A folder counts as complete only once its marker is written, after the generator has
    renamed every file into place: an interrupted generation is simply done again.
    """
    from fairdebt.demo.generate import generate_portfolio

    folder = cache_dir(size, seed)
    marker = folder / MARKER
    if marker.is_file():
        ensure_activity(folder)
        return folder, float(json.loads(marker.read_text())["seconds"]), True
    started = time.perf_counter()
    result = generate_portfolio(size, folder, seed=seed, as_of=AS_OF)
    ensure_activity(folder)
    seconds = time.perf_counter() - started
    facts = {"accounts": size, "seed": seed, "as_of": AS_OF.isoformat(), "seconds": seconds}
    marker.write_text(json.dumps({**facts, "counts": result.counts}))
    return folder, seconds, False


def ensure_activity(folder: Path) -> None:
    """A fixed activity file for 1 borrower in 40 (holds, broken promises, last contact), so the
    hold and promise-breaker segments of the default strategy have accounts too."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = folder / "activity.parquet"
    if path.exists():
        return
    ids = pq.read_table(folder / "borrowers.parquet", columns=["borrower_id"]).column(0)
    picked = ids.take(np.arange(0, len(ids), 40))
    i = np.arange(len(picked))
    holds = np.select([i % 12 == 0, i % 12 == 1], ["complaint", "dispute,hardship"], "")
    contact = np.datetime64(AS_OF, "D") - (i % 90).astype("timedelta64[D]")
    table = pa.table(
        {
            "borrower_id": picked,
            "holds": holds,
            "broken_promises": (i % 5).astype("int64"),
            "last_contact_on": pa.array(contact, pa.date32()),
        }
    )
    part = folder / ".activity.parquet.part"
    pq.write_table(table, part)
    part.rename(path)


def run(size: int | None, quiet: bool) -> dict[str, Any]:
    import os

    size = size or DEFAULT_SIZE
    say = (lambda _m: None) if quiet else _say
    say(f"portfolio of {size:,} accounts…")
    folder, generate_seconds, reused = ensure_portfolio(size)
    say(f"{'reused' if reused else 'generated'} {folder} ({generate_seconds:.0f} s to generate)")
    pandas_size = min(size, PANDAS_MAX_ACCOUNTS)
    runs: dict[str, dict[str, Any]] = {}
    with _scratch() as scratch:
        for name in IMPLEMENTATIONS:
            limit = pandas_size if name == "pandas" and pandas_size < size else None
            load = os.getloadavg()[0]
            runs[name] = _child(name, folder, scratch / f"{name}.parquet", limit)
            runs[name]["load_avg_1m"] = round(load, 2)
            say(f"{name}: {runs[name]['seconds']:.1f} s, {runs[name]['peak_rss_mb']:,.0f} MB")
        differences = {name: plan_differences(*_pair(scratch, name)) for name in ("sql", "pandas")}
    return _result(size, pandas_size, runs, differences, generate_seconds, reused)


def _result(
    size: int,
    pandas_size: int,
    runs: dict[str, dict[str, Any]],
    differences: dict[str, list[str]],
    generate_seconds: float,
    reused: bool,
) -> dict[str, Any]:
    import os

    ours, sql, pandas = runs["engine"], runs["sql"], runs["pandas"]
    # pandas on a prefix: compare per-row rates (its time scaled linearly to the full size)
    pandas_scaled = pandas["seconds"] * size / pandas_size
    vs_pandas = pandas_scaled / ours["seconds"]
    vs_sql = ours["seconds"] / sql["seconds"]
    return {
        "name": "strategy",
        "size": size,
        "seconds": round(ours["seconds"], 2),
        "rate": round(size / ours["seconds"], 1),
        "peak_rss_mb": ours["peak_rss_mb"],
        "baselines": {
            "pandas": round(vs_pandas, 1),
            "hand-written DuckDB SQL": round(sql["seconds"] / ours["seconds"], 2),
        },
        "checks": {
            "same plan as the hand-written SQL": not differences["sql"],
            "same plan as pandas": not differences["pandas"],
            f"engine ≤ {TARGETS['seconds']} s": ours["seconds"] <= TARGETS["seconds"],
            f"engine peak RSS ≤ {TARGETS['peak_rss_mb']} MB": ours["peak_rss_mb"]
            <= TARGETS["peak_rss_mb"],
            f"≥ {TARGETS['vs_pandas']}× faster than pandas": vs_pandas >= TARGETS["vs_pandas"],
            f"within {TARGETS['vs_sql']}× of the hand-written SQL": vs_sql <= TARGETS["vs_sql"],
        },
        "differences": differences,
        "engine_stages": ours["stages"],
        "engine_cpu_seconds": round(ours["cpu_seconds"], 2),
        "sql": _figures(sql, size),
        "pandas": _figures(pandas, pandas_size),
        "pandas_size": pandas_size,
        "pandas_seconds_scaled_to_size": round(pandas_scaled, 2),
        "engine_over_sql": round(vs_sql, 2),
        "generate_seconds": round(generate_seconds, 1),
        "portfolio_reused": reused,
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "load_avg_1m_at_start": {k: v["load_avg_1m"] for k, v in runs.items()},
        "cpu_count": os.cpu_count(),
    }


def _figures(run: dict[str, Any], rows: int) -> dict[str, Any]:
    return {
        "seconds": round(run["seconds"], 2),
        "cpu_seconds": round(run["cpu_seconds"], 2),
        "rate": round(rows / run["seconds"], 1),
        "peak_rss_mb": run["peak_rss_mb"],
    }


def _say(message: str) -> None:
    from fairdebt.cli._common import console

    console.print(message)


def _scratch() -> Any:
    import tempfile

    from fairdebt.settings import load_settings

    base = load_settings().data_dir / "bench" / "strategy"
    base.mkdir(parents=True, exist_ok=True)
    return _TempPath(tempfile.TemporaryDirectory(prefix="plans-", dir=base))


class _TempPath:
    """A TemporaryDirectory that yields a Path."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __enter__(self) -> Path:
        return Path(self.inner.__enter__())

    def __exit__(self, *exc: object) -> None:
        self.inner.__exit__(*exc)


def _child(name: str, folder: Path, out: Path, limit: int | None) -> dict[str, Any]:
    """One implementation in a fresh interpreter: its peak RSS is its own."""
    import subprocess
    import sys

    args = [sys.executable, "-m", "fairdebt.bench.strategy_child", name, str(folder), str(out)]
    done = subprocess.run([*args, str(limit or 0)], capture_output=True, text=True)
    if done.returncode != 0:
        from fairdebt.errors import FairdebtError

        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise FairdebtError(f"the {name} run failed: {last}", hint="run it alone to see why")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _pair(scratch: Path, name: str) -> tuple[Any, Any]:
    import pyarrow.parquet as pq

    return pq.read_table(scratch / "engine.parquet"), pq.read_table(scratch / f"{name}.parquet")


def canonical(plan: Any) -> Any:
    """Same column types whatever produced the plan (int64, string), rows in account order."""
    import pyarrow as pa

    fields = []
    for f in plan.schema:
        kind = f.type
        if pa.types.is_integer(kind):
            kind = pa.int64()
        elif pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_null(kind):
            kind = pa.string()
        fields.append(pa.field(f.name, kind))
    return plan.cast(pa.schema(fields)).sort_by("account_id").combine_chunks()


def plan_differences(ours: Any, theirs: Any) -> list[str]:
    """What differs between two plans: [] when identical. `theirs` may cover a prefix of the
    accounts (pandas on a sample): `ours` is cut to the same accounts first."""
    import pyarrow.compute as pc

    from fairdebt.strategy.plan import PLAN_COLUMNS

    both = set(ours.column_names) & set(theirs.column_names)
    missing = [f"missing column {c}" for c in PLAN_COLUMNS if c not in both]
    if missing:
        return missing
    if theirs.num_rows < ours.num_rows:
        ours = ours.filter(pc.is_in(ours["account_id"], theirs["account_id"]))
    if ours.num_rows != theirs.num_rows:
        return [f"rows: {ours.num_rows} vs {theirs.num_rows}"]
    a = canonical(ours.select(list(PLAN_COLUMNS)))
    b = canonical(theirs.select(list(PLAN_COLUMNS)))
    return [c for c in PLAN_COLUMNS if not a.column(c).equals(b.column(c))]
