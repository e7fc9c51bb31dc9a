"""The console's app on a real SQLite database holding the console_data portfolio and personas."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import console_data
import pytest
from csrf_forms import carry_token, csrf_token_of
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fixed_clock import FixedClock

from fairdebt.adapters.db.engine import make_engine
from fairdebt.adapters.db.migrate import upgrade
from fairdebt.bootstrap import Services
from fairdebt.settings import load_settings
from fairdebt.web.app import create_app


@pytest.fixture(scope="module")
def console_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, console_data.Portfolio]:
    """Built once per module: argon2 hashing and the snapshot are not free."""
    url = f"sqlite:///{tmp_path_factory.mktemp('console') / 'console.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        portfolio = console_data.build(conn)
    console_data.add_personas(engine)
    engine.dispose()
    return url, portfolio


@pytest.fixture
def portfolio(console_db: tuple[str, console_data.Portfolio]) -> console_data.Portfolio:
    return console_db[1]


@pytest.fixture
def app(console_db: tuple[str, console_data.Portfolio]) -> FastAPI:
    settings = load_settings(
        database_url=console_db[0], secret_key="test-secret-key", locale="zh-CN", env="test"
    )
    return create_app(Services(settings, clock=FixedClock(console_data.NOW)))


@pytest.fixture
def open_as(app: FastAPI) -> Iterator[Callable[..., TestClient]]:
    """`open_as("collector")`: a browser signed in as that persona; `open_as()`: anonymous.
    Either sends its session's CSRF token with every request (`open_as(csrf=False)` does not)."""
    opened: list[TestClient] = []

    def _open(
        username: str | None = None, password: str = console_data.PASSWORD, csrf: bool = True
    ) -> TestClient:
        browser = TestClient(app, follow_redirects=False)
        opened.append(browser)
        if username is not None:
            form = {"username": username, "password": password}
            response = browser.post("/login", data=form | {"csrf_token": csrf_token_of(browser)})
            assert response.status_code == 303, response.text
        if csrf:
            carry_token(browser)  # signing in made a new token
        return browser

    yield _open
    for browser in opened:
        browser.close()


@pytest.fixture
def fresh_token() -> Callable[[TestClient], TestClient]:
    """`fresh_token(browser)`: reload the login form's token after the session was cleared."""
    return carry_token
