"""Browser tests: the real server (`fairdebt serve`) as a subprocess, driven by Playwright on the
system Chromium.

Without /usr/bin/chromium the tests skip, unless FAIRDEBT_REQUIRE_BROWSER=1 (set by .ci/run),
which makes a missing browser a failure. No browser is ever downloaded.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import console_data
import pytest
from served import serving

from fairdebt.adapters.db.engine import make_engine
from fairdebt.adapters.db.migrate import upgrade

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True, slots=True)
class Server:
    url: str
    portfolio: console_data.Portfolio


def _require_browser() -> None:
    if CHROMIUM.exists():
        return
    message = f"no browser at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("FAIRDEBT_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


def build_database(folder: Path) -> tuple[str, console_data.Portfolio]:
    """A migrated SQLite file holding the console portfolio and one user per persona."""
    url = f"sqlite:///{folder / 'console.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        portfolio = console_data.build(conn)
    console_data.add_personas(engine)
    engine.dispose()
    return url, portfolio


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`fairdebt serve` on a free port, on its own database and data directory."""
    _require_browser()
    folder = tmp_path_factory.mktemp("e2e")
    database_url, portfolio = build_database(folder)
    with serving(folder, database_url) as url:
        yield Server(url, portfolio)


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # a fake camera and microphone, granted without a prompt: the field app records visits
        media = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS + media
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: object, server: Server) -> Iterator[object]:
    """A fresh browser context (no cookies) at a desktop size, per test."""
    context = chromium.new_context(  # type: ignore[attr-defined]
        viewport={"width": 1440, "height": 900}, base_url=server.url
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def screenshot_path(tmp_path: Path) -> Path:
    """docs/img/console.png when FAIRDEBT_UPDATE_SCREENSHOTS=1, else a temporary file."""
    if os.environ.get("FAIRDEBT_UPDATE_SCREENSHOTS") == "1":
        return REPO / "docs" / "img" / "console.png"
    return tmp_path / "console.png"
