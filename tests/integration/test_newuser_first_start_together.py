"""Two commands started at once on a fresh data directory, as a new user starts `serve` and
`worker` together: both migrate the new database, and neither may fail for it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _new_user(data_dir: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("FAIRDEBT_DATA_KEYS", "FAIRDEBT_INDEX_KEY")
    }
    return env | {"FAIRDEBT_DATA_DIR": str(data_dir), "COLUMNS": "200"}


def test_three_commands_at_once_on_a_fresh_data_directory(tmp_path: Path) -> None:
    env = _new_user(tmp_path / "data")
    started = [
        subprocess.Popen(
            [sys.executable, "-m", "fairdebt", *args],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in (["users", "list"], ["worker", "--once"], ["outbox", "list"])
    ]
    finished = [(p.args, *p.communicate(timeout=300), p.returncode) for p in started]

    for args, _out, err, code in finished:
        assert code == 0 and "Traceback" not in err, (args, err)  # was: "table ... already exists"
