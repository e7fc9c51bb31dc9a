"""`fairdebt import` as a user runs it, on both databases."""

from __future__ import annotations

import os
import subprocess
import sys

from portfolio_files import write_portfolio


def _import(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FAIRDEBT_DATABASE_URL": url, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "fairdebt", "import", *args, "-q"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )


def test_a_second_import_of_the_same_files_says_0_new_0_changed(database_url, tmp_path) -> None:
    folder = write_portfolio(tmp_path / "p")

    first = _import(str(folder), url=database_url)
    second = _import(str(folder / "accounts.csv"), str(folder / "borrowers.csv"), url=database_url)

    assert first.returncode == 0, first.stderr
    assert "9 new, 0 changed; 2 cases opened" in first.stdout
    assert second.returncode == 0, second.stderr
    assert "0 new, 0 changed; 0 cases opened, 0 events" in second.stdout


def test_a_file_named_otherwise_needs_kind(database_url, tmp_path) -> None:
    folder = write_portfolio(tmp_path / "p")
    renamed = folder / "export-2026.csv"
    (folder / "borrowers.csv").rename(renamed)

    without = _import(str(renamed), url=database_url)
    with_kind = _import(str(renamed), "--kind", "borrowers", url=database_url)

    assert without.returncode == 2 and "--kind" in without.stderr
    assert with_kind.returncode == 0 and "2 new" in with_kind.stdout
