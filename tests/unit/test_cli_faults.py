"""Bad input and faults on the command line: one line of cause, a hint, exit 2, no traceback."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import cli_run
from portfolio_files import ACCOUNTS, write_csv, write_portfolio


def fairdebt(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return cli_run.fairdebt(*args, env=env)


def assert_clean_failure(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "hint:" in result.stderr or "--skip-invalid" in result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


def test_an_invalid_setting_is_named() -> None:
    assert_clean_failure(fairdebt("init", FAIRDEBT_PORT="eighty"), "FAIRDEBT_PORT")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    assert_clean_failure(fairdebt("import", str(tmp_path / "accounts.csv")), "file not found")


def test_a_corrupt_parquet_file_is_reported(tmp_path: Path) -> None:
    broken = tmp_path / "accounts.parquet"
    broken.write_bytes(b"PAR1 this is not really parquet")

    assert_clean_failure(fairdebt("import", str(broken)), "cannot read accounts.parquet")


def test_an_unknown_column_is_named_with_a_suggestion(tmp_path: Path) -> None:
    rows = [{("princpal" if k == "principal" else k): v for k, v in ACCOUNTS[0].items()}]
    path = write_csv(tmp_path / "accounts.csv", rows)

    assert_clean_failure(fairdebt("import", str(path)), "unknown column 'princpal'", "'principal'")


def test_a_negative_amount_is_reported_and_nothing_is_written(
    tmp_path: Path, data_dir: Path
) -> None:
    folder = write_portfolio(tmp_path / "p", accounts=[dict(ACCOUNTS[0], principal="-100")])

    result = fairdebt("import", str(folder))

    assert_clean_failure(result, "accounts.csv, row 2, column principal: cannot be negative")
    with sqlite3.connect(data_dir / "fairdebt.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM borrowers").fetchone() == (0,)


def test_a_locked_database_says_so(tmp_path: Path, data_dir: Path) -> None:
    assert fairdebt("init").returncode == 0
    holder = sqlite3.connect(data_dir / "fairdebt.db")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = fairdebt(
            "import", str(write_portfolio(tmp_path / "p")), FAIRDEBT_DB_TIMEOUT_SECONDS="0.3"
        )
    finally:
        holder.rollback()
        holder.close()

    assert_clean_failure(result, "locked")


def test_an_unreachable_database_says_so() -> None:
    result = fairdebt("init", FAIRDEBT_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:9/none")

    assert_clean_failure(result, "cannot reach the database")


def test_a_damaged_sqlite_file_says_so(data_dir: Path) -> None:
    (data_dir / "fairdebt.db").write_bytes(b"garbage " * 1000)

    assert_clean_failure(fairdebt("init"), "damaged")


def test_a_url_that_is_no_url_says_so() -> None:
    assert_clean_failure(fairdebt("init", FAIRDEBT_DATABASE_URL="not a url"), "not a database URL")
