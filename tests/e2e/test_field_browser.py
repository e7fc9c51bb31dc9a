"""The field app in a phone-sized Chromium with a position and a fake microphone: the day's list
(and again offline), check-in, a few seconds of recording uploaded in chunks, the ID screen, the
borrower's signature, the outcome, both agents' signatures and check-out. Screenshots go to
docs/img/field-*.png with FAIRDEBT_UPDATE_SCREENSHOTS=1."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import console_data
import field_world
import pytest
from served import serving

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]


def _require_browser() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("FAIRDEBT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"no browser at {CHROMIUM}")
    pytest.skip(f"no browser at {CHROMIUM}")


@pytest.fixture(scope="module")
def field_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object]]:
    _require_browser()
    folder = tmp_path_factory.mktemp("field-e2e")
    world = field_world.build(folder, datetime.now(UTC))
    with serving(folder, world.url, timezone=world.zone) as url:
        yield url, world


@pytest.fixture
def phone(chromium, field_server) -> Iterator[object]:
    """A phone-sized context of the session's browser (one Playwright per process: a second
    sync_playwright inside the first one's loop is refused), at the visit's address."""
    url, world = field_server
    lat, lon = world.place  # type: ignore[attr-defined]
    context = chromium.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        base_url=url,
        geolocation={"latitude": lat, "longitude": lon, "accuracy": 15},
        permissions=["geolocation", "microphone"],
        locale="zh-CN",
    )
    context.set_default_timeout(20_000)
    yield context
    context.close()


def shot(page: object, name: str, tmp_path: Path, *, full_page: bool = False) -> None:
    """docs/img/<name>.png with FAIRDEBT_UPDATE_SCREENSHOTS=1 (field-… unless named)."""
    folder = REPO / "docs" / "img" if os.environ.get("FAIRDEBT_UPDATE_SCREENSHOTS") else tmp_path
    name = name if "-" in name else f"field-{name}"
    page.screenshot(path=str(folder / f"{name}.png"), full_page=full_page)  # type: ignore[attr-defined]


def at_the_door(chromium: object, url: str, code: str, tmp_path: Path) -> None:
    """The borrower's own phone (no session, Chinese) checks the code the agents show: /verify
    names both agents with their certificates and that they are checked in here; a made-up
    code is refused with what to do about an impostor."""
    borrower = chromium.new_context(  # type: ignore[attr-defined]
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
        has_touch=True, base_url=url, locale="zh-CN",
    )  # fmt: skip
    try:
        page = borrower.new_page()
        page.goto("/verify")
        page.fill("#code", code)
        page.get_by_test_id("verify-submit").click()
        result = page.get_by_test_id("verify-result")
        result.wait_for(state="visible")
        assert result.get_attribute("data-status") == "valid"
        assert page.get_by_test_id("verify-agent").count() == 2
        assert page.get_by_test_id("verify-here").get_attribute("data-here") == "true"
        shot(page, "verify-valid", tmp_path, full_page=True)
        page.fill("#code", "ABCD-2345")
        page.get_by_test_id("verify-submit").click()
        page.locator("[data-testid=verify-result][data-status=unknown]").wait_for()
        assert page.get_by_test_id("impostor-help").is_visible()
        shot(page, "verify-invalid", tmp_path, full_page=True)
    finally:
        borrower.close()


def until(page: object, expression: str, seconds: float = 20) -> None:
    """Poll `expression` (wait_for_function evaluates strings in the page, which the CSP
    forbids; page.evaluate does not)."""
    import time

    end = time.monotonic() + seconds
    while not page.evaluate(expression):  # type: ignore[attr-defined]
        assert time.monotonic() < end, f"not true within {seconds} s: {expression}"
        time.sleep(0.2)


def sign(page: object, testid: str) -> None:
    pad = page.get_by_test_id(testid)  # type: ignore[attr-defined]
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    mouse = page.mouse  # type: ignore[attr-defined]
    mouse.move(x + w * 0.15, y + h * 0.6)
    mouse.down()
    for i in range(1, 12):
        mouse.move(x + w * (0.15 + i * 0.06), y + h * (0.6 - 0.25 * (i % 2)), steps=3)
    mouse.up()


def test_a_visit_on_the_phone(chromium, phone, field_server, tmp_path: Path) -> None:
    url, world = field_server
    page = phone.new_page()  # type: ignore[attr-defined]
    page.goto("/login?next=/field/")
    page.fill("input[name=username]", "fieldagent")
    page.fill("input[name=password]", console_data.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/field/")
    stop = page.get_by_test_id("stop")
    assert stop.count() == 1 and world.mine in stop.inner_text()
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    until(page, "navigator.serviceWorker.controller !== null")
    shot(page, "day", tmp_path)

    # offline: the list is still there after a reload
    phone.set_offline(True)  # type: ignore[attr-defined]
    page.reload()
    assert world.mine in page.get_by_test_id("stop").inner_text()
    page.get_by_test_id("offline").wait_for(state="visible")
    phone.set_offline(False)  # type: ignore[attr-defined]

    page.goto(f"/field/visits/{world.mine}?chunk_s=1")
    page.get_by_test_id("check-in").click()
    page.get_by_test_id("show-id").wait_for(state="visible")
    until(page, "Number(document.querySelector('[data-testid=chunks-sent]').textContent) >= 2")
    shot(page, "recording", tmp_path)

    page.get_by_test_id("show-id").click()
    page.get_by_test_id("verify-code").wait_for(state="visible")
    assert len(page.get_by_test_id("verify-code").inner_text()) == 9
    shot(page, "id", tmp_path)
    at_the_door(chromium, url, page.get_by_test_id("verify-code").inner_text(), tmp_path)
    page.click("#close-id")
    page.locator("[data-step=show-id] [data-next=confirm]").click()

    page.get_by_test_id("met-borrower").check()
    page.get_by_test_id("next-confirm").click()
    page.get_by_test_id("next-contacts").click()
    sign(page, "sig-person")
    shot(page, "signature", tmp_path)
    page.get_by_test_id("notice-signed").click()
    page.get_by_test_id("arrears-reason").wait_for(state="visible")
    page.get_by_test_id("arrears-reason").fill("失业三个月，正在找工作")
    page.get_by_test_id("notes").fill("借款人问能否把现金交给我们，已告知只能走官方渠道")
    shot(page, "outcome", tmp_path)
    page.get_by_test_id("next-outcome").click()

    sign(page, "sig-first")
    page.get_by_test_id("second-password").fill(console_data.PASSWORD)
    sign(page, "sig-second")
    page.get_by_test_id("check-out").click()
    page.get_by_test_id("done").wait_for(state="visible")
    assert page.get_by_test_id("money-alert").is_visible()
    shot(page, "done", tmp_path)
    link = page.get_by_test_id("report-link").get_attribute("href")
    pdf = page.request.get(link)
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
