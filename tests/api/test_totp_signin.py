"""The staff's second factor in the browser: set-up on the account page, the code step of
signing in (no session before it), replay, recovery codes, the throttle, forced set-up."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from datetime import timedelta

import console_data
import pytest
from csrf_forms import carry_token, csrf_token_of
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fixed_clock import FixedClock

from fairdebt.bootstrap import Services
from fairdebt.services import second_factor as factor
from fairdebt.services.ports.second_factor import FactorEventKind
from fairdebt.services.users import create_user
from fairdebt.settings import load_settings
from fairdebt.web.app import create_app

SECRET = re.compile(r'data-secret="([A-Z2-7]+)"')
CODES = re.compile(r"<li class=\"col\">([a-z0-9-]{11})</li>")
_hours = itertools.count(1)


class MovingClock(FixedClock):
    """A fixed instant the test moves on by hand (time steps of 30 seconds)."""

    def move(self, delta: timedelta) -> None:
        self._now += delta


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Recovery codes hashed with small Argon2id costs (same code path, less CPU)."""
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    cheap = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    monkeypatch.setattr("fairdebt.services.users._hasher", lambda: cheap)


@pytest.fixture
def clock() -> MovingClock:
    # Each test an hour later than the one before: the sign-in attempts of one test (all from
    # the client "testclient") are out of the next one's throttle window.
    return MovingClock(console_data.NOW + timedelta(hours=next(_hours), seconds=5))


def make_app(url: str, clock: MovingClock, **overrides: object) -> FastAPI:
    settings = load_settings(
        database_url=url, secret_key="test-secret-key", locale="en", env="test", **overrides
    )
    return create_app(Services(settings, clock=clock))


@pytest.fixture
def site(console_db: tuple[str, console_data.Portfolio], clock: MovingClock) -> FastAPI:
    return make_app(console_db[0], clock)


@pytest.fixture
def browser_of(site: FastAPI) -> Iterator[Callable[[], TestClient]]:
    opened: list[TestClient] = []

    def _open(app: FastAPI = site) -> TestClient:
        browser = TestClient(app, follow_redirects=False)
        opened.append(browser)
        return browser

    yield _open
    for browser in opened:
        browser.close()


def new_user(app: FastAPI, role: str = "supervisor") -> str:
    name = f"tf{next(_hours)}-{role.replace('_', '')}"
    create_user(app.state.services.uow(), name, role, console_data.PASSWORD, name)
    return name


def password_step(browser: TestClient, name: str, next_url: str = "/console/") -> str:
    """Post the right password; the redirect's target."""
    form = {"username": name, "password": console_data.PASSWORD, "next": next_url}
    answer = browser.post("/login", data=form | {"csrf_token": csrf_token_of(browser)})
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def post(browser: TestClient, path: str, form: dict[str, str]):
    return browser.post(path, data=form | {"csrf_token": csrf_token_of(browser)})


def code(secret: str, clock: MovingClock, offset: int = 0) -> str:
    return factor.code_at(secret, factor.step_of(clock.now()) + offset)


def enrol(browser: TestClient, clock: MovingClock) -> tuple[str, list[str]]:
    """Set the factor up on the account page of a signed-in browser: its secret and codes."""
    carry_token(browser)
    assert browser.post("/console/account/2fa/start").status_code == 303
    page = browser.get("/console/account/2fa")
    assert page.status_code == 200 and "<svg" in page.text
    secret = SECRET.search(page.text).group(1)  # type: ignore[union-attr]
    done = browser.post("/console/account/2fa/confirm", data={"code": code(secret, clock)})
    assert done.status_code == 200, done.text
    codes = CODES.findall(done.text)
    assert len(codes) == 10
    return secret, codes


def signed_in_with_factor(site: FastAPI, browser_of, clock: MovingClock) -> tuple[str, str, list]:
    name = new_user(site)
    browser = browser_of()
    assert password_step(browser, name) == "/console/"  # no factor yet: straight in
    secret, codes = enrol(browser, clock)
    clock.move(timedelta(seconds=30))  # the enrolment's step is used up
    return name, secret, codes


def test_enrolment_needs_a_current_code_and_then_never_shows_the_secret(site, browser_of, clock):
    name = new_user(site)
    browser = browser_of()
    password_step(browser, name)
    carry_token(browser)
    assert 'data-testid="totp-start"' in browser.get("/console/account/2fa").text
    browser.post("/console/account/2fa/start")
    page = browser.get("/console/account/2fa").text
    secret = SECRET.search(page).group(1)  # type: ignore[union-attr]

    wrong = browser.post("/console/account/2fa/confirm", data={"code": "000000"})
    assert wrong.status_code == 400 and 'data-testid="totp-error"' in wrong.text
    right = browser.post("/console/account/2fa/confirm", data={"code": code(secret, clock)})

    assert right.status_code == 200 and len(CODES.findall(right.text)) == 10
    after = browser.get("/console/account/2fa").text
    assert secret not in after and 'data-testid="totp-secret"' not in after
    assert 'name="password"' in after  # the turn-off form
    again = browser.post("/console/account/2fa/start")
    assert again.status_code == 409  # one factor at a time


def test_sign_in_needs_the_code_and_the_half_signed_cookie_opens_nothing(site, browser_of, clock):
    name, secret, _ = signed_in_with_factor(site, browser_of, clock)
    browser = browser_of()

    assert password_step(browser, name, "/console/queue") == "/login/code"
    assert browser.get("/login/code").status_code == 200
    wrong = post(browser, "/login/code", {"code": code(secret, clock, offset=5)})
    assert wrong.status_code == 401
    right = post(browser, "/login/code", {"code": code(secret, clock)})

    assert right.status_code == 303 and right.headers["location"] == "/console/queue"
    assert browser.get("/console/").status_code == 200
    assert browser.get("/login/code").headers["location"] == "/login"  # the challenge is spent


def test_a_half_signed_browser_reaches_no_page_and_must_start_again(site, browser_of, clock):
    name, secret, _ = signed_in_with_factor(site, browser_of, clock)
    for page in ("/portal/", "/field/", "/console/queue", "/console/account/2fa", "/console/"):
        browser = browser_of()
        assert password_step(browser, name) == "/login/code"
        answer = browser.get(page)
        assert answer.status_code in (303, 403), page
        location = answer.headers.get("location", "/login")
        assert "/login" in location or location == "/portal/sign-in", page
    # a page visited in between drops the challenge: the code step starts from the password
    late = post(browser, "/login/code", {"code": code(secret, clock)})
    assert late.status_code == 303 and late.headers["location"] == "/login"


def test_a_code_used_once_is_refused_the_second_time(site, browser_of, clock):
    name, secret, _ = signed_in_with_factor(site, browser_of, clock)
    first, second = browser_of(), browser_of()
    password_step(first, name)
    password_step(second, name)
    same = code(secret, clock)

    assert post(first, "/login/code", {"code": same}).status_code == 303
    assert post(second, "/login/code", {"code": same}).status_code == 401
    assert second.get("/console/").status_code == 303


def test_a_recovery_code_signs_in_once(site, browser_of, clock):
    name, _, codes = signed_in_with_factor(site, browser_of, clock)
    first, second = browser_of(), browser_of()
    password_step(first, name)
    password_step(second, name)

    assert post(first, "/login/code", {"code": codes[0]}).status_code == 303
    assert post(second, "/login/code", {"code": codes[0]}).status_code == 401
    assert post(second, "/login/code", {"code": codes[1].upper()}).status_code == 303
    user = site.state.services.uow()
    with user:
        found = user.users.by_name(name)
        assert found is not None
        kinds = [e.kind for e in user.factor_events.of_user(found.id)]
    assert kinds.count(FactorEventKind.RECOVERY_USED) == 2
    assert kinds.count(FactorEventKind.CODE_FAILED) == 1


def test_wrong_codes_lock_even_the_right_one_out(site, browser_of, clock):
    name, secret, _ = signed_in_with_factor(site, browser_of, clock)
    browser = browser_of()
    password_step(browser, name)
    for _ in range(5):  # FAIRDEBT_LOGIN_MAX_FAILURES
        assert post(browser, "/login/code", {"code": "999999"}).status_code == 401

    locked = post(browser, "/login/code", {"code": code(secret, clock)})

    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    assert 'data-testid="locked"' in locked.text
    # a fresh password step does not reset the count of wrong codes
    again = browser_of()
    password_step(again, name)
    assert post(again, "/login/code", {"code": code(secret, clock)}).status_code == 429


def test_the_challenge_ends_after_five_minutes(site, browser_of, clock):
    name, secret, _ = signed_in_with_factor(site, browser_of, clock)
    browser = browser_of()
    password_step(browser, name)
    clock.move(factor.CHALLENGE_TTL)

    late = post(browser, "/login/code", {"code": code(secret, clock)})

    assert late.status_code == 303 and late.headers["location"] == "/login"
    assert browser.get("/console/").status_code == 303


def test_turning_off_needs_the_password_and_a_code(site, browser_of, clock):
    name, secret, _ = signed_in_with_factor(site, browser_of, clock)
    browser = browser_of()
    password_step(browser, name)
    post(browser, "/login/code", {"code": code(secret, clock)})
    clock.move(timedelta(seconds=30))
    carry_token(browser)

    no_password = {"password": "not-the-password", "code": code(secret, clock)}
    assert browser.post("/console/account/2fa/disable", data=no_password).status_code == 400
    no_code = {"password": console_data.PASSWORD, "code": "000000"}
    assert browser.post("/console/account/2fa/disable", data=no_code).status_code == 400
    both = {"password": console_data.PASSWORD, "code": code(secret, clock)}
    assert browser.post("/console/account/2fa/disable", data=both).status_code == 303

    assert password_step(browser_of(), name) == "/console/"  # the password alone again


def test_a_role_that_requires_it_sets_it_up_before_its_first_session(console_db, clock, browser_of):
    app = make_app(console_db[0], clock, require_2fa_roles="field_agent")
    name = new_user(app, "field_agent")
    browser = browser_of(app)

    peeker = browser_of(app)
    assert password_step(peeker, name, "/field/") == "/login/enrol"
    assert peeker.get("/field/").status_code == 303  # not signed in before the set-up
    assert password_step(browser, name, "/field/") == "/login/enrol"
    page = browser.get("/login/enrol")
    assert page.status_code == 200 and "<svg" in page.text
    secret = SECRET.search(page.text).group(1)  # type: ignore[union-attr]
    assert post(browser, "/login/enrol", {"code": "123"}).status_code == 400
    done = post(browser, "/login/enrol", {"code": code(secret, clock)})

    assert done.status_code == 200 and len(CODES.findall(done.text)) == 10
    assert 'href="/field/"' in done.text
    assert browser.get("/field/").status_code == 200
    clock.move(timedelta(seconds=30))
    assert password_step(browser_of(app), name) == "/login/code"  # from now on, the code


def test_the_code_step_refuses_a_post_without_the_csrf_token(site, browser_of, clock):
    name, secret, _ = signed_in_with_factor(site, browser_of, clock)
    browser = browser_of()
    password_step(browser, name)
    refused = browser.post("/login/code", data={"code": code(secret, clock)})
    assert refused.status_code == 403
    assert post(browser, "/login/code", {"code": code(secret, clock)}).status_code == 303


def test_the_second_factor_page_is_in_chinese_too(site, browser_of):
    name = new_user(site)
    browser = browser_of()
    password_step(browser, name)
    page = browser.get("/console/account/2fa?lang=zh-CN")
    assert "两步验证" in page.text


def test_a_new_password_step_voids_a_set_up_secret_someone_saw(console_db, clock, browser_of):
    app = make_app(console_db[0], clock, require_2fa_roles="collector")
    name = new_user(app, "collector")
    snooper, owner = browser_of(app), browser_of(app)
    password_step(snooper, name)
    seen = SECRET.search(snooper.get("/login/enrol").text).group(1)  # type: ignore[union-attr]

    password_step(owner, name)
    mine = SECRET.search(owner.get("/login/enrol").text).group(1)  # type: ignore[union-attr]

    assert mine != seen
    assert snooper.get("/login/enrol").headers["location"] == "/login"  # its challenge is void
    assert post(snooper, "/login/enrol", {"code": code(mine, clock)}).status_code == 303
    assert post(owner, "/login/enrol", {"code": code(mine, clock)}).status_code == 200
