"""`fairdebt serve` as a subprocess on a free port, for browser tests: one way to start it, wait
for /healthz and stop it, whatever database the test built."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

READY_SECONDS = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(folder: Path, database_url: str, **settings: str) -> Iterator[str]:
    """The server's base URL while it runs on `database_url`, with `folder` as its data
    directory and working directory (so no developer .env is read); its log in server.log.
    `settings` are more FAIRDEBT_* variables (`trusted_proxies="127.0.0.1"`)."""
    port = free_port()
    env = {
        **os.environ,
        "FAIRDEBT_DATABASE_URL": database_url,
        "FAIRDEBT_DATA_DIR": str(folder),
        "FAIRDEBT_SECRET_KEY": "e2e-secret-key",
        "FAIRDEBT_LOCALE": "zh-CN",
        "FAIRDEBT_ENV": "test",
        **{f"FAIRDEBT_{name.upper()}": value for name, value in settings.items()},
    }
    log = folder / "server.log"
    command = [
        sys.executable,
        "-m",
        "fairdebt",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, env=env, cwd=folder, stdout=sink, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(process, url, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_until_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    pytest.fail(f"the server did not answer /healthz within {READY_SECONDS} s:\n{log.read_text()}")
