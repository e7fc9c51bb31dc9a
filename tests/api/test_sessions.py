"""Server-side sessions seen from a browser: the cookie carries a token, not a user, and a
copy of it is worth nothing once the session is signed out, reset, disabled or expired."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import console_data
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fairdebt.services.sessions import session_id
from fairdebt.services.users import disable_user, get_user_by_name, reset_password
from fairdebt.web.app import SESSION_COOKIE

RUNS = "/api/v1/strategy/runs"  # a JSON route a signed-in supervisor may call with its session


def _cookie(browser: TestClient) -> str:
    value = browser.cookies.get(SESSION_COOKIE)
    assert value, "no session cookie"
    return value


def _copy(app: FastAPI, cookie: str) -> TestClient:
    """Another browser holding a copy of the cookie (what an attacker would have)."""
    thief = TestClient(app, follow_redirects=False)
    thief.cookies.set(SESSION_COOKIE, cookie)
    return thief


def _refused(client: TestClient) -> bool:
    page = client.get("/console/")
    return page.status_code == 303 and "/login" in page.headers["location"]


def _payload(cookie: str) -> dict[str, object]:
    """The cookie's content: itsdangerous' base64 JSON before the timestamp and signature."""
    data = cookie.split(".")[0]
    decoded: dict[str, object] = json.loads(base64.b64decode(data + "=" * (-len(data) % 4)))
    return decoded


def test_the_cookie_holds_a_session_token_and_no_user_id(app, open_as):
    browser = open_as("collector")
    cookie = _cookie(browser)
    user = get_user_by_name(app.state.services.uow(), "collector")
    assert user is not None

    content = _payload(cookie)

    assert set(content) == {"sid", "csrf"}
    assert user.id not in cookie and user.id not in json.dumps(content)
    token = content["sid"]
    assert isinstance(token, str) and len(token) >= 43  # 32 random bytes, url-safe base64
    with app.state.services.uow() as uow:
        stored = uow.web_sessions.get(session_id(token))
    assert stored is not None and stored.user_id == user.id


def test_a_cookie_copied_before_sign_out_is_refused_after_it(app, open_as):
    browser = open_as("supervisor")
    copied = _cookie(browser)
    assert _copy(app, copied).get(RUNS).status_code == 200

    assert browser.post("/logout").status_code == 303

    thief = _copy(app, copied)
    assert _refused(thief)
    assert thief.get(RUNS).status_code == 401  # as for anyone without a session or token
    assert _refused(browser)


def test_signing_in_again_rotates_the_token(app, open_as):
    browser = open_as("collector")
    copied = _cookie(browser)

    again = browser.post(
        "/login", data={"username": "collector", "password": console_data.PASSWORD}
    )

    assert again.status_code == 303
    assert _payload(_cookie(browser))["sid"] != _payload(copied)["sid"]
    assert _refused(_copy(app, copied))  # the session before the new sign-in was revoked
    assert browser.get("/console/").status_code == 200


def test_a_password_reset_ends_every_session_of_the_user(app, open_as):
    one, two = open_as("fieldagent"), open_as("fieldagent")
    copied = _cookie(one)
    services = app.state.services

    reset_password(services.uow(), "fieldagent", "another-pass-1", console_data.NOW)
    try:
        assert _refused(one) and _refused(two) and _refused(_copy(app, copied))
        assert open_as("fieldagent", password="another-pass-1").get("/console/").status_code == 200
    finally:
        reset_password(services.uow(), "fieldagent", console_data.PASSWORD, console_data.NOW)


def test_an_idle_or_expired_session_is_refused(app, open_as):
    clock = app.state.services.clock
    idle, busy = open_as("collector"), open_as("supervisor")
    try:
        clock._now = console_data.NOW + timedelta(hours=11)
        assert busy.get("/console/").status_code == 200  # used: stays alive
        clock._now = console_data.NOW + timedelta(hours=12, minutes=1)
        assert _refused(idle)
        assert busy.get("/console/").status_code == 200
        clock._now = console_data.NOW + timedelta(days=7)
        assert _refused(busy)  # the absolute end, however busy
    finally:
        clock._now = console_data.NOW


def test_disabling_a_user_ends_a_copied_session(app, open_as):
    browser = open_as("east")
    copied = _cookie(browser)

    disable_user(app.state.services.uow(), "east", console_data.NOW)

    assert _refused(_copy(app, copied)) and _refused(browser)
    with app.state.services.uow() as uow:
        user = uow.users.by_name("east")
        assert user is not None
        assert uow.web_sessions.revoke_user(user.id, console_data.NOW) == 0  # all revoked
