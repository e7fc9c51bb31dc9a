"""The console's CSRF token as a test browser gets it: from the login form, like a person."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token_of(browser: TestClient) -> str:
    """The session's CSRF token, as the login form shows it."""
    found = TOKEN.search(browser.get("/login").text)
    assert found, "the login form has no csrf_token field"
    return found.group(1)


def carry_token(browser: TestClient) -> TestClient:
    """Send the session's CSRF token with every request, as htmx does (X-CSRF-Token)."""
    browser.headers["X-CSRF-Token"] = csrf_token_of(browser)
    return browser
