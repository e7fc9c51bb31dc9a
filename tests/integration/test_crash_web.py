"""kill -9 of the web server while a collector works calls through the console's forms (check
with the gate → start → a promise to pay), at seeded random instants, the server started again
each time. Afterwards: every step the server answered is in the case log exactly once; no step
is half-written (a `contact_attempted` event with its contact_attempts row, a `contact_recorded`
with the attempt `done`, a `promise_recorded` with its promises row — each pair both present or
both absent); every chain verifies."""

from __future__ import annotations

import random
import subprocess
import sys
import threading
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from crash_web import CALL_PAGE, Server, collector_cases, signed_in
from sqlalchemy import select
from sqlalchemy.engine import Engine

from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.repayment_tables import promises
from fairdebt.adapters.db.worklist_tables import contact_attempts

MORNING = datetime(2026, 7, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
CASES = 10
KILLS = 4
PROMISE = {"outcome": "promise_to_pay", "amount": "100.00", "due_on": "2026-07-10",
           "channel": "payment_link", "notes": "承诺还款"}  # fmt: skip


class Work:
    """The collector's steps, each either answered by the server or cut by a kill."""

    def __init__(self, server: Server, rng: random.Random) -> None:
        self.server = server
        self.rng = rng
        self.browser = signed_in(server)
        self.answered: dict[str, list[str]] = {"check": [], "start": [], "record": []}
        self.cut = 0

    def step(self, name: str, path: str, data: dict[str, str] | None = None) -> str | None:
        """POST one form; the call page it led to (None: cut by a kill). Some steps are aimed
        at by a kill landing a random instant later, while the server works on them."""
        timer = None
        if self.server.kills < KILLS and self.rng.random() < 0.35:
            timer = threading.Timer(self.rng.uniform(0.0, 0.25), self.server.kill)
            timer.start()
        try:
            posted = self.browser.post(path, data=data)
            page = self.browser.get(posted.headers["location"]).text
        except (httpx.HTTPError, KeyError):
            page = None
        if timer is not None:
            timer.join()
        if not self.server.alive():
            self.cut += page is None
            self.server.up()
            return None
        assert posted.status_code == 303, (name, posted.text[-2000:])
        return f"{posted.headers['location']}\n{page}"

    def call(self, case_id: str) -> None:
        checked = self.step("check", f"/console/cases/{case_id}/calls/check")
        if checked is None:
            return
        found = CALL_PAGE.search(checked.split("\n", 1)[0])
        assert found, checked[:300]
        decision = found.group(2)
        self.answered["check"].append(decision)
        base = f"/console/cases/{case_id}/calls/{decision}"
        started = self.step("start", f"{base}/start")
        if started is None or 'data-state="started"' not in started:
            return
        self.answered["start"].append(decision)
        recorded = self.step("record", f"{base}/record", PROMISE)
        if recorded is not None and 'data-state="recorded"' in recorded:
            self.answered["record"].append(decision)


def _log(engine: Engine) -> tuple[Counter[tuple[str, str]], set[str], set[str], set[str]]:
    """(event type, decision id) counts; the attempt rows started and done; the promise ids
    that have a row."""
    with engine.connect() as conn:
        events = conn.execute(select(t.case_events.c.type, t.case_events.c.data)).all()
        attempts = conn.execute(select(contact_attempts.c.decision_id, contact_attempts.c.status))
        rows = list(attempts)
        promised = set(conn.execute(select(promises.c.id)).scalars())
    import json

    counts: Counter[tuple[str, str]] = Counter()
    for kind, data in events:
        parsed = json.loads(data)
        key = parsed.get("decision_id") or parsed.get("promise") or ""
        counts[(kind, key)] += 1
    started = {r.decision_id for r in rows}
    done = {r.decision_id for r in rows if r.status == "done"}
    return counts, started, done, promised


def test_a_killed_web_server_half_writes_nothing_and_loses_no_answered_step(
    engine: Engine, tmp_path: Path
) -> None:
    cases = collector_cases(engine)[:CASES]
    url = engine.url.render_as_string(hide_password=False)
    server = Server(url, tmp_path, MORNING)
    server.up()
    try:
        work = Work(server, random.Random(20261207))
        for case_id in cases:
            work.call(case_id)
    finally:
        server.stop()

    counts, started, done, promised = _log(engine)
    assert server.kills >= 2, server.kills
    assert len(work.answered["record"]) >= 3, work.answered
    for decision in work.answered["check"]:
        assert counts[("gate_decision", decision)] == 1, decision
    for decision in work.answered["start"]:
        assert counts[("contact_attempted", decision)] == 1, decision
    for decision in work.answered["record"]:
        assert counts[("contact_recorded", decision)] == 1, decision
    attempted = {d for (kind, d), n in counts.items() if kind == "contact_attempted"}
    recorded = {d for (kind, d), n in counts.items() if kind == "contact_recorded"}
    promise_events = {p for (kind, p), n in counts.items() if kind == "promise_recorded"}
    assert attempted == started  # an attempt's event and its row: both or neither
    assert recorded == done  # an outcome's event and the attempt done: both or neither
    assert promise_events == promised  # a promise's event and its row: both or neither
    assert all(n == 1 for (kind, _), n in counts.items() if kind != "case_opened" and _), counts
    verified = subprocess.run(
        [sys.executable, "-m", "fairdebt", "audit", "verify", "-q"],
        env=server.env, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "every chain intact" in verified.stdout
