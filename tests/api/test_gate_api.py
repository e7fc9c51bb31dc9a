"""`POST /api/v1/gate/check`: the same decision as the Python API, 422 with every pointer."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator

import pytest
from bearer import bearer_for
from fastapi.testclient import TestClient
from gate_requests import event, gate, request

from fairdebt.bootstrap import Services
from fairdebt.settings import load_settings
from fairdebt.web.api.gate import GateFastPath
from fairdebt.web.app import create_app

URL = "/api/v1/gate/check"


def gate_services(tmp_path_factory: pytest.TempPathFactory) -> Services:
    """Services on a database of their own: the API tokens live there."""
    url = f"sqlite:///{tmp_path_factory.mktemp('gate') / 'gate.db'}"
    return Services(load_settings(env="test", database_url=url))


@pytest.fixture(scope="module", params=["fast path", "application"])
def client(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """Both ways a request can be served: as uvicorn serves it (fairdebt.web.asgi: the gate's
    fast path in front of the application), and by the application's own route; each request
    with an API token carrying gate:check."""
    services = gate_services(tmp_path_factory)
    app = create_app(services)
    served = GateFastPath(app) if request.param == "fast path" else app
    with TestClient(served, headers=bearer_for(services)) as c:
        yield c


EXAMPLES = {
    "late call": request("2026-03-02T22:05:00+08:00"),
    "allowed call, Chinese": request("2026-03-02T10:00:00+08:00", locale="zh-CN"),
    "us 7-in-7": request(
        "2026-04-12T15:00:00-04:00",
        pack="us-regf",
        timezones=["America/New_York"],
        history=[event(f"2026-04-{d:02d}T10:00:00-04:00") for d in range(6, 13)],
    ),
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_the_http_decision_is_the_python_decision_byte_for_byte(
    client: TestClient, name: str
) -> None:
    req = EXAMPLES[name]

    response = client.post(URL, json=req)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.text == gate(req).to_json()


def test_a_request_outside_the_schema_is_422_with_every_pointer(client: TestClient) -> None:
    bad = copy.deepcopy(EXAMPLES["late call"])
    bad["attempt"]["channel"] = "fax"
    bad["borrower"]["timezones"] = []
    bad["extra"] = True

    response = client.post(URL, json=bad)

    assert response.status_code == 422
    pointers = {e["pointer"] for e in response.json()["errors"]}
    assert pointers == {"/attempt/channel", "/borrower/timezones", "/extra"}


def test_a_body_that_is_not_json_is_422(client: TestClient) -> None:
    response = client.post(URL, content=b"{", headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == ""


def test_a_body_over_the_limit_is_413_before_it_is_read_and_the_next_request_is_served(
    client: TestClient,
) -> None:
    from fairdebt.web.api.gate import MAX_BODY_BYTES

    padded = {**EXAMPLES["late call"], "padding": "x" * MAX_BODY_BYTES}
    chunks = (b" " * 65_536 for _ in range(MAX_BODY_BYTES // 65_536 + 2))  # no length declared

    declared = client.post(URL, content=json.dumps(padded).encode())
    streamed = client.post(URL, content=chunks, headers={"content-type": "application/json"})
    after = client.post(URL, json=EXAMPLES["late call"])

    assert declared.status_code == streamed.status_code == 413
    assert declared.json()["errors"] == [{"pointer": "", "message": "too large"}]
    assert after.status_code == 200 and after.text == gate(EXAMPLES["late call"]).to_json()


def test_a_body_at_the_limit_is_read(client: TestClient) -> None:
    from fairdebt.web.api.gate import MAX_BODY_BYTES

    text = json.dumps(EXAMPLES["late call"])
    body = text.encode() + b" " * (MAX_BODY_BYTES - len(text.encode()))  # JSON allows the spaces

    response = client.post(URL, content=body, headers={"content-type": "application/json"})

    assert response.status_code == 200


def test_an_unknown_pack_is_422_at_pack_listing_the_available_ones(client: TestClient) -> None:
    response = client.post(URL, json={**EXAMPLES["late call"], "pack": "uk"})

    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["pointer"] == "/pack"
    assert "cn@2026.1" in body["error"] and "us-regf@2026.1" in body["error"]


def test_an_impossible_time_zone_is_422_at_its_pointer(client: TestClient) -> None:
    response = client.post(
        URL, json={**EXAMPLES["late call"], "borrower": {"timezones": ["Nowhere/X"]}}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"pointer": "/borrower/timezones/0", "message": "unknown time zone 'Nowhere/X' (IANA)"}
    ]


def test_the_openapi_document_carries_the_contract_schemas(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"][URL]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert body["required"] == ["pack", "now", "attempt", "borrower"]
    assert set(answer["required"]) == {"decision", "rules", "allowed_from", "pack", "digest"}


def test_the_decision_validates_against_the_decision_schema(client: TestClient) -> None:
    from gate_schema import schema_errors

    for req in EXAMPLES.values():
        assert schema_errors(json.loads(client.post(URL, json=req).text), "gate-decision") == ()


def test_other_methods_on_the_gate_path_pass_through_to_the_application(
    client: TestClient,
) -> None:
    assert client.get(URL).status_code == 405  # the router's answer, not the fast path's


def test_an_unexpected_failure_is_answered_by_the_whole_application(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The fast path replays the body through the application, whose error handlers answer
    a FairdebtError with 400 and its cause — exactly as without the fast path."""
    from fairdebt.errors import FairdebtError
    from fairdebt.web.api import gate as gate_api

    def broken(_body: bytes, _packs: object) -> bytes:
        raise FairdebtError("the packs could not be read", "reinstall fairdebt")

    monkeypatch.setattr(gate_api, "decide_json", broken)
    services = gate_services(tmp_path_factory)
    with TestClient(GateFastPath(create_app(services)), headers=bearer_for(services)) as fresh:
        response = fresh.post(URL, json=EXAMPLES["late call"])

    assert response.status_code == 400
    assert "the packs could not be read" in response.text


def test_the_start_up_warm_decisions_are_real_decisions_for_every_pack() -> None:
    """The fast path decides one request per pack at start-up (so the first contact does not
    wait for the packs to compile); a schema change must not silently turn that into a 422."""
    from fairdebt.compliance.pack import builtin_packs
    from fairdebt.web.api.gate import _WARM, decide_json

    packs = builtin_packs()
    for pack in packs.latest:
        answer = decide_json(_WARM % pack.encode(), packs)
        assert isinstance(answer, bytes)
        assert json.loads(answer)["pack"].startswith(f"{pack}@")


def test_a_lone_surrogate_in_the_body_is_422_at_its_pointer(client: TestClient) -> None:
    body = json.dumps({**EXAMPLES["late call"], "locale": "en"})  # ASCII, escapes kept
    body = body.replace('"bank"', '"bank \\ud800"', 1)  # the attempt's collector
    response = client.post(URL, content=body.encode(), headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/attempt/collector"


def test_the_packs_are_the_composition_roots(
    client: TestClient, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Both routes decide with `app.state.services.packs`, never a pack set of their own."""
    from fairdebt.compliance.pack import build_packs, builtin_packs

    fork = 'extends: cn\nid: acme\nversion: "1"\ntitle: ACME\n'
    services = gate_services(tmp_path_factory)
    services.__dict__["packs"] = build_packs([("acme.yaml", fork)], builtin_packs())
    app = create_app(services)
    headers = bearer_for(services)
    for served in (app, GateFastPath(app)):
        with TestClient(served, headers=headers) as c:
            response = c.post(URL, json={**EXAMPLES["late call"], "pack": "acme"})
        assert response.status_code == 200, response.text
        assert response.json()["pack"] == "acme@1"


def test_a_body_nested_5000_deep_is_422_not_a_crash(client: TestClient) -> None:
    body = json.dumps(EXAMPLES["late call"])[:-1] + ', "extra": ' + "[" * 5000 + "]" * 5000 + "}"
    response = client.post(URL, content=body.encode(), headers={"content-type": "application/json"})
    assert response.status_code == 422
