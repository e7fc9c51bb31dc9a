"""The compliance desk in a real browser: a complaint filed for the borrower is acknowledged,
answered and its hold released by a supervisor, from the queue to its page, and the impostor a
borrower reported shows on the Alerts tab; screenshots of the queue, the complaint and the alerts
go to docs/img/desk-*.png."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import console_data
import pytest
from playwright.sync_api import Page, expect
from served import serving

pytestmark = pytest.mark.e2e
IMAGES = Path(__file__).parents[2] / "docs" / "img"


@dataclass(frozen=True, slots=True)
class DeskServer:
    url: str
    complaint: str


@pytest.fixture(scope="module")
def server(chromium: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeskServer]:
    """`fairdebt serve` on the planned database with one complaint of the borrower persona."""
    from fairdebt.adapters.db.engine import make_engine
    from fairdebt.adapters.db.uow import SqlUnitOfWork
    from fairdebt.services import complaints
    from fairdebt.services.portal_collectors import ImpostorReport, report_impostor
    from fairdebt.services.users import get_user_by_name

    folder = tmp_path_factory.mktemp("e2e-desk")
    url = console_data.planned_database(folder, "desk.db")
    engine = make_engine(url)
    uow = SqlUnitOfWork(engine)
    borrower = get_user_by_name(uow, "borrower")
    filed = complaints.file(
        uow, "C-B0001", "debt", "amount", "金额比合同多了 300 元。", None, borrower,
        console_data.NOW,
    )  # fmt: skip
    impostor = ImpostorReport(
        "call", "昨天 15:00", "王经理", "某某资产管理公司", "ABCD-2345",
        "对方自称催收员，要求我把钱转到他的个人账户。",
    )  # fmt: skip
    report_impostor(uow, "C-B0001", impostor, borrower, console_data.NOW)
    engine.dispose()
    with serving(folder, url) as served_url:
        yield DeskServer(served_url, filed.id)


def test_a_supervisor_works_a_complaint_to_release(page: Page, server: DeskServer) -> None:
    page.goto("/console/")
    page.fill("#username", "supervisor")
    page.fill("#password", console_data.PASSWORD)
    page.click("form[action$='/login'] button[type=submit]")
    page.get_by_test_id("nav-desk").click()

    row = page.locator(f"tr[data-complaint='{server.complaint}']")
    expect(row).to_have_count(1)
    page.screenshot(path=str(IMAGES / "desk-queue.png"), full_page=True)
    row.locator("a").first.click()
    page.get_by_test_id("acknowledge").click()
    page.fill("#answer", "经核实，多收的 300 元为违约金，已全部减免。")
    page.get_by_test_id("send-answer").click()
    expect(page.get_by_test_id("answer")).to_be_visible()
    page.fill("#reason", "金额已核实并更正")
    page.get_by_test_id("release").click()

    expect(page.get_by_test_id("status")).to_have_text("已结案")
    expect(page.get_by_test_id("hold-reason")).to_contain_text("金额已核实并更正")
    page.screenshot(path=str(IMAGES / "desk-complaint.png"), full_page=True)

    # the Alerts tab: the impostor the borrower reported in the portal
    page.get_by_test_id("desk-tabs").get_by_role("link").last.click()
    expect(page.locator("[data-testid=alerts] [data-case='C-B0001']")).to_have_count(1)
    page.screenshot(path=str(IMAGES / "desk-alerts.png"), full_page=True)
