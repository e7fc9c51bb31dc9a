"""Where a sign-in lands when the user opened the site's address, as README says: a field agent
at the field app, staff at the console; a page asked for is kept."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from csrf_forms import csrf_token_of
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fairdebt.bootstrap import Services
from fairdebt.services.users import create_user
from fairdebt.settings import load_settings
from fairdebt.web.app import create_app

PASSWORD = "a-long-password-1"


@pytest.fixture
def app(data_dir) -> Iterator[FastAPI]:  # type: ignore[no-untyped-def]
    services = Services(load_settings(secret_key="test-secret-key", locale="en", env="test"))
    uow = services.uow()
    with uow:
        create_user(uow, "fa", "field_agent", PASSWORD, "Field")
        create_user(uow, "boss", "supervisor", PASSWORD, "Boss")
        uow.commit()
    yield create_app(services)
    services.engine.dispose()


def _sign_in_from(app: FastAPI, start: str, username: str) -> str:
    """Open `start` signed out, follow to the login form, sign in with what the form carries."""
    browser = TestClient(app, follow_redirects=True)
    form_page = browser.get(start)
    next_url = re.search(r'name="next" value="([^"]*)"', form_page.text)
    assert next_url is not None, form_page.text[:300]
    done = browser.post(
        "/login",
        data={
            "username": username,
            "password": PASSWORD,
            "next": next_url.group(1),
            "csrf_token": csrf_token_of(browser),
        },
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text[:300]
    return done.headers["location"]


def test_a_field_agent_who_opens_the_site_lands_on_the_field_app(app: FastAPI) -> None:
    assert _sign_in_from(app, "/", "fa") == "/field/"  # was /console/: an empty case list
    assert _sign_in_from(app, "/login", "fa") == "/field/"


def test_staff_land_on_the_console_and_a_page_asked_for_is_kept(app: FastAPI) -> None:
    assert _sign_in_from(app, "/", "boss") == "/console/"
    assert _sign_in_from(app, "/console/queue", "boss") == "/console/queue"
    assert _sign_in_from(app, "/console/queue", "fa") == "/console/queue"
