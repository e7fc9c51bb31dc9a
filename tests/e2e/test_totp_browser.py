"""The second factor in a real browser against the real server: a supervisor, whose role
requires one here, sets it up at sign-in by reading the key off the page, then signs in again
with a code."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import console_data
import pytest
from conftest import build_database
from playwright.sync_api import Page, expect
from served import serving

from fairdebt.services import second_factor as factor

pytestmark = pytest.mark.e2e
SLOW = 30_000  # ms


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory: pytest.TempPathFactory, chromium) -> Iterator[str]:
    """A server of its own (its factors do not leak into the other browser tests), where the
    supervisor role must use a second factor."""
    folder: Path = tmp_path_factory.mktemp("e2e-totp")
    database_url, _ = build_database(folder)
    with serving(folder, database_url, require_2fa_roles="supervisor") as url:
        yield url


@pytest.fixture
def strict_page(chromium, strict_server: str) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, base_url=strict_server)
    context.set_default_timeout(SLOW)  # a shared, busy machine: argon2 takes its time
    yield context.new_page()
    context.close()


def password(page: Page, username: str) -> None:
    page.goto("/login?next=/console/")
    page.fill("#username", username)
    page.fill("#password", console_data.PASSWORD)
    page.click("form[action$='/login'] button[type=submit]")


def now_code(secret: str, ahead: int = 0) -> str:
    return factor.code_at(secret, factor.step_of(datetime.now(UTC)) + ahead)


def test_a_supervisor_sets_up_the_factor_then_signs_in_with_a_code(strict_page: Page):
    page = strict_page
    password(page, "supervisor")

    expect(page).to_have_url(re.compile(r"/login/enrol$"), timeout=SLOW)
    expect(page.get_by_test_id("totp-qr").locator("svg")).to_be_visible(timeout=SLOW)
    secret = page.get_by_test_id("totp-secret").get_attribute("data-secret")
    assert secret and re.fullmatch(r"[A-Z2-7]{32}", secret)
    page.goto("/console/")  # nobody is signed in yet
    expect(page).to_have_url(re.compile(r"/login\?next="), timeout=SLOW)

    password(page, "supervisor")
    expect(page).to_have_url(re.compile(r"/login/enrol$"), timeout=SLOW)
    again = page.get_by_test_id("totp-secret").get_attribute("data-secret")
    assert again and again != secret  # each password step a new secret: one seen before is void
    secret = again
    page.fill("#code", now_code(secret))
    page.get_by_test_id("totp-confirm").click()
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10, timeout=SLOW)
    page.get_by_test_id("continue").click()
    expect(page).to_have_url(re.compile(r"/console/$"), timeout=SLOW)

    page.click("nav form[action$='/logout'] button")
    password(page, "supervisor")
    expect(page).to_have_url(re.compile(r"/login/code$"), timeout=SLOW)
    page.fill("#code", "000000")
    page.click("form[action$='/login/code'] button[type=submit]")
    expect(page.get_by_test_id("code-failed")).to_be_visible(timeout=SLOW)
    page.fill("#code", now_code(secret, ahead=1))  # a newer step than the set-up's
    page.click("form[action$='/login/code'] button[type=submit]")
    expect(page).to_have_url(re.compile(r"/console/$"), timeout=SLOW)
    page.get_by_test_id("nav-2fa").click()
    expect(page.get_by_test_id("totp-status")).to_be_visible(timeout=SLOW)
    expect(page.get_by_test_id("totp-secret")).to_have_count(0)
