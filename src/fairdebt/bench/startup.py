"""`fairdebt bench startup`: how long a person waits for the command line to answer.

Whole-process wall time, from spawning the interpreter to its exit, of `fairdebt --help` and of
one `fairdebt gate` request (one decision, JSON on stdin), each the median of `size` runs (at
least 5). Baselines, in the same rounds (each round runs every command once, so a busy machine
slows all of them alike): `python -c pass` (the interpreter alone) and `python -c "import
typer"` (the floor of any Typer command line). A baseline's ratio is its time over ours: near 1
means fairdebt adds little to what no command line avoids.

The checks: the targets (--help ≤ 0.25 s, a gate request ≤ 0.35 s), the gate's answer is a
decision, and importing the command line loads none of the heavy libraries (FastAPI,
SQLAlchemy, DuckDB, Ibis, pandas, pydantic-settings).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from typing import Any

DEFAULT_RUNS = 7
MIN_RUNS = 5
TARGET_HELP_SECONDS = 0.25
TARGET_GATE_SECONDS = 0.35
HEAVY = ("fastapi", "sqlalchemy", "duckdb", "ibis", "pandas", "pydantic_settings")
_PROBE = (
    "import sys, json, fairdebt.cli; "
    f"print(json.dumps(sorted(m for m in {list(HEAVY)!r} if m in sys.modules)))"
)


def run(size: int | None, quiet: bool) -> dict[str, Any]:
    from fairdebt.bench._measure import peak_rss_mb
    from fairdebt.bench.gate_load import requests

    runs = max(size or DEFAULT_RUNS, MIN_RUNS)
    request = json.dumps(requests(1, seed=1, history=5)[0], ensure_ascii=False)
    commands: dict[str, tuple[list[str], str | None]] = {
        "help": ([sys.executable, "-m", "fairdebt", "--help"], None),
        "gate": ([sys.executable, "-m", "fairdebt", "gate"], request),
        "python -c pass": ([sys.executable, "-c", "pass"], None),
        "python -c 'import typer'": ([sys.executable, "-c", "import typer"], None),
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    answers: dict[str, subprocess.CompletedProcess[str]] = {}
    for round_ in range(runs):
        for name, (argv, stdin) in commands.items():
            seconds, answers[name] = _timed(argv, stdin)
            times[name].append(seconds)
        if not quiet:
            sys.stderr.write(f"round {round_ + 1}/{runs}\n")
    median = {name: statistics.median(ts) for name, ts in times.items()}
    loaded = json.loads(subprocess.run([sys.executable, "-c", _PROBE], capture_output=True,
                                       text=True, check=True).stdout)  # fmt: skip
    return {
        "name": "startup",
        "size": runs,
        "seconds": round(median["help"], 3),
        "rate": round(1 / median["help"], 1),
        "peak_rss_mb": peak_rss_mb(),
        "baselines": {
            name: round(median[name] / median[ours], 2)
            for name, ours in (("python -c pass", "help"), ("python -c 'import typer'", "help"))
        },
        "checks": {
            "help_within_0.25s": median["help"] <= TARGET_HELP_SECONDS,
            "gate_within_0.35s": median["gate"] <= TARGET_GATE_SECONDS,
            "gate_answers_a_decision": _decided(answers["gate"]),
            "cli_import_loads_no_heavy_library": loaded == [],
        },
        "help_seconds": round(median["help"], 3),
        "gate_seconds": round(median["gate"], 3),
        "python_pass_seconds": round(median["python -c pass"], 3),
        "import_typer_seconds": round(median["python -c 'import typer'"], 3),
        "runs_seconds": {name: [round(t, 3) for t in ts] for name, ts in times.items()},
        "heavy_modules_loaded_by_cli_import": loaded,
        "targets_seconds": {"help": TARGET_HELP_SECONDS, "gate": TARGET_GATE_SECONDS},
    }


def _timed(argv: list[str], stdin: str | None) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(argv, input=stdin, capture_output=True, text=True, check=False)
    return time.perf_counter() - started, done


def _decided(done: subprocess.CompletedProcess[str]) -> bool:
    try:
        answer = json.loads(done.stdout)
    except json.JSONDecodeError:
        return False
    return done.returncode == 0 and isinstance(answer, dict) and "decision" in answer
