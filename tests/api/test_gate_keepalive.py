"""After a refusal the client's keep-alive connection still serves: a real server (uvicorn, as
`fairdebt serve` runs it) answers a bad request, then a good one on the same connection."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from gate_io import post_gate
from gate_requests import request
from served import serving

GOOD = json.dumps(request("2026-03-02T10:00:00+08:00"))
BAD = {
    "not JSON": b"{",
    "not a request": b'{"pack": "cn"}',
    "nested deep": b"[" * 5000 + b"]" * 5000,
    "Latin-1": GOOD.replace("bank", "b\xe4nk").encode("latin-1"),
    "too large": b"[" + b"1," * 600_000 + b"1]",
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """The server's URL and the Authorization header of a token in its database."""
    from bearer import bearer_for

    from fairdebt.bootstrap import Services
    from fairdebt.settings import load_settings

    folder = tmp_path_factory.mktemp("served")
    database = f"sqlite:///{folder / 'app.db'}"
    with serving(folder, database) as url:
        services = Services(load_settings(env="test", database_url=database))
        auth = bearer_for(services)
        services.close()
        yield url, auth


@pytest.fixture
def base_url(served: tuple[str, dict[str, str]]) -> str:
    return served[0]


@pytest.fixture
def auth(served: tuple[str, dict[str, str]]) -> dict[str, str]:
    return served[1]


def _local_port(response: httpx.Response) -> int:
    stream = response.extensions["network_stream"]
    return int(stream.get_extra_info("client_addr")[1])


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_refused_request_leaves_the_connection_usable(
    base_url: str, auth: dict[str, str], name: str
) -> None:
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    with httpx.Client(base_url=base_url, limits=limits, timeout=30, headers=auth) as client:
        bad = post_gate(client, BAD[name])
        bad_port = _local_port(bad)
        good = post_gate(client, GOOD)
        good_port = _local_port(good)

    assert 400 <= bad.status_code < 500, bad.text
    assert good.status_code == 200, good.text
    assert bad.headers.get("connection", "").lower() != "close"
    assert bad_port == good_port  # one connection, kept alive


@pytest.mark.parametrize(("method", "path"), [("GET", "/api/v1/gate/check"), ("GET", "/nowhere")])
def test_a_wrong_method_or_path_leaves_the_connection_usable(
    base_url: str, auth: dict[str, str], method: str, path: str
) -> None:
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    with httpx.Client(base_url=base_url, limits=limits, timeout=30, headers=auth) as client:
        bad = client.request(method, path)
        bad_port = _local_port(bad)
        good = post_gate(client, GOOD)
        good_port = _local_port(good)

    assert 400 <= bad.status_code < 500
    assert good.status_code == 200
    assert bad_port == good_port
