"""The command line starts light: importing it loads no web framework, database or engine."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("fastapi", "sqlalchemy", "duckdb", "ibis", "pandas", "pydantic_settings", "uvicorn")


def _loaded_after(code: str) -> list[str]:
    probe = (
        f"import sys, json; {code}; "
        f"print(json.dumps(sorted(m for m in {list(HEAVY)!r} if m in sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def test_importing_the_cli_loads_no_heavy_library():
    assert _loaded_after("import fairdebt.cli") == []


def test_help_loads_no_heavy_library_and_lists_every_command():
    code = (
        "from fairdebt.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit as e:\n    assert not e.code, e.code"
    )
    done = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys, json\n"
         f"print(json.dumps(sorted(m for m in {list(HEAVY)!r} if m in sys.modules)))"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert json.loads(done.stdout.splitlines()[-1]) == []
    for command in ("users", "serve", "gate", "tasks", "plans", "bench"):
        assert f"  {command} " in done.stdout


def test_a_command_builds_only_its_own_group_and_the_full_list_stays_whole():
    code = (
        "import sys, json\n"
        "from fairdebt.cli import main\n"
        "try:\n    main(['gate', '--help'])\nexcept SystemExit as e:\n    assert not e.code\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('fairdebt.cli.'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(done.stdout.splitlines()[-1])
    assert "fairdebt.cli.gate" in loaded
    assert "fairdebt.cli.visits" not in loaded and "fairdebt.cli.users" not in loaded

    from fairdebt.cli import COMMAND_MODULES, app, command_line

    assert app is command_line()  # every group, built once
    names = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}
    names |= {g.name or "" for g in app.registered_groups}
    assert {"gate", "users", "visits", "keys"} <= names
    assert all(name in names for name in COMMAND_MODULES if name not in ("portfolio", "repayment"))


@pytest.mark.slow
def test_the_startup_benchmark_reports_its_figures_and_checks():
    from fairdebt.bench.startup import run

    result = run(size=5, quiet=True)

    assert result["name"] == "startup" and result["size"] == 5
    assert {"python -c pass", "python -c 'import typer'"} <= set(result["baselines"])
    assert result["checks"]["cli_import_loads_no_heavy_library"]
    assert result["checks"]["gate_answers_a_decision"]
    assert 0 < result["python_pass_seconds"] < result["help_seconds"]
