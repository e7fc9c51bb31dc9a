"""`fairdebt bench NAME [--size N] [--json]`: benchmarks with their baselines in the same run.

Each benchmark is a module `fairdebt.bench.<name>` with
`run(size: int | None, quiet: bool) -> dict` returning one JSON object: name, size, seconds,
rate, peak_rss_mb, baselines {name: their time / ours}, checks {name: bool}, and its own
figures (bench/README.md).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

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


def _runner(name: str, module: str) -> Callable[..., None]:
    def run(
        size: int = typer.Option(None, help="Problem size (items); each benchmark has a default."),
        json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
    ) -> None:
        from fairdebt.cli._common import out, print_json

        bench = importlib.import_module(f"fairdebt.bench.{module}")
        result = bench.run(size=size, quiet=json_out)
        if json_out:
            print_json(result)
            return
        from rich.table import Table

        table = Table(title=f"bench {name}", show_header=False)
        for key, value in result.items():
            table.add_row(key, str(value))
        out.print(table)

    run.__doc__ = f"Run the {name} benchmark."
    return run
