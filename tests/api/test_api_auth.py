"""Every /api/ route asks for an API token with its scope (the signed inbound webhooks aside):
401 without a valid one, 403 without the scope; tokens kept as hashes; the gate's CPU work off
the event loop."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import console_data
import pytest
from bearer import bearer_for, token_for
from fastapi import FastAPI
from fastapi.testclient import TestClient
from gate_requests import request
from sqlalchemy import select

from fairdebt.adapters.db.api_token_tables import api_tokens
from fairdebt.services.api_tokens import SCOPES, create, revoke
from fairdebt.web.api.gate import GateFastPath
from fairdebt.web.api_auth import SCOPED, SIGNED_ELSEWHERE, TokenGate

GATE = "/api/v1/gate/check"
RUNS = "/api/v1/strategy/runs"
LATE_CALL = request("2026-03-02T22:05:00+08:00")


# --- every route declares its scope --------------------------------------------------------


def api_routes(app: FastAPI) -> Iterator[tuple[str, str, Any, Any]]:
    """(method, full path, endpoint, dependant or None) of every route under /api/. FastAPI
    keeps an included router as one entry whose `effective_candidates()` are its routes; a
    plain Starlette route among them (the gate's) shows through `starlette_route`."""

    def walk(routes: Any) -> Iterator[tuple[str, str, Any, Any]]:
        for route in routes:
            if hasattr(route, "effective_candidates"):
                yield from walk(route.effective_candidates())
                continue
            plain = getattr(route, "starlette_route", None)
            if getattr(route, "dependant", None) is None and plain is not None:
                route = plain
            for method in sorted(getattr(route, "methods", None) or ()):
                yield method, route.path, route.endpoint, getattr(route, "dependant", None)

    return (r for r in walk(app.routes) if r[1].startswith("/api/"))


def declared_scopes(endpoint: Any, dependant: Any) -> set[str]:
    found = {SCOPED[endpoint]} if endpoint in SCOPED else set()
    stack = list(dependant.dependencies) if dependant is not None else []
    while stack:
        dependency = stack.pop()
        if dependency.call in SCOPED:
            found.add(SCOPED[dependency.call])
        stack.extend(dependency.dependencies)
    return found


def test_every_api_route_but_the_signed_webhooks_declares_a_scope(app: FastAPI) -> None:
    """A new /api/ route without require_scope (or, for a plain route, `scoped`) fails here."""
    routes = list(api_routes(app))
    unguarded = [
        (method, path)
        for method, path, endpoint, dependant in routes
        if not path.startswith(SIGNED_ELSEWHERE) and not declared_scopes(endpoint, dependant)
    ]

    assert ("POST", GATE) in {(m, p) for m, p, _, _ in routes}
    assert ("GET", RUNS) in {(m, p) for m, p, _, _ in routes}
    assert unguarded == []


def test_the_scopes_are_those_the_routes_use(app: FastAPI) -> None:
    used = set().union(*(declared_scopes(e, d) for _, _, e, d in api_routes(app)))
    assert used == set(SCOPES)


def test_every_api_route_but_the_signed_webhooks_is_401_without_a_token(app: FastAPI) -> None:
    client = TestClient(app)
    for method, path, _, _ in api_routes(app):
        if path.startswith(SIGNED_ELSEWHERE) or method == "HEAD":
            continue
        url = re.sub(r"\{[^}]+\}", "x", path)

        response = client.request(method, url)

        assert response.status_code == 401, (method, path, response.status_code)
        assert response.headers["www-authenticate"].startswith("Bearer"), path
        assert set(response.json()) == {"error", "hint"}, path


# --- the gate: both ways it is served ------------------------------------------------------


@pytest.fixture(params=["fast path", "application"])
def served(request: pytest.FixtureRequest, app: FastAPI) -> Any:
    return GateFastPath(app) if request.param == "fast path" else app


def post_gate(served: Any, token: str | None, body: Any = LATE_CALL) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    with TestClient(served) as client:
        return client.post(GATE, json=body, headers=headers)


def test_the_gate_answers_a_token_with_the_scope(app: FastAPI, served: Any) -> None:
    response = post_gate(served, token_for(app.state.services, "gate:check"))

    assert response.status_code == 200
    assert response.json()["decision"] in ("allow", "deny", "review")


@pytest.mark.parametrize(
    "token",
    [None, "", "fd_", "fd_0badc0de_" + "A" * 43, "Basic dXNlcjpwYXNz"],
    ids=["none", "empty", "stub", "unknown", "not-bearer"],
)
def test_the_gate_refuses_no_token_or_a_bad_one_with_401(served: Any, token: str | None) -> None:
    response = post_gate(served, token)

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["error"] == "the API token is missing or not valid"


def test_a_forged_secret_with_a_real_prefix_is_401(app: FastAPI, served: Any) -> None:
    token = token_for(app.state.services)
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")

    response = post_gate(served, forged)

    assert response.status_code == 401
    assert forged not in response.text and token not in response.text


def test_a_revoked_token_is_401(app: FastAPI, served: Any) -> None:
    services = app.state.services
    made = create(services.uow(), "dialler", ["gate:check"], "admin", services.clock.now())
    revoke(services.uow(), made.record.id, services.clock.now())

    response = post_gate(served, made.token)

    assert response.status_code == 401
    assert response.json()["error"] == f"the API token {made.record.prefix} was revoked"
    assert made.token not in response.text


def test_an_expired_token_is_401(app: FastAPI, served: Any) -> None:
    services = app.state.services
    then = services.clock.now() - timedelta(days=2)
    made = create(services.uow(), "dialler", ["gate:check"], "admin", then, timedelta(days=1))

    response = post_gate(served, made.token)

    assert response.status_code == 401 and "expired" in response.json()["error"]


def test_a_token_without_the_scope_is_403(app: FastAPI, served: Any) -> None:
    token = token_for(app.state.services, "strategy:read")

    response = post_gate(served, token)

    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
    assert "gate:check" in response.json()["error"] and token not in response.text


def test_the_table_holds_no_token_and_the_use_is_recorded(app: FastAPI) -> None:
    services = app.state.services
    token = token_for(services, "gate:check", name="dialler")

    assert post_gate(app, token).status_code == 200
    with services.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(api_tokens))]

    prefix, secret = token.split("_", 2)[1:]
    mine = [r for r in rows if r["prefix"] == prefix]
    assert [r["name"] for r in mine] == ["dialler"] and len(mine[0]["token_hash"]) == 64
    assert not any(secret in str(v) or token in str(v) for r in rows for v in r.values())
    assert mine[0]["last_used_at"] == console_data.NOW.isoformat()


def test_a_revocation_reaches_a_running_process_within_the_recheck_time(app: FastAPI) -> None:
    services = app.state.services
    made = create(services.uow(), "dialler", ["gate:check"], "admin", services.clock.now())
    clock = [0.0]
    gate = TokenGate(services, recheck_seconds=5.0, monotonic=lambda: clock[0])

    assert gate.check(made.token, "gate:check") is None
    revoke(services.uow(), made.record.id, services.clock.now())
    clock[0] = 4.9
    trusted = gate.check(made.token, "gate:check")
    clock[0] = 5.0
    refused = gate.check(made.token, "gate:check")

    assert trusted is None
    assert refused is not None and "revoked" in refused.cause
    assert TokenGate(services, 0.0).check(made.token, "gate:check") is not None


# --- the strategy API: a token, or a session with a report role ----------------------------


def test_the_strategy_api_takes_a_token_with_strategy_read(app: FastAPI) -> None:
    services = app.state.services
    client = TestClient(app)

    read = client.get(RUNS, headers=bearer_for(services, "strategy:read"))
    wrong = client.get(RUNS, headers=bearer_for(services, "gate:check"))
    bad = client.get(RUNS, headers={"Authorization": "Bearer fd_nope"})

    assert read.status_code == 200 and "runs" in read.json()
    assert wrong.status_code == 403 and bad.status_code == 401


def test_a_bearer_token_is_checked_even_with_a_session(open_as) -> None:
    browser = open_as("supervisor")

    assert browser.get(RUNS).status_code == 200
    assert browser.get(RUNS, headers={"Authorization": "Bearer fd_nope"}).status_code == 401


# --- the gate's work is off the event loop -------------------------------------------------


def large_body(limit: int) -> bytes:
    """A real gate request (gate_load's mix) with as much history as fits under `limit`."""
    from fairdebt.bench.gate_load import requests

    body = json.dumps(requests(1, 11, 5_000)[0]).encode()
    assert len(body) <= limit
    return body


def test_pages_answer_while_large_gate_requests_are_being_decided(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Four ~1 MiB requests are in flight — as many as there are decider threads held inside
    the decision, the others queued for one — while the console's login page and /healthz are
    asked for: both answer, so the event loop is free.
    (With the decision on the loop, the first held request would hold every page too.)"""
    from fairdebt.web.api import gate as gate_api

    real = gate_api.decide_json
    entered = threading.Semaphore(0)
    release = threading.Event()

    def held(body: bytes, packs: Any) -> Any:
        entered.release()
        release.wait(timeout=30)
        return real(body, packs)

    monkeypatch.setattr(gate_api, "decide_json", held)
    body = large_body(gate_api.MAX_BODY_BYTES)
    headers = bearer_for(app.state.services) | {"content-type": "application/json"}
    answers: list[int] = []
    with TestClient(GateFastPath(app)) as client:

        def post() -> None:
            answers.append(client.post(GATE, content=body, headers=headers).status_code)

        posts = [threading.Thread(target=post) for _ in range(4)]
        for thread in posts:
            thread.start()
        for _ in range(min(len(posts), gate_api.DECIDERS)):  # the others queue for a thread
            assert entered.acquire(timeout=30), "a gate request never reached the decision"
        login = client.get("/login")
        health = client.get("/healthz")
        still_held = not release.is_set() and answers == []
        release.set()
        for thread in posts:
            thread.join(timeout=60)

    assert login.status_code == 200 and health.status_code == 200
    assert still_held
    assert answers == [200, 200, 200, 200]


def test_a_small_request_is_decided_on_the_loop_and_a_large_one_in_a_thread(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hop to a thread costs more than deciding a usual request (~15 KB): those are
    decided on the event loop; a large one still goes to a decider thread (above)."""
    import asyncio

    from fairdebt.web.api import gate as gate_api

    real = gate_api.decide_json
    on_loop: list[tuple[int, bool]] = []

    def where(body: bytes, packs: Any) -> Any:
        try:
            asyncio.get_running_loop()
            on_loop.append((len(body), True))
        except RuntimeError:  # a worker thread runs no event loop
            on_loop.append((len(body), False))
        return real(body, packs)

    monkeypatch.setattr(gate_api, "decide_json", where)
    small = json.dumps(LATE_CALL).encode()
    large = large_body(gate_api.MAX_BODY_BYTES)
    assert len(small) <= gate_api.INLINE_BYTES < len(large)
    headers = bearer_for(app.state.services) | {"content-type": "application/json"}
    with TestClient(GateFastPath(app)) as client:
        answers = [client.post(GATE, content=b, headers=headers) for b in (small, large)]

    assert [a.status_code for a in answers] == [200, 200]
    assert on_loop == [(len(small), True), (len(large), False)]
