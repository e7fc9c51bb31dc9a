"""A new user's first checkpoint: no key yet, the refusal gives the exact command, the command
works on a data folder not made yet, and then the checkpoint is signed without any setting
(the key is where fairdebt looks by default)."""

from __future__ import annotations

import os
from pathlib import Path

from cli_run import fairdebt


def test_the_refusal_names_the_command_that_makes_the_default_key(tmp_path: Path) -> None:
    env = {
        k: v for k, v in os.environ.items() if k not in ("FAIRDEBT_DATA_KEYS", "FAIRDEBT_INDEX_KEY")
    }
    env["FAIRDEBT_DATA_DIR"] = str(tmp_path / "data")
    default = tmp_path / "data" / "signing-key.pem"

    refused = fairdebt("audit", "checkpoint", replace_env=env)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert f"fairdebt audit key --generate --out {default}`" in refused.stderr

    made = fairdebt("audit", "key", "--generate", "--out", str(default), replace_env=env)
    assert made.returncode == 0, made.stderr
    assert "set FAIRDEBT_SIGNING_KEY_FILE" not in made.stdout + made.stderr  # nothing to set

    signed = fairdebt("audit", "checkpoint", replace_env=env)
    assert signed.returncode == 0, signed.stderr
    assert "fairdebt-checkpoint v1 number=1" in signed.stdout
