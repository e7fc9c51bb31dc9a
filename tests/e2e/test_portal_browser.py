"""The borrower portal in a phone-sized browser (390×844): sign in by phone and the SMS code
(read back from the evidence store, where every message sent is kept), my debt, my record and
its downloads, a plan previewed and signed with a second code, an inconvenient window set, a
complaint filed about a contact, a collector verified by certificate. Accessibility basics on
every page: each input has a label, the main action is reached with Tab. Screenshots go to
docs/img/portal-*.png when FAIRDEBT_UPDATE_SCREENSHOTS=1."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import console_data
import pytest
from playwright.sync_api import Browser, Page, expect
from served import serving

pytestmark = pytest.mark.e2e
IMAGES = Path(__file__).parents[2] / "docs" / "img"
PHONE = "+8613800010007"  # B0001's
SECRET = "e2e-secret-key"


@dataclass(frozen=True, slots=True)
class PortalServer:
    url: str
    database_url: str
    folder: Path


def _world(url: str) -> None:
    """One call in B0001's record and a field team visiting B0001 now."""
    from fairdebt.adapters.db.engine import make_engine
    from fairdebt.adapters.db.uow import SqlUnitOfWork
    from fairdebt.domain.events import NewEvent
    from fairdebt.services.ports.visits import FieldAgent, Team, Visit
    from fairdebt.services.users import Role, create_user

    engine = make_engine(url)
    uow = SqlUnitOfWork(engine)
    now = console_data.NOW
    agents = [
        create_user(uow, f"agent{i}", Role.FIELD_AGENT, "pw-12345678", f"外访员{i}") for i in (1, 2)
    ]
    call = {
        "channel": "call", "direction": "out", "outcome": "conversation", "collector": "collector",
        "party": "debtor", "to": PHONE, "at": (now - timedelta(days=1)).isoformat(),
    }  # fmt: skip
    with uow:
        uow.events.append("C-B0001", NewEvent("contact_recorded", "collector", call), now)
        for i, agent in enumerate(agents, 1):
            cert = FieldAgent(agent.id, f"NIFA-2026-00{i}", "NIFA", date(2030, 1, 1), now)
            uow.field_agents.add(cert)
        members = tuple(a.id for a in agents)
        uow.teams.add(
            Team("T1", "东区一组", members, 31.2, 121.4, "base", 6, "09:00", "18:00", now)
        )
        visit = Visit("V-1", "C-B0001", None, "checked_in", "addr", "上海", now, now, team_id="T1")
        uow.visits.add(visit)
        uow.commit()
    engine.dispose()


@pytest.fixture(scope="module")
def server(chromium: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalServer]:
    from fairdebt.adapters.db.engine import make_engine
    from fairdebt.adapters.db.migrate import upgrade

    folder = tmp_path_factory.mktemp("e2e-portal")
    url = f"sqlite:///{folder / 'portal.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        console_data.build(conn)
    console_data.add_personas(engine)
    engine.dispose()
    _world(url)
    with serving(folder, url) as served_url:
        yield PortalServer(served_url, url, folder)


@pytest.fixture
def phone(chromium: Browser, server: PortalServer) -> Iterator[Page]:
    context = chromium.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        base_url=server.url,
        locale="zh-CN",
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def _last_code(server: PortalServer, after: int) -> tuple[str, int]:
    """The 6-digit code in the newest portal SMS kept as evidence after event `after`."""
    from fairdebt.bootstrap import Services
    from fairdebt.settings import load_settings

    settings = load_settings(
        database_url=server.database_url, data_dir=str(server.folder), secret_key=SECRET
    )
    services = Services(settings)
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with services.uow() as uow:
                sent = [
                    e
                    for e in uow.events.events("C-B0001")
                    if e.type == "gate_decision" and e.actor == "portal" and e.seq > after
                ]
            if sent:
                body = services.evidence.get(sent[-1].data["evidence"]).decode()
                found = re.search(r"\b(\d{6})\b", body)
                assert found, body
                return found.group(1), sent[-1].seq
            time.sleep(0.2)
    finally:
        services.close()
    pytest.fail("no code was sent")


def _shot(page: Page, name: str) -> None:
    if os.environ.get("FAIRDEBT_UPDATE_SCREENSHOTS") == "1":
        page.screenshot(path=str(IMAGES / f"portal-{name}.png"), full_page=True)


def _labelled(page: Page) -> None:
    """Every visible input, select and textarea has a label (for=, aria-label or wrapping)."""
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
            .filter(e => e.type !== 'hidden')
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                         && !e.getAttribute('aria-labelledby'))
            .map(e => e.name || e.id)"""
    )
    assert unlabelled == [], unlabelled
    _axe(page)


def _tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Tab from the top of the page until `selector` has the focus (keyboard navigation)."""
    page.locator("body").focus()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement === document.querySelector(s)", selector):
            return
    pytest.fail(f"{selector} is not reached with Tab")


def test_a_borrower_walks_the_portal_on_a_phone(phone: Page, server: PortalServer) -> None:
    page = phone
    page.goto("/portal/sign-in")
    _labelled(page)
    _tab_to(page, "#phone")
    page.keyboard.type(PHONE)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("code-sent")).to_be_visible()
    code, seq = _last_code(server, 0)
    _labelled(page)
    page.fill("#code", code)
    _shot(page, "sign-in")
    page.keyboard.press("Enter")

    # my debt
    expect(page.get_by_test_id("charges")).to_be_visible()
    _labelled(page)
    _shot(page, "debt")

    # my record and its downloads
    page.get_by_role("link", name=re.compile("我的记录|My record")).first.click()
    expect(page.get_by_test_id("contacts")).to_be_visible()
    _shot(page, "record")
    with page.expect_download() as got:
        page.get_by_test_id("export-pdf").click()
    assert got.value.suggested_filename == "record-C-B0001.pdf"
    with page.expect_download() as got:
        page.get_by_test_id("export-json").click()
    assert got.value.suggested_filename == "record-C-B0001.json"

    # negotiate: preview, a code to sign, sign
    page.goto("/portal/negotiate")
    _labelled(page)
    page.fill("#count", "6")
    page.get_by_role("button", name=re.compile("还款计划|schedule")).click()
    expect(page.get_by_test_id("preview")).to_be_visible()
    page.get_by_role("button", name=re.compile("验证码|code to sign")).click()
    code, seq = _last_code(server, seq)
    page.fill("#signed_name", "测试 借款人")
    page.fill("#sign-code", code)
    _labelled(page)
    _shot(page, "negotiate")
    page.get_by_role("button", name=re.compile("^(签署方案|Sign the plan)$")).click()
    expect(page.get_by_test_id("signed")).to_be_visible()

    # preferences: an inconvenient window
    page.goto("/portal/preferences")
    _labelled(page)
    page.fill("#start", "12:00")
    page.fill("#end", "14:00")
    page.get_by_role("button", name=re.compile("^(保存|Save)$")).click()
    expect(page.get_by_test_id("saved")).to_be_visible()
    expect(page.get_by_test_id("window")).to_have_count(1)
    _shot(page, "preferences")

    # a complaint about the call in my record
    page.goto("/portal/record")
    page.get_by_role("link", name=re.compile("投诉此次联系|Complain about this")).first.click()
    _labelled(page)
    _tab_to(page, "#target")
    page.fill("#text", "催收员在通话中语气恶劣，反复说要通知我的单位。")
    photo = server.folder / "screenshot.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    page.set_input_files("#evidence", str(photo))
    _tab_to(page, "[data-testid=file-complaint]")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("filed")).to_be_visible()
    expect(page.get_by_test_id("complaint")).to_have_count(1)
    _shot(page, "complaints")

    # verify a collector by the certificate on the badge
    page.goto("/portal/collector")
    _labelled(page)
    _tab_to(page, "#query")
    page.keyboard.type("NIFA-2026-001")
    page.keyboard.press("Enter")
    result = page.get_by_test_id("collector-result")
    expect(result).to_have_attribute("data-mine", "true")
    expect(page.get_by_test_id("collector-visiting")).to_be_visible()
    _shot(page, "collector")


def _axe(page: Page) -> None:
    """axe-core's serious and critical findings, when a copy of axe.min.js is at hand
    (FAIRDEBT_AXE_JS, or node_modules/axe-core): nothing is downloaded."""
    candidates = [os.environ.get("FAIRDEBT_AXE_JS", ""), "node_modules/axe-core/axe.min.js"]
    script = next((Path(c) for c in candidates if c and Path(c).is_file()), None)
    if script is None:
        return
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.evaluate(script.read_text(encoding="utf-8"))  # not a <script>: the CSP forbids inline
    found = page.evaluate("async () => (await axe.run()).violations")
    bad = [
        (v["id"], [n["target"] for n in v["nodes"]][:3])
        for v in found
        if v.get("impact") in ("serious", "critical")
    ]
    assert bad == [], bad
