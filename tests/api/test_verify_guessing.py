"""The public /verify page against guessing, through the app: per-address limits counted where
the trusted-proxy logic says the client is, 429 "try again after" without a lookup, the
impostor guidance (police, the official number) and the official repayment channels."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from zoneinfo import ZoneInfo

import console_data
import pytest
from csrf_forms import carry_token
from fastapi import FastAPI
from fastapi.testclient import TestClient
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from fairdebt.adapters.db.engine import make_engine
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.bootstrap import Services
from fairdebt.services.ports.identity import Role, User
from fairdebt.services.verify import issue
from fairdebt.settings import load_settings
from fairdebt.web.app import create_app

PROXY = "10.0.0.1"
CHANNELS = (
    "lender_app=示例消费金融 App → 我的借款 → 还款;"
    "bank_transfer=示例消费金融有限公司 对公账户 招商银行北京分行 1109 0000 0000 001"
)


class FixedClock:
    def now(self):
        return console_data.NOW


def _app(console_db, **extra: str) -> FastAPI:
    settings = load_settings(
        database_url=console_db[0],
        secret_key="test-secret-key",
        locale="zh-CN",
        env="test",
        repayment_channels=CHANNELS,
        **extra,
    )
    return create_app(Services(settings, clock=FixedClock()))


@pytest.fixture
def app(console_db) -> FastAPI:
    return _app(console_db)


@contextmanager
def browser(app, peer: str, *, proxy: bool = False) -> Iterator[TestClient]:
    """A browser whose connection comes from `peer`; behind `fairdebt serve`'s proxy handling
    (uvicorn's, trusting PROXY only: FAIRDEBT_TRUSTED_PROXIES) when `proxy`."""
    served = ProxyHeadersMiddleware(app, trusted_hosts=PROXY) if proxy else app
    with TestClient(served, client=(peer, 40000), follow_redirects=False) as client:
        carry_token(client)
        yield client


def guess(client: TestClient, code: str, forwarded: str | None = None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post("/verify", data={"code": code}, headers=headers)


def status(response) -> str:
    return re.search(r'data-testid="verify-result" data-status="(\w+)"', response.text).group(1)


def test_guesses_are_answered_plainly_then_refused_with_the_time_to_wait(app) -> None:
    with browser(app, "203.0.113.40") as client:
        answers = [guess(client, f"WXYZ-{n:04d}".replace("0", "A")) for n in range(12)]

    assert [a.status_code for a in answers] == [200] * 10 + [429] * 2
    unknown, refused = answers[0].text, answers[-1].text
    assert status(answers[0]) == "unknown" and "此验证码无效" in unknown
    assert "拨打报警电话 110" in unknown and "400-000-0000" in unknown  # the impostor guidance
    assert status(answers[-1]) == "throttled" and "尝试次数过多" in refused
    until = (console_data.NOW + timedelta(minutes=10)).astimezone(ZoneInfo("Asia/Shanghai"))
    assert f"{until:%H:%M}" in refused and "(Asia/Shanghai)" in refused
    assert answers[-1].headers["Retry-After"] == "601"


def test_the_official_channels_and_the_warning_show_in_both_languages(app) -> None:
    with browser(app, "203.0.113.41") as client:
        chinese = guess(client, "ABCD-EFGH").text
        english = client.post("/verify?lang=en", data={"code": "ABCD-EFGH"}).text

    assert "不要向个人账户或现金还款" in chinese and "官方还款渠道" in chinese
    assert "招商银行北京分行 1109 0000 0000 001" in chinese and "贷款机构官方 App" in chinese
    assert "Never pay cash or to a person's account." in english
    assert "Official repayment channels" in english and "call the police on 110" in english


def test_a_us_deployment_names_911(console_db) -> None:
    with browser(_app(console_db, default_pack="us-regf"), "203.0.113.42") as client:
        english = client.post("/verify?lang=en", data={"code": "ABCD-EFGH"}).text

    assert "call the police on 911" in english and "police on 110" not in english


def test_behind_the_trusted_proxy_each_forwarded_client_is_counted_alone(app) -> None:
    with browser(app, PROXY, proxy=True) as proxy:
        first = [guess(proxy, f"PQRS-{n}AAA", "198.51.100.7").status_code for n in range(2, 13)]
        second = guess(proxy, "PQRS-2BBB", "198.51.100.8").status_code

    assert first == [200] * 10 + [429]
    assert second == 200


def test_a_client_elsewhere_cannot_choose_its_address_with_the_header(app) -> None:
    with browser(app, "192.0.2.66", proxy=True) as spoofer:
        answers = [
            guess(spoofer, f"MNPQ-{n}AAA", f"198.51.100.{n}").status_code for n in range(2, 14)
        ]

    assert answers == [200] * 10 + [429] * 2


def test_a_real_code_works_from_an_address_that_is_not_locked(app, console_db) -> None:
    engine = make_engine(console_db[0])
    agent = User("u-collector", "collector", "Collector 测试", Role.COLLECTOR)
    code = issue(SqlUnitOfWork(engine), "C-B0001", agent, None, console_data.NOW)
    engine.dispose()
    with browser(app, "203.0.113.50") as locked, browser(app, "203.0.113.51") as other:
        for n in range(10):
            guess(locked, f"HJKM-{n + 2}AAA")

        refused = guess(locked, code)
        found = guess(other, code)

    assert refused.status_code == 429 and "Collector 测试" not in refused.text
    assert found.status_code == 200 and status(found) == "valid"
    assert "Collector 测试" in found.text and "不要向个人账户或现金还款" in found.text
