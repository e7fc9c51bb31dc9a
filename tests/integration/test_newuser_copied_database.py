"""A database copied to another folder without its key file, as a new user moves one: the
command refuses it, says which file is missing, and leaves no new key file in the way of the
right one."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from cli_run import fairdebt
from portfolio_files import write_portfolio


def _new_user(data_dir: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("FAIRDEBT_DATA_KEYS", "FAIRDEBT_INDEX_KEY")
    }
    return env | {"FAIRDEBT_DATA_DIR": str(data_dir)}


def test_a_database_without_its_key_file_is_refused_and_no_wrong_key_is_left(
    tmp_path: Path,
) -> None:
    first = tmp_path / "first"
    imported = fairdebt(
        "import", str(write_portfolio(tmp_path / "p")), "-q", replace_env=_new_user(first)
    )
    assert imported.returncode == 0, imported.stderr
    moved = tmp_path / "moved"
    moved.mkdir()
    shutil.copy(first / "fairdebt.db", moved / "fairdebt.db")  # the key file forgotten

    refused = fairdebt("tasks", "list", replace_env=_new_user(moved))

    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert f"no key file at {moved / 'data-keys'}" in refused.stderr
    assert not (moved / "data-keys").exists()  # was: a new, wrong key file made there

    shutil.copy(first / "data-keys", moved / "data-keys")
    listed = fairdebt("tasks", "list", replace_env=_new_user(moved))
    assert listed.returncode == 0, listed.stderr
