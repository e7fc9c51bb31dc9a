"""The console's app on a real SQLite database holding the console_data portfolio and personas."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import console_data
import pytest
from csrf_forms import carry_token, csrf_token_of
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fixed_clock import FixedClock
from sqlite_files import copy_database

from fairdebt.adapters.db.engine import make_engine
from fairdebt.adapters.db.migrate import upgrade
from fairdebt.bootstrap import Services
from fairdebt.settings import load_settings
from fairdebt.web.app import create_app


@pytest.fixture(scope="session")
def _console_template(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, console_data.Portfolio]:
    """Built once per session (per xdist worker): the migrations, the portfolio, the personas
    and the snapshot are not free."""
    path = tmp_path_factory.mktemp("console-template") / "console.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.begin() as conn:
        portfolio = console_data.build(conn)
    console_data.add_personas(engine)
    engine.dispose()
    return path, portfolio


@pytest.fixture(scope="module")
def console_db(
    _console_template: tuple[Path, console_data.Portfolio],
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[str, console_data.Portfolio]:
    """A copy of the template per module: what one module's tests write stays in that module."""
    source, portfolio = _console_template
    target = tmp_path_factory.mktemp("console") / "console.db"
    copy_database(source, target)
    return f"sqlite:///{target}", portfolio


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
