"""What another site cannot make a signed-in browser do, and what every response tells the
browser: CSRF tokens and the same-origin check on every state-changing route, login CSRF, the
security headers, no CDN docs, no inline script, and bounded numbers in console URLs."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from bearer import bearer_for
from csrf_forms import TOKEN, csrf_token_of
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from fairdebt.web.rendering import TEMPLATES
from fairdebt.web.security import CSRF_EXEMPT, HEADERS, STATE_CHANGING, csrf_protect


def all_routes(routes) -> Iterator[tuple[set[str], str, object]]:
    """(methods, full path, dependant) of every endpoint. FastAPI 0.165 keeps an included router
    as one entry whose `effective_candidates()` are the routes with the prefix and the app's
    dependencies applied; the next test fails if this walk ever finds nothing."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route.methods, route.path, route.dependant
        elif hasattr(route, "effective_candidates"):
            yield from all_routes(route.effective_candidates())
        elif getattr(route, "dependant", None) is not None:
            yield set(route.methods), route.path, route.dependant


def state_changing_routes(app) -> list[tuple[str, str, object]]:
    """(method, path, dependant) of every route that changes state, as the app has them now."""
    return sorted(
        (
            (method, path, dependant)
            for methods, path, dependant in all_routes(app.routes)
            for method in methods & STATE_CHANGING
        ),
        key=lambda found: found[:2],
    )


def uses(dependant, call) -> bool:
    return any(d.call is call or uses(d, call) for d in dependant.dependencies)


def test_the_app_has_the_state_changing_routes_this_test_knows_to_look_for(app):
    found = [(method, path) for method, path, _ in state_changing_routes(app)]

    assert ("POST", "/login") in found and ("POST", "/logout") in found
    assert ("POST", "/console/queue/tasks/{task_id}/check") in found
    assert ("POST", "/console/cases/{case_id}/calls/{decision_id}/start") in found
    assert ("POST", "/console/cases/{case_id}/calls/{decision_id}/record") in found
    assert ("POST", "/verify") in found
    assert ("POST", "/api/v1/gate/check") in found


def test_every_state_changing_route_checks_the_csrf_token(app, open_as):
    """A new POST/PUT/PATCH/DELETE route is covered, or this test fails."""
    admin = open_as("supervisor", csrf=False)
    for method, path, dependant in state_changing_routes(app):
        if path in CSRF_EXEMPT:
            continue
        url = re.sub(r"\{[^}]+\}", "1", path)

        response = admin.request(method, url)

        assert uses(dependant, csrf_protect), path
        assert response.status_code == 403, (method, path, response.status_code)
        assert "此表单已过期" in response.text, path  # the refusal page, in zh-CN


def test_the_gate_api_needs_no_csrf_token_but_an_api_token(app, open_as):
    client = open_as(csrf=False)
    headers = bearer_for(app.state.services)

    response = client.post("/api/v1/gate/check", json={}, headers=headers)

    assert response.status_code == 422  # validated as JSON, not refused as a forgery


def test_signing_in_needs_the_login_forms_token_and_gets_a_new_one(open_as):
    browser = open_as(csrf=False)
    form = {"username": "collector", "password": "nope-nope-9"}
    from console_data import PASSWORD

    forged = browser.post("/login", data=form | {"password": PASSWORD})
    before = csrf_token_of(browser)
    cross = browser.post(
        "/login",
        data=form | {"password": PASSWORD, "csrf_token": before},
        headers={"Origin": "http://testserver:8081"},
    )
    signed = browser.post("/login", data=form | {"password": PASSWORD, "csrf_token": before})
    after = TOKEN.search(browser.get("/console/").text)

    assert forged.status_code == 403 and cross.status_code == 403
    assert signed.status_code == 303
    assert after and after.group(1) != before  # rotated with the new session
    stale = browser.post("/logout", data={"csrf_token": before})
    assert stale.status_code == 403
    assert browser.post("/logout", data={"csrf_token": after.group(1)}).status_code == 303


def test_the_login_page_issues_the_token_in_the_form_and_for_htmx(open_as):
    page = open_as(csrf=False).get("/login").text

    token = TOKEN.search(page)
    assert token and len(token.group(1)) >= 40
    assert f'hx-headers=\'{{"X-CSRF-Token": "{token.group(1)}"}}\'' in page


def test_sign_out_form_carries_the_token(open_as):
    page = open_as("supervisor", csrf=False).get("/console/").text

    form = re.search(r'action="[^"]*/logout"[^>]*>\s*<input type="hidden" name="csrf_token"', page)
    assert form


@pytest.mark.parametrize(
    "url", ["/console/", "/login", "/static/fairdebt.css", "/healthz", "/console/nope", "/docs"]
)
def test_every_response_has_the_security_headers(open_as, url):
    response = open_as("supervisor").get(url)

    for name, value in HEADERS:
        assert response.headers[name] == value, (url, name)
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_a_refusal_has_the_security_headers_too(open_as):
    response = open_as("supervisor", csrf=False).post("/logout")

    assert response.status_code == 403 and response.headers["x-frame-options"] == "DENY"


def test_the_cdn_docs_are_off_and_the_schema_stays(open_as):
    browser = open_as()

    assert browser.get("/docs").status_code == 404
    assert browser.get("/redoc").status_code == 404
    assert browser.get("/openapi.json").json()["info"]["title"] == "fairdebt"


@pytest.mark.parametrize("url", ["/console/", "/login", "/console/queue", "/console/strategy"])
def test_pages_have_no_inline_script_or_style_for_the_policy_to_block(open_as, url):
    page = open_as("supervisor").get(url)

    assert page.status_code == 200
    assert_nothing_inline(page.text, url)


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: p.name)
def test_templates_have_no_inline_script_or_style(template):
    assert_nothing_inline(template.read_text(encoding="utf-8"), template.name)


def assert_nothing_inline(html: str, where: str) -> None:
    """What `script-src 'self'; style-src 'self'` would block: inline <script>, on* handlers,
    style attributes and <style> elements."""
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, (where, tag)
    assert not re.search(r"\son[a-z]+=", html), where  # no onclick=, onchange=...
    assert not re.search(r"\sstyle=|<style\b", html), where


@pytest.mark.parametrize(
    "cursor",
    [
        "after=99999999999999999999999:M1:C-B1",
        "before=99999999999999999999999:M1:C-B1",
        "after=1000001:M1:C-B1",
    ],
)
def test_a_cursor_beyond_any_dpd_is_422_and_the_connection_goes_on(open_as, cursor):
    browser = open_as("supervisor")

    refused = browser.get(f"/console/?{cursor}")
    next_one = browser.get("/console/")

    assert refused.status_code == 422
    assert "案件列表中没有这一页。" in refused.text
    assert next_one.status_code == 200


@pytest.mark.parametrize("cursor", ["zz", "²:M1:C-B1", "12:M1", "-5:M1:C-B1"])
def test_a_malformed_cursor_still_means_from_the_start(open_as, cursor):
    browser = open_as("supervisor")

    assert browser.get("/console/", params={"after": cursor}).status_code == 200


def test_the_server_own_origin_is_accepted(open_as):
    browser = open_as("supervisor")

    same = browser.post("/logout", headers={"Origin": "http://testserver"})
    referred = open_as("supervisor").post(
        "/logout", headers={"Referer": "http://testserver:80/console/"}
    )

    assert same.status_code == 303 and referred.status_code == 303


def test_a_session_cookie_is_secure_only_in_production(console_db):
    from fairdebt.bootstrap import Services
    from fairdebt.settings import load_settings
    from fairdebt.web.app import create_app

    def cookie(env: str) -> str:
        settings = load_settings(
            database_url=console_db[0], secret_key="test-secret-key", locale="en", env=env
        )
        with TestClient(create_app(Services(settings)), base_url="https://testserver") as c:
            return c.get("/login").headers["set-cookie"]

    assert "secure" in cookie("production").lower()
    assert "secure" not in cookie("test").lower()
