"""Schemathesis over /openapi.json: every /api/v1 operation, with generated requests that follow
the documented request schemas (and, in negative mode, break them), each answered without a
5xx and with a status, content type and body the document declares.

The app is the one uvicorn serves (fairdebt.web.asgi: the gate's fast path in front of the
application) on the console database. Every request carries an API token with every scope;
the inbound webhooks are signed, by the client, over the exact bytes it sends
(adapters/channels/signing.py), so the generated bodies reach the code behind the signature.

Bounded and repeatable: a fixed number of examples per operation, derandomized, no Hypothesis
database, so CI runs the same requests every time (about 40 s of CPU for the whole module).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import console_data
import pytest
import requests
import schemathesis
from bearer import token_for
from fastapi.exceptions import RequestValidationError
from fastapi.testclient import TestClient
from fixed_clock import FixedClock
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.python.asgi import ASGIClient
from sqlalchemy import create_engine, make_url, text

from fairdebt.adapters.channels import unsubscribe as links
from fairdebt.adapters.channels.signing import signed_headers
from fairdebt.adapters.db.engine import make_engine
from fairdebt.adapters.db.migrate import upgrade
from fairdebt.bootstrap import Services
from fairdebt.services.api_tokens import SCOPES
from fairdebt.settings import load_settings
from fairdebt.web.api.gate import GateFastPath
from fairdebt.web.api.shapes import SECURITY_SCHEMES
from fairdebt.web.app import create_app
from fairdebt.web.rendering import api_invalid_request

NOW = console_data.NOW
GATEWAY = "gateway"
GATEWAY_SECRET = "gateway-secret"
MAIL_SECRET = "mail-secret"
SECRET_KEY = "test-secret-key"
UNSUBSCRIBE = links.token(SECRET_KEY, "C-B0012", "b12@example.cn")
# Generated requests per operation and mode; PostgreSQL repeats the writing operations, fewer.
EXAMPLES = {"sqlite": 50, "postgresql": 25}
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
]


class SigningClient(ASGIClient):
    """An in-process client that signs each inbound webhook over the body it actually sends
    (the provider's secret: the e-mail one for bounces, the gateway's for SMS)."""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        path = request.path_url
        if path.startswith("/api/v1/inbound/") and not path.startswith(
            "/api/v1/inbound/email/unsubscribe"
        ):
            body = request.body or b""
            raw = body.encode("utf-8") if isinstance(body, str) else body
            secret = MAIL_SECRET if path.startswith("/api/v1/inbound/email/") else GATEWAY_SECRET
            request.headers.update(signed_headers(GATEWAY, secret, raw, NOW.timestamp()))
        return super().send(request, **kwargs)


def _postgres_database() -> tuple[str, Callable[[], None]]:
    """A fresh PostgreSQL database (FAIRDEBT_TEST_POSTGRES_URL's server) and how to drop it;
    skipped without a server, failed when CI requires one (as tests/integration do)."""
    base = os.environ.get("FAIRDEBT_TEST_POSTGRES_URL")
    if not base:
        message = "PostgreSQL not available: set FAIRDEBT_TEST_POSTGRES_URL"
        if os.environ.get("FAIRDEBT_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    name = f"fairdebt_schemathesis_{os.getpid()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(base).set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="module")
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The console portfolio (so replies and receipts can match cases), without the staff
    personas: the API needs none, and hashing their passwords is most of the set-up time.
    SQLite, or PostgreSQL for the operations that write (it refuses what SQLite stores)."""
    drop: Callable[[], None] | None = None
    if getattr(request, "param", "sqlite") == "postgresql":
        url, drop = _postgres_database()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('schemathesis') / 'api.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        console_data.build(conn)
    engine.dispose()
    yield url
    if drop is not None:
        drop()


@pytest.fixture(scope="module")
def served(database: str) -> Iterator[tuple[Any, str]]:
    settings_ = load_settings(
        database_url=database,
        secret_key=SECRET_KEY,
        env="test",
        sms_gateway_secret=GATEWAY_SECRET,
        inbound_secrets=f"email:{MAIL_SECRET}",
    )
    services = Services(settings_, clock=FixedClock(NOW))
    token = token_for(services, *SCOPES)
    yield GateFastPath(create_app(services)), token
    services.close()


@pytest.fixture(scope="module")
def client(served: tuple[Any, str]) -> Any:
    app, token = served
    with SigningClient(app) as opened:
        opened.headers["Authorization"] = f"Bearer {token}"
        yield opened


@pytest.fixture(scope="module")
def api_schema(served: tuple[Any, str]) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", served[0])


# Every documented /api/v1 operation; test_the_list_is_every_documented_operation fails on one
# that is added to the API and not here.
OPERATIONS = (
    "POST /api/v1/gate/check",
    "GET /api/v1/strategy/runs",
    "GET /api/v1/strategy/runs/{run_id}/report",
    "POST /api/v1/inbound/sms/{provider}",
    "POST /api/v1/inbound/sms/{provider}/receipts",
    "POST /api/v1/inbound/email/bounces",
    "GET /api/v1/inbound/email/unsubscribe",
    "POST /api/v1/inbound/email/unsubscribe",
)
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
# Nothing of these can be generated wrong: no body, no query, a path parameter any text fits.
NOTHING_TO_BREAK = {"GET /api/v1/strategy/runs", "GET /api/v1/strategy/runs/{run_id}/report"}


def test_the_list_is_every_documented_operation(api_schema: Any) -> None:
    documented = {
        f"{method.upper()} {path}"
        for path, item in api_schema.raw_schema["paths"].items()
        for method in item
        if path.startswith("/api/")
    }
    assert documented == set(OPERATIONS)


# The operations that write to the database run on PostgreSQL as well.
WRITES = {label for label in OPERATIONS if "/inbound/" in label}
RUNS = [
    pytest.param(label, mode, backend, id=f"{label}-{mode.value}-{backend}")
    for backend in ("sqlite", "postgresql")
    for label in OPERATIONS
    for mode in MODES
    if (mode is GenerationMode.POSITIVE or label not in NOTHING_TO_BREAK)
    and (backend == "sqlite" or label in WRITES)
]


@pytest.mark.parametrize(("label", "mode", "database"), RUNS, indirect=["database"])
def test_every_api_operation_answers_as_documented(
    api_schema: Any, client: Any, label: str, mode: GenerationMode, database: str
) -> None:
    backend = "postgresql" if database.startswith("postgresql") else "sqlite"
    method, path = label.split(" ", 1)
    operation = api_schema[path][method]
    fixed = {"provider": GATEWAY} if "{provider}" in path else None
    token = {"Authorization": client.headers["Authorization"]}
    # A real unsubscribe link, so that positive cases reach the opt-out, not only the 400.
    valid = "unsubscribe" in path and mode is GenerationMode.POSITIVE
    query = {"t": UNSUBSCRIBE} if valid else None

    @settings(
        max_examples=EXAMPLES[backend],
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(mode, path_parameters=fixed, headers=token, query=query))
    def run(case: Any) -> None:
        case.call_and_validate(session=client, checks=CHECKS)

    run()


def test_the_openapi_document_is_public_and_the_interactive_docs_are_off(served) -> None:
    """/openapi.json is what any caller may read (it says what the API takes, never data), with
    no token or session; /docs and /redoc stay off (they load scripts from a CDN)."""
    with TestClient(served[0]) as anonymous:
        document = anonymous.get("/openapi.json")
        assert document.status_code == 200
        assert document.json()["components"]["securitySchemes"] == SECURITY_SCHEMES
        for off in ("/docs", "/redoc"):
            assert anonymous.get(off).status_code == 404


def test_api_errors_keep_the_one_error_shape(served) -> None:
    """FastAPI's own refusals under /api/ (no such route, a method the route does not take)
    answer like the API's others: {"error", "hint"}, with their headers."""
    with TestClient(served[0]) as anonymous:
        missing = anonymous.get("/api/v1/no-such-route")
        wrong = anonymous.delete("/api/v1/strategy/runs")

    assert missing.status_code == 404 and missing.json() == {"error": "Not Found", "hint": ""}
    assert wrong.status_code == 405 and wrong.json() == {
        "error": "Method Not Allowed",
        "hint": "",
    }
    assert wrong.headers["allow"] == "GET"


def test_a_request_fastapi_cannot_read_is_422_in_the_error_shape() -> None:
    exc = RequestValidationError(
        [{"loc": ("query", "t"), "msg": "Field required", "type": "missing"}]
    )

    answer = json.loads(api_invalid_request(exc).body)

    assert answer == {
        "error": "the request is not valid: /query/t: Field required",
        "hint": "",
        "errors": [{"pointer": "/query/t", "message": "Field required"}],
    }
