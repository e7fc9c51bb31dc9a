"""The web server's crash test world: the console portfolio with its unplaced cases given to
"collector", the shipped ladder's run dispatched; `fairdebt serve` as a subprocess (on the clock
of crash_clock.py: a weekday morning in Shanghai, whatever the real hour) that a test kills
with SIGKILL and starts again on the same port.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import console_data
import httpx
from served import free_port
from sqlalchemy import select
from sqlalchemy.engine import Engine

from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.domain.case import Assignee, AssigneeKind
from fairdebt.services.worklist import dispatch
from fairdebt.strategy.run import RunOptions, run_strategy

TESTS = Path(__file__).parent
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
CALL_PAGE = re.compile(r"/console/cases/([^/]+)/calls/([0-9a-f]{64})$")
READY_SECONDS = 60


def collector_cases(engine: Engine) -> list[str]:
    """Build the world; the ids of the cases the collector works, in order."""
    with engine.begin() as conn:
        console_data.build(conn)
    console_data.add_personas(engine)
    given: list[str] = []
    with SqlUnitOfWork(engine) as uow:
        free = uow.conn.scalars(
            select(t.cases.c.id).where(t.cases.c.assignee_kind.is_(None)).order_by(t.cases.c.id)
        ).all()
        for case_id in free:
            case, event = uow.cases.get(case_id).assign(
                Assignee(AssigneeKind.COLLECTOR, "collector"), "supervisor"
            )
            uow.cases.save(case)
            uow.events.append(case_id, event, console_data.NOW)
            given.append(case_id)
        uow.commit()
    run_strategy(SqlUnitOfWork(engine), RunOptions(as_of=console_data.AS_OF))
    dispatch(SqlUnitOfWork(engine), None, console_data.NOW + timedelta(minutes=5))
    return given


class Server:
    """`fairdebt serve` on one port, started at the real pace of a virtual clock that began at
    `start` (each restart continues it), killed with SIGKILL on demand."""

    def __init__(self, url: str, folder: Path, start: object) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.folder = folder
        self.start = start  # a datetime: the clock's reading when the test began
        self.began = time.monotonic()
        self.env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
            "FAIRDEBT_DATABASE_URL": url,
            "FAIRDEBT_DATA_DIR": str(folder),
            "FAIRDEBT_SECRET_KEY": "crash-secret-key",
            "FAIRDEBT_LOCALE": "zh-CN",
            "FAIRDEBT_ENV": "test",
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.kills = 0

    def up(self) -> None:
        """Start it (the clock continues where it was) and wait for /healthz."""
        now = self.start + timedelta(seconds=time.monotonic() - self.began)  # type: ignore[operator]
        command = [
            sys.executable, str(TESTS / "crash_clock.py"), now.isoformat(),
            "serve", "--host", "127.0.0.1", "--port", str(self.port),
        ]  # fmt: skip
        with (self.folder / "server.log").open("ab") as log:
            self.process = subprocess.Popen(
                command, env=self.env, cwd=self.folder, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError((self.folder / "server.log").read_text()[-3000:])
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise AssertionError(f"no /healthz within {READY_SECONDS} s")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        if self.alive():
            assert self.process is not None
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
            self.kills += 1

    def stop(self) -> None:
        if self.alive():
            assert self.process is not None
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def signed_in(server: Server) -> httpx.Client:
    """A browser signed in as the collector, sending the session's CSRF token with each form."""
    browser = httpx.Client(base_url=server.base, timeout=30)
    token = TOKEN.search(browser.get("/login").text)
    assert token
    answer = browser.post(
        "/login",
        data={"username": "collector", "password": console_data.PASSWORD,
              "csrf_token": token.group(1)},
    )  # fmt: skip
    assert answer.status_code == 303, answer.text[-2000:]
    page = TOKEN.search(browser.get("/login").text)
    assert page
    browser.headers["X-CSRF-Token"] = page.group(1)
    return browser
