"""`fairdebt serve` believes X-Forwarded-For only from the proxies the deployment names: a
client that invents a new address for every guess is still one address to the throttle."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from served import serving

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _guesses(url: str, count: int) -> list[int]:
    """`count` wrong sign-ins, each for another user name and from another claimed address."""
    statuses = []
    with httpx.Client(base_url=url, follow_redirects=False) as browser:
        token = TOKEN.search(browser.get("/login").text)
        assert token
        for i in range(count):
            response = browser.post(
                "/login",
                data={"username": f"nobody{i}", "password": "wrong", "csrf_token": token[1]},
                headers={"X-Forwarded-For": f"203.0.113.{i + 1}"},
            )
            statuses.append(response.status_code)
    return statuses


def test_forwarded_addresses_from_an_untrusted_peer_do_not_escape_the_address_lock(
    tmp_path: Path,
) -> None:
    with serving(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}", login_max_failures="1") as url:
        statuses = _guesses(url, 5)

    assert 429 not in statuses[:4] and statuses[4] == 429  # four failures lock the one address


def test_a_named_proxy_is_believed(tmp_path: Path) -> None:
    with serving(
        tmp_path,
        f"sqlite:///{tmp_path / 'db.sqlite'}",
        login_max_failures="1",
        trusted_proxies="127.0.0.1",
    ) as url:
        statuses = _guesses(url, 5)

    assert 429 not in statuses  # five clients behind the proxy, one guess each
