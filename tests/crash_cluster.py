"""A private PostgreSQL cluster for one test, so it can be restarted for real without touching
the cluster the rest of the suite shares. Made from the machine's installed server binaries and
run as the `postgres` user (the server refuses root), on a free loopback port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest


def _bin_dir() -> Path | None:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: p.parts[-3])
    return versions[-1].parent if versions else None


def _unavailable(reason: str) -> None:
    if os.environ.get("FAIRDEBT_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"a private PostgreSQL cluster is needed: {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivateCluster:
    """initdb + pg_ctl start on enter; `restart()` restarts it (every connection is lost, as in
    a restart by an operator); stopped and removed on exit."""

    def __init__(self) -> None:
        bin_dir = _bin_dir()
        if bin_dir is None:
            _unavailable("no PostgreSQL server installed")
        if os.geteuid() != 0 or shutil.which("su") is None:
            _unavailable("the cluster runs as the postgres user: the test must run as root")
        self.bin = bin_dir
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="fairdebt-pg-"))
        self.data = self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *command: str) -> None:
        line = " ".join(f"'{part}'" for part in command)
        done = subprocess.run(
            ["su", "postgres", "-s", "/bin/sh", "-c", line],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-2000:])

    def _pg_ctl(self, *args: str) -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", *args)

    def __enter__(self) -> PrivateCluster:
        shutil.chown(self.root, "postgres")
        self._as_postgres(
            str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
            "-E", "UTF8", "--no-sync",
        )  # fmt: skip
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg_ctl("-l", str(self.root / "log"), "-o", options, "start")
        return self

    def restart(self) -> None:
        self._pg_ctl("-l", str(self.root / "log"), "-m", "fast", "restart")

    def __exit__(self, *_exc: object) -> None:
        try:
            self._pg_ctl("-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
