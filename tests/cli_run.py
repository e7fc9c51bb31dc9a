"""Run the `fairdebt` command as a user would: a subprocess of this Python, text in and out."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path


def fairdebt(
    *args: str,
    stdin: str | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 300,
    replace_env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`python -m fairdebt ARGS`; `env` is added to this process's environment (or to
    `replace_env`, which stands in for it); a wide COLUMNS so Rich tables do not wrap in what
    the tests read."""
    return subprocess.run(
        [sys.executable, "-m", "fairdebt", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={
            **(os.environ if replace_env is None else replace_env),
            "COLUMNS": "200",
            **(env or {}),
        },
        cwd=cwd,
        check=False,
        timeout=timeout,
    )
