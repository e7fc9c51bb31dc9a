"""The PostgreSQL side of the crash tests: cut every connection of one database, as a restart of
the cluster does to them, without restarting the cluster (other tests share it)."""

from __future__ import annotations

import random
import threading
import time

from sqlalchemy import make_url, text
from sqlalchemy.engine import Engine

from fairdebt.adapters.db.engine import make_engine


class Cutter:
    """From a connection to the cluster's `postgres` database: once a backend of `database`
    appears, wait a seeded random delay, then terminate every backend of that database, again
    every `every` seconds until stopped — whatever the process was doing, it loses its
    connection mid-way, as in a restart."""

    def __init__(self, url: str, rng: random.Random, delay: tuple[float, float] = (0.0, 1.0)):
        target = make_url(url)
        self.database = target.database
        self.admin: Engine = make_engine(
            target.set(database="postgres").render_as_string(hide_password=False)
        )
        self.wait = rng.uniform(*delay)
        self.every = 0.05
        self.terminated = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._cut, daemon=True)

    def __enter__(self) -> Cutter:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.admin.dispose()

    def _cut(self) -> None:
        with self.admin.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            while not self._stop.is_set() and not self._backends(conn, terminate=False):
                time.sleep(0.01)
            if self._stop.wait(self.wait):
                return
            while not self._stop.is_set():
                self.terminated += self._backends(conn, terminate=True)
                time.sleep(self.every)

    def _backends(self, conn: object, *, terminate: bool) -> int:
        what = "pg_terminate_backend(pid)" if terminate else "pid"
        rows = conn.execute(  # type: ignore[attr-defined]
            text(
                f"SELECT {what} FROM pg_stat_activity "  # one of two fixed words
                "WHERE datname = :db AND pid <> pg_backend_pid()"
            ),
            {"db": self.database},
        ).all()
        return len(rows)
