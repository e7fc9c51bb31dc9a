"""The strategy reports in a real browser against the real server, on the demo scenario (a
generated portfolio, imported, assigned, and planned twice a month apart): every chart is drawn
by the vendored Vega with one mark per table row. Also takes docs/img/strategy.png."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect
from served import serving

from fairdebt.adapters.db.engine import make_engine
from fairdebt.adapters.db.migrate import upgrade
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.demo import scenario
from fairdebt.services.importing import ImportOptions, import_portfolio
from fairdebt.services.users import create_users

pytestmark = pytest.mark.e2e

ACCOUNTS = 3_000
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True, slots=True)
class DemoServer:
    url: str
    passwords: dict[str, str]


def _demo_database(folder: Path) -> tuple[str, dict[str, str]]:
    """What `fairdebt demo` builds, at a smaller size: the scenario's own functions."""
    url = f"sqlite:///{folder / 'demo.db'}"
    engine = make_engine(url)
    upgrade(engine)
    as_of = NOW.astimezone().date()
    scenario.ensure_portfolio(folder / "portfolio", ACCOUNTS, as_of)
    import_portfolio(
        SqlUnitOfWork(engine), [folder / "portfolio"], ImportOptions(as_of=as_of, now=NOW)
    )
    scenario.assign_cases(engine, NOW)
    scenario.run_strategy_twice(engine, as_of)
    users = scenario.demo_users(engine)
    create_users(SqlUnitOfWork(engine), users, replace_existing=True)
    engine.dispose()
    return url, {u.username: u.password for u in users}


def _warm_up(url: str, passwords: dict[str, str]) -> None:
    """Build the latest report once: the server's first report imports DuckDB and pandas (some
    seconds on a busy machine), which is not what these tests time out on."""
    with httpx.Client(base_url=url, timeout=120) as client:
        form = client.get("/login").text  # the login form's CSRF token, as a browser gets it
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token, "the login form has no csrf_token"
        credentials = {"username": "supervisor", "password": passwords["supervisor"]}
        client.post("/login", data=credentials | {"csrf_token": token.group(1)})
        client.get("/console/strategy").raise_for_status()


@pytest.fixture(autouse=True)
def patient(page: Page) -> None:
    """A report page on a loaded two-core machine may take longer than the console's 10 s."""
    page.set_default_timeout(30_000)


@pytest.fixture(scope="module")
def server(chromium: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """`fairdebt serve` on the demo database (overrides conftest's `server` for this module;
    `chromium` first, so a missing browser skips before anything is built)."""
    folder = tmp_path_factory.mktemp("e2e-strategy")
    database_url, passwords = _demo_database(folder)
    with serving(folder, database_url) as url:
        _warm_up(url, passwords)
        yield DemoServer(url, passwords)


@pytest.fixture
def strategy_screenshot(tmp_path: Path) -> Path:
    """docs/img/strategy.png when FAIRDEBT_UPDATE_SCREENSHOTS=1, else a temporary file."""
    if os.environ.get("FAIRDEBT_UPDATE_SCREENSHOTS") == "1":
        return REPO / "docs" / "img" / "strategy.png"
    return tmp_path / "strategy.png"


def sign_in(page: Page, server: DemoServer, username: str, start: str = "/console/") -> None:
    page.goto(start)
    page.fill("#username", username)
    page.fill("#password", server.passwords[username])
    page.click("form[action$='/login'] button[type=submit]")


def marks(page: Page, chart: str, kind: str) -> int:
    """The data marks Vega drew in a chart container: its SVG renderer draws one path per mark,
    in groups of role "mark" (a legend's gradient is a rect too, of another role)."""
    return page.locator(f"#chart-{chart} svg g.mark-{kind}.role-mark path").count()


def rows(page: Page, table: str) -> int:
    return page.locator(f"#table-{table} tbody tr").count()


def test_a_supervisor_opens_the_reports_from_the_nav_and_every_chart_is_drawn(
    page: Page, server: DemoServer, strategy_screenshot: Path
):
    sign_in(page, server, "supervisor")
    page.get_by_test_id("nav-strategy").click()

    expect(page).to_have_url(re.compile(r"/console/strategy$"))
    for chart in ("buckets", "rolls", "arms", "segments"):
        expect(page.locator(f"#chart-{chart}")).to_have_attribute("data-rendered", "true")
    assert marks(page, "buckets", "rect") == rows(page, "buckets") > 3
    nonzero = page.locator("#table-rolls td[data-now]:not([data-n='0'])").count()
    assert marks(page, "rolls", "rect") == nonzero > 0
    # Three panels (cure, collected, complaints), each a point per arm.
    assert marks(page, "arms", "symbol") == 3 * rows(page, "arms") >= 6
    assert marks(page, "segments", "rect") == rows(page, "segments")
    expect(page.get_by_test_id("cure-rate")).to_have_text(re.compile(r"^\d+\.\d%$"))
    page.screenshot(path=str(strategy_screenshot), full_page=True)


def test_the_earlier_run_is_one_click_away_and_has_no_rolls(page: Page, server: DemoServer):
    sign_in(page, server, "compliance", "/console/strategy")
    latest = page.locator("#runs tbody tr").first.get_attribute("data-run")

    page.locator("#runs tbody tr").nth(1).locator("a").click()

    expect(page.get_by_test_id("no-rolls")).to_be_visible()
    expect(page.locator("#chart-buckets")).to_have_attribute("data-rendered", "true")
    assert page.locator("#runs tr[aria-current=page]").get_attribute("data-run") != latest
    page.click("a[data-locale=en]")
    expect(page.locator("h1")).to_have_text("Strategy reports")


def test_a_collector_has_no_link_and_is_refused(page: Page, server: DemoServer):
    sign_in(page, server, "collector")

    expect(page.get_by_test_id("who")).to_be_visible()
    expect(page.get_by_test_id("nav-strategy")).to_have_count(0)
    response = page.goto("/console/strategy")
    assert response is not None and response.status == 403
    expect(page.get_by_test_id("cause")).to_have_text(
        "策略报告仅向催收主管、合规官和系统管理员开放。"
    )
