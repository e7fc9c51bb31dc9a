"""The console in a real browser against the real server: sign in, filter, page, open a case,
switch language, and the agency and borrower views. Also takes the README's screenshot."""

from __future__ import annotations

import re

import console_data
import pytest
from console_data import DPD_PLAN
from playwright.sync_api import Page, expect

from fairdebt.domain.delinquency import bucket_of

pytestmark = pytest.mark.e2e


def sign_in(page: Page, username: str) -> None:
    page.goto("/console/")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.fill("#username", username)
    page.fill("#password", console_data.PASSWORD)
    page.click("form[action$='/login'] button[type=submit]")


def bucket_badges(page: Page) -> list[str]:
    return page.locator("#cases [data-testid=bucket]").all_inner_texts()


def test_a_supervisor_signs_in_filters_opens_a_case_and_switches_language(
    page: Page, server, screenshot_path
):
    sign_in(page, "supervisor")

    expect(page).to_have_url(re.compile(r"/console/$"))
    expect(page.get_by_test_id("case-count")).to_have_text("共 60 个案件")
    expect(page.locator("#cases tbody tr")).to_have_count(50)
    page.screenshot(path=str(screenshot_path))

    # A filter refreshes the table alone (htmx): the page's JavaScript state survives it.
    page.evaluate("window.notReloaded = true")
    page.select_option("#f-bucket", "M3")
    expect(page).to_have_url(re.compile(r"bucket=M3"))
    in_m3 = [i for i in range(console_data.COUNT) if bucket_of(DPD_PLAN[i % len(DPD_PLAN)]) == "M3"]
    expect(page.locator("#cases tbody tr")).to_have_count(len(in_m3))
    assert set(bucket_badges(page)) == {"M3"}
    assert page.evaluate("window.notReloaded") is True

    page.locator("#cases tbody tr a").first.click()
    expect(page).to_have_url(re.compile(r"/console/cases/C-B\d{4}$"))
    case_id = page.url.rsplit("/", 1)[1]
    full_name = server.portfolio.names[case_id]
    expect(page.get_by_test_id("borrower-name")).to_have_text(re.compile(r"^\S\*+$"))  # masked
    placed = console_data.agency_of(int(case_id[3:])) is not None
    expect(page.locator("#events tbody tr")).to_have_count(2 if placed else 1)
    expect(page.locator("#events tbody tr").last).to_contain_text("案件立案")  # oldest last

    page.click("a[data-locale=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#events")).to_contain_text("Case opened")
    page.click("a[data-locale=zh-CN]")
    expect(page.locator("#events")).to_contain_text("案件立案")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")

    # Unmasking the name, with a reason: shown for this answer, logged in the case's log.
    page.select_option("[data-testid=unmask-card] select[name=field]", "name")
    page.fill("[data-testid=unmask-card] input[name=reason]", "核实投诉")
    page.click("[data-testid=unmask]")
    expect(page.get_by_test_id("borrower-name")).to_have_text(full_name)
    expect(page.locator("#events")).to_contain_text("查看了个人信息")


def test_next_and_previous_pages_through_the_list(page: Page):
    sign_in(page, "supervisor")
    first = page.locator("#cases tbody tr").first.get_attribute("data-case")

    page.click("#cases a[rel=next]")
    expect(page.locator("#cases tbody tr")).to_have_count(10)
    expect(page).to_have_url(re.compile(r"after="))
    page.click("#cases a[rel=prev]")

    expect(page.locator("#cases tbody tr")).to_have_count(50)
    assert page.locator("#cases tbody tr").first.get_attribute("data-case") == first


def test_searching_by_case_id_narrows_the_list_as_one_types(page: Page):
    sign_in(page, "supervisor")

    page.fill("#f-q", "C-B004")

    expect(page.locator("#cases tbody tr")).to_have_count(10)
    assert all(
        c.startswith("C-B004")
        for c in page.locator("#cases tbody tr").evaluate_all(
            "rows => rows.map(r => r.dataset.case)"
        )
    )


def test_an_agency_sees_its_own_cases_with_personal_data_masked(page: Page, server):
    own = set(server.portfolio.agency_cases["AG-EAST"])
    sign_in(page, "east")

    shown = page.locator("#cases tbody tr").evaluate_all("rows => rows.map(r => r.dataset.case)")
    assert set(shown) == own
    masked = page.locator("#cases [data-testid=borrower]").all_inner_texts()
    assert all(re.fullmatch(r"\S\*+", name) for name in masked)

    page.locator("#cases tbody tr a").first.click()
    case_id = page.url.rsplit("/", 1)[1]
    name = page.get_by_test_id("borrower-name").inner_text()
    assert name != server.portfolio.names[case_id] and name.endswith("*")
    expect(page.get_by_test_id("borrower-phones")).to_contain_text("****")

    other = server.portfolio.agency_cases["AG-WEST"][0]
    response = page.goto(f"/console/cases/{other}")
    assert response is not None and response.status == 404


def test_a_borrower_is_sent_to_the_portal_not_the_console(page: Page):
    sign_in(page, "borrower")

    expect(page).to_have_url(re.compile(r"/portal/$"))
    page.goto("/console/")
    expect(page).to_have_url(re.compile(r"/portal/$"))
    expect(page.locator('a[href^="/console"]')).to_have_count(0)  # no staff links offered


def test_signing_out_returns_to_the_login_page(page: Page):
    sign_in(page, "supervisor")
    expect(page.get_by_test_id("who")).to_contain_text("Supervisor")

    page.click("nav form button[type=submit]")

    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto("/console/")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_the_console_runs_under_its_content_security_policy(page: Page):
    """Signing in, an htmx filter, paging, a case and signing out break no rule of the policy
    (Chromium reports every blocked script, style or frame on the console)."""
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    sign_in(page, "supervisor")

    page.select_option("#f-bucket", "M1")
    expect(page).to_have_url(re.compile(r"bucket=M1"))
    page.goto("/console/")
    page.click("a[hx-get*='after=']")
    expect(page).to_have_url(re.compile(r"after="))
    page.locator("#cases tbody tr a").first.click()
    expect(page).to_have_url(re.compile(r"/console/cases/"))
    page.click("nav form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/login$"))

    assert blocked == []
