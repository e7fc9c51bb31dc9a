"""A collector works a call end to end in a real browser against the real server: the queue,
"Check with the gate", the script with its verify code, "Start call", the number to dial, the
outcome "promise to pay" — and the case page shows the contact and the promise; then a borrower
checks the code on the public /verify page.

The server runs on the system clock, so the borrowers are put in a fixed-offset zone where it is
mid-afternoon now: the gate allows the call whatever the hour of the test run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import console_data
import pytest
from playwright.sync_api import Page, expect
from served import serving

pytestmark = pytest.mark.e2e


@dataclass(frozen=True, slots=True)
class CallServer:
    url: str
    zone: str


def afternoon_zone(now: datetime) -> str:
    """A fixed-offset zone where it is 14:00–15:00 now (Etc/GMT-N is UTC+N)."""
    offset = 14 - now.hour
    offset = offset - 24 if offset > 14 else offset
    return "Etc/GMT" + (f"-{offset}" if offset > 0 else f"+{-offset}" if offset else "")


@pytest.fixture(scope="module")
def server(chromium: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CallServer]:
    folder = tmp_path_factory.mktemp("e2e-calls")
    zone = afternoon_zone(datetime.now(UTC))
    with serving(folder, console_data.planned_database(folder, "calls.db", zone)) as url:
        yield CallServer(url, zone)


def test_a_collector_calls_records_a_promise_and_the_borrower_verifies_the_code(
    page: Page, chromium, server: CallServer
) -> None:
    page.goto("/console/")
    page.fill("#username", "collector")
    page.fill("#password", console_data.PASSWORD)
    page.click("form[action$='/login'] button[type=submit]")
    page.get_by_test_id("nav-queue").click()
    row = page.locator("tr[data-task]").first
    case_id = row.get_attribute("data-case")

    row.get_by_test_id("check-gate").click()

    decision = page.get_by_test_id("decision")
    expect(decision).to_have_attribute("data-verdict", "allow")
    expect(page.get_by_test_id("borrower-time")).to_contain_text(f"({server.zone})")
    code = page.get_by_test_id("verify-code").inner_text()
    expect(page.get_by_test_id("verify-line")).to_contain_text(code)
    expect(page.get_by_test_id("number")).to_contain_text("****")  # masked before the call

    page.get_by_test_id("start-call").click()

    expect(decision).to_have_attribute("data-state", "started")
    expect(page.get_by_test_id("number")).not_to_contain_text("*")  # the number to dial
    due = (datetime.now(ZoneInfo(server.zone)) + timedelta(days=7)).date().isoformat()
    page.check("#o-promise_to_pay")
    page.fill("#amount", "800.00")
    page.fill("#due_on", due)
    page.select_option("#channel", "payment_link")
    page.fill("#notes", "本人承诺一周内还款")
    page.get_by_test_id("record-call").click()

    expect(page.get_by_test_id("recorded")).to_have_attribute("data-outcome", "promise_to_pay")
    page.get_by_test_id("to-case").click()
    expect(page.locator("h1")).to_contain_text(case_id or "")
    log = page.locator("#events")
    expect(log).to_contain_text("已联络")  # the contact
    expect(log).to_contain_text("记录还款承诺")  # and the promise

    borrower = chromium.new_context(base_url=server.url)  # type: ignore[attr-defined]
    portal = borrower.new_page()
    portal.goto("/verify")
    portal.fill("#code", code)
    portal.get_by_test_id("verify-submit").click()
    expect(portal.get_by_test_id("verify-result")).to_have_attribute("data-status", "valid")
    expect(portal.get_by_test_id("verify-collector")).to_have_text("Collector 测试")
    borrower.close()
