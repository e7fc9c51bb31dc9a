"""The call queue in a real browser against the real server: a collector signs in, opens the
queue from the nav, presses "Check with the gate" on the first call and sees the gate's decision
on the call's page.

The server runs on the system clock, so the decision depends on the hour in Shanghai (quiet
hours deny with a time it is allowed from): the test asserts what holds at any hour.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import console_data
import pytest
from playwright.sync_api import Page, expect
from served import serving

pytestmark = pytest.mark.e2e


@dataclass(frozen=True, slots=True)
class QueueServer:
    url: str


@pytest.fixture(scope="module")
def server(chromium: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[QueueServer]:
    """`fairdebt serve` on the planned database (overrides conftest's `server` here;
    `chromium` first, so a missing browser skips before anything is built)."""
    folder = tmp_path_factory.mktemp("e2e-queue")
    with serving(folder, console_data.planned_database(folder, "queue.db")) as url:
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
