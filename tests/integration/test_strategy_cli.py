"""`fairdebt strategy run|check|report` on the command line, end to end on SQLite."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import strategy_portfolio

from fairdebt.strategy.config import DEFAULT_PATH


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return strategy_portfolio.write(tmp_path_factory.mktemp("pf"), 500, date(2026, 11, 24))


def test_run_shows_stage_timings_then_already_run_then_replace(portfolio, fairdebt) -> None:
    first = fairdebt("strategy", "run", "--as-of", "2026-11-24", "--portfolio", str(portfolio))
    again = fairdebt("strategy", "run", "--as-of", "2026-11-24", "--portfolio", str(portfolio))
    replaced = fairdebt(
        "strategy", "run", "--as-of", "2026-11-24", "--portfolio", str(portfolio), "--replace", "-q"
    )

    assert first.returncode == 0, first.stderr
    assert "accounts" in first.stdout and "500" in first.stdout
    assert all(stage in first.stdout for stage in ("dues", "late", "plan", "store"))
    assert again.returncode == 2 and "error: already run: 2026-11-24" in again.stderr
    assert "hint: pass --replace" in again.stderr and "Traceback" not in again.stderr
    assert replaced.returncode == 0 and "superseded run" in replaced.stderr


def test_report_after_two_runs_has_rolls_cure_rate_and_arms(portfolio, fairdebt) -> None:
    for as_of in ("2026-10-24", "2026-11-24"):
        done = fairdebt("strategy", "run", "--as-of", as_of, "--portfolio", str(portfolio), "-q")
        assert done.returncode == 0, done.stderr

    shown = fairdebt("strategy", "report")
    data = json.loads(fairdebt("strategy", "report", "--json").stdout)

    assert "roll rates" in shown.stdout and "cure rate" in shown.stdout
    assert "champion/challenger" in shown.stdout
    assert sum(b["accounts"] for b in data["buckets"]) == 500
    assert {a["arm"] for a in data["arms"]} <= {"champion", "early_call"}
    assert 0 <= data["cure_rate"]["low"] <= data["cure_rate"]["value"] <= data["cure_rate"]["high"]
    assert "M1" in data["rolls"]


def test_explain_names_the_matching_segment_score_and_arm(portfolio, fairdebt) -> None:
    shown = fairdebt(
        "strategy",
        "run",
        "--as-of",
        "2026-11-24",
        "--portfolio",
        str(portfolio),
        "--explain",
        "A0000003",
    )

    assert shown.returncode == 0, shown.stderr
    assert "match" in shown.stdout and "score" in shown.stdout and "arm" in shown.stdout
    assert "contact gate" in shown.stdout


def test_explaining_an_unknown_account_is_a_clean_error(portfolio, fairdebt) -> None:
    shown = fairdebt(
        "strategy",
        "run",
        "--as-of",
        "2026-11-24",
        "--portfolio",
        str(portfolio),
        "--explain",
        "NOPE",
    )

    assert shown.returncode == 2 and "not in the portfolio" in shown.stderr


def test_check_lists_errors_with_lines_and_fails(tmp_path, fairdebt) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        DEFAULT_PATH.read_text(encoding="utf-8").replace(
            "treatment: calls\n", "treatment: cals\n", 1
        )
    )

    good = fairdebt("strategy", "check", str(DEFAULT_PATH))
    broken = fairdebt("strategy", "check", str(bad))

    assert good.returncode == 0 and "0 error(s), 0 warning(s)" in good.stderr
    assert broken.returncode == 2
    assert f"{bad}:" in broken.stdout and "segments[" in broken.stdout
    assert "unknown treatment 'cals'" in broken.stdout


def test_a_bad_date_or_backend_is_a_clean_error(portfolio, fairdebt) -> None:
    bad_date = fairdebt("strategy", "run", "--as-of", "24/11/2026", "--portfolio", str(portfolio))
    bad_backend = fairdebt(
        "strategy",
        "run",
        "--as-of",
        "2026-11-24",
        "--backend",
        "oracle",
        "--portfolio",
        str(portfolio),
    )

    assert bad_date.returncode == 2 and "YYYY-MM-DD" in bad_date.stderr
    assert bad_backend.returncode == 2 and "duckdb or pyspark" in bad_backend.stderr


def test_run_on_the_app_database_reads_what_was_imported(tmp_path, fairdebt) -> None:
    from portfolio_files import write_portfolio

    folder = write_portfolio(tmp_path / "csv")
    imported = fairdebt("import", str(folder), "--as-of", "2026-11-24", "-q")
    assert imported.returncode == 0, imported.stderr

    done = fairdebt("strategy", "run", "--as-of", "2026-11-24", "--db", "-q")
    data = json.loads(fairdebt("strategy", "report", "--json").stdout)

    assert done.returncode == 0, done.stderr
    assert data["run"]["source"] == "database"
    assert sum(b["accounts"] for b in data["buckets"]) == 2
    assert {b["bucket"] for b in data["buckets"]} != {"M0"}  # the sample has late instalments


def test_check_prints_line_numbers_as_numbers(tmp_path, fairdebt) -> None:
    # Rich would turn "file:100:" into an emoji code; line 100 here holds the bad template.
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    text = text.replace("template: call_opening, day: 1,", "template: call_script, day: 1,")
    lines = text.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if "call_script" in line)
    padded = tmp_path / "padded.yaml"
    padded.write_text("# padding\n" * (99 - at) + text, encoding="utf-8")

    result = fairdebt("strategy", "check", str(padded))

    assert result.returncode == 0, result.stderr
    assert f"{padded}:100: treatments.calls.actions[1].template" in result.stdout
