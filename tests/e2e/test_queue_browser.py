"""The call queue in a real browser against the real server: a collector signs in, opens the
queue from the nav, presses "Check with the gate" on the first call and sees the gate's decision
on the call's page.

The server runs on the system clock, so the decision depends on the hour in Shanghai (quiet
hours deny with a time it is allowed from): the test asserts what holds at any hour.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import console_data
import pytest
from playwright.sync_api import Page, expect
from served import serving
from sqlalchemy import select

from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.engine import make_engine
from fairdebt.adapters.db.migrate import upgrade
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.domain.case import Assignee, AssigneeKind
from fairdebt.services.worklist import dispatch
from fairdebt.strategy.run import RunOptions, run_strategy

pytestmark = pytest.mark.e2e


@dataclass(frozen=True, slots=True)
class QueueServer:
    url: str


def _database(folder: Path) -> str:
    """The console portfolio, its unplaced cases with the collector, planned and dispatched."""
    url = f"sqlite:///{folder / 'queue.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        console_data.build(conn)
    console_data.add_personas(engine)
    with SqlUnitOfWork(engine) as uow:
        free = uow.conn.scalars(select(t.cases.c.id).where(t.cases.c.assignee_kind.is_(None)))
        for case_id in list(free):
            case, event = uow.cases.get(case_id).assign(
                Assignee(AssigneeKind.COLLECTOR, "collector"), "supervisor"
            )
            uow.cases.save(case)
            uow.events.append(case_id, event, console_data.NOW)
        uow.commit()
    run_strategy(SqlUnitOfWork(engine), RunOptions(as_of=console_data.AS_OF))
    dispatch(SqlUnitOfWork(engine), None, datetime.now(UTC))
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def server(chromium: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[QueueServer]:
    """`fairdebt serve` on the planned database (overrides conftest's `server` here;
    `chromium` first, so a missing browser skips before anything is built)."""
    folder = tmp_path_factory.mktemp("e2e-queue")
    with serving(folder, _database(folder)) as url:
        yield QueueServer(url)


def test_a_collector_asks_the_gate_from_the_queue_and_sees_its_decision(page: Page) -> None:
    page.goto("/console/")
    page.fill("#username", "collector")
    page.fill("#password", console_data.PASSWORD)
    page.click("form[action$='/login'] button[type=submit]")
    page.get_by_test_id("nav-queue").click()

    expect(page.locator("h1")).to_have_text("待拨打队列")
    first = page.locator("tr[data-task]").first
    task = first.get_attribute("data-task")
    first.get_by_test_id("check-gate").click()

    decision = page.get_by_test_id("decision")
    expect(decision).to_be_visible()
    verdict = decision.get_attribute("data-verdict")
    assert verdict in ("allow", "deny", "review")
    if verdict == "allow":  # asking is not calling: the call's page offers to start it
        expect(page.get_by_test_id("start-call")).to_be_visible()
    else:  # not allowed now: the cited rules say why
        expect(decision.get_by_test_id("rule").first).to_be_visible()
        expect(page.get_by_test_id("start-call")).to_have_count(0)
    page.get_by_test_id("nav-queue").click()
    if verdict == "allow":
        expect(page.locator(f"tr[data-task='{task}']")).to_have_count(1)  # still to be called
