"""`fairdebt bench NAME [--size N] [--json]`: benchmarks with their baselines in the same run.

Each benchmark is a module `fairdebt.bench.<name>` with
`run(size: int | None, quiet: bool) -> dict` returning one JSON object: name, size, seconds,
rate, peak_rss_mb, baselines {name: their time / ours}, checks {name: bool}, and its own
figures (bench/README.md).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

import typer

BENCHMARKS: dict[str, str] = {
    "import": "import_",
    "strategy": "strategy",
    "gate": "gate",
    "startup": "startup",
}

bench_app = typer.Typer(help="Benchmarks: each prints its figure and its baselines.")


def register(app: typer.Typer) -> None:
    app.add_typer(bench_app, name="bench")
    for name, module in BENCHMARKS.items():
        bench_app.command(name, help=f"Run the {name} benchmark.")(_runner(name, module))
    bench_app.command("outbox")(outbox)
    bench_app.command("routing")(routing)


def routing(
    instance: Path = typer.Option(
        ..., "--instance", help="A CVRPLIB/VRPLIB .vrp file or a Solomon .txt file."
    ),
    seconds: float = typer.Option(
        10.0, "--seconds", min=0.01, max=3600, help="Search time limit, seconds."
    ),
    seed: int = typer.Option(1, "--seed", min=0, max=2**32 - 1, help="The solver's random seed."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """The visit planner's solver on a published instance: cost, best known, gap, baseline.

    The best-known cost comes from a .sol file beside the instance, or from an "Optimal
    value"/"Best value" in its COMMENT. The baseline is a nearest-neighbour construction
    (docs/visits.md).
    """
    from fairdebt.bench.routing import run

    _show("routing", run(instance, seconds=seconds, seed=seed), json_out)


def outbox(
    messages: int = typer.Option(
        5_000, "--messages", "--size", min=1, max=1_000_000, help="Texts queued and delivered."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
    workers: int = typer.Option(4, "--workers", min=1, max=64, help="Worker processes."),
    database: str = typer.Option(
        "sqlite", "--database", help="sqlite (a temporary file) or postgresql."
    ),
    database_url: str = typer.Option(
        None,
        "--database-url",
        help="PostgreSQL server to make the temporary database on "
        "(default FAIRDEBT_TEST_POSTGRES_URL).",
    ),
    kill_every: float = typer.Option(
        1.0,
        "--kill-every",
        min=0,
        help="Mean seconds between SIGKILLs of a random worker (restarted at once); 0: none.",
    ),
    lease: float = typer.Option(2.0, "--lease", min=0.2, help="Workers' claim lease, seconds."),
    batch: int = typer.Option(50, "--batch", min=1, max=10_000, help="Rows claimed at a time."),
    baseline: bool = typer.Option(
        True, "--baseline/--no-baseline", help="Also run the baselines (one worker; provider)."
    ),
    profile: str = typer.Option(
        None, "--profile", help="Write worker 0's cProfile stats here (use with --kill-every 0)."
    ),
    seed: int = typer.Option(
        1, "--seed", min=0, max=2**32 - 1, help="Seed of the killer's intervals and victims."
    ),
) -> None:
    """Outbox texts/s with workers killed at random, and proof none was lost or doubled.

    `lost`: queued texts that neither reached the gateway nor ended visibly (cancelled,
    review, failed). `doubled`: texts a handset would get twice — messages the gateway stored
    beyond one per queued row, or under a key no row has. `resent_same_key`: the same text
    handed to the gateway again under its key by the worker that took over a killed worker's
    row — the gateway keeps one, by design, so these are not doubles. Exits 1 if lost, doubled
    or a key recorded delivered twice is not 0, or a row is not final (docs/channels.md).
    """
    from fairdebt.bench.outbox import Options, guarantees_hold, run
    from fairdebt.errors import FairdebtError

    if database not in ("sqlite", "postgresql"):
        raise FairdebtError(f"no database kind {database!r}", "use sqlite or postgresql")
    options = Options(
        messages=messages,
        workers=workers,
        database=database,
        database_url=database_url,
        kill_every=kill_every,
        lease=lease,
        batch=batch,
        baseline=baseline,
        profile_to=profile,
        seed=seed,
    )
    result = run(size=None, quiet=json_out, options=options)
    _show("outbox", result, json_out)
    if not guarantees_hold(result):
        raise typer.Exit(1)


def _show(name: str, result: dict[str, object], json_out: bool) -> None:
    from fairdebt.cli._common import out, print_json

    if json_out:
        print_json(result)
        return
    from rich.table import Table

    table = Table(title=f"bench {name}", show_header=False)
    for key, value in result.items():
        table.add_row(key, str(value))
    out.print(table)


def _runner(name: str, module: str) -> Callable[..., None]:
    def run(
        size: int = typer.Option(None, help="Problem size (items); each benchmark has a default."),
        json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
    ) -> None:
        bench = importlib.import_module(f"fairdebt.bench.{module}")
        _show(name, bench.run(size=size, quiet=json_out), json_out)

    run.__doc__ = f"Run the {name} benchmark."
    return run
