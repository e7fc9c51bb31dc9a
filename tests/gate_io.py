"""The gate's two doors, for tests that send it bodies: `POST /api/v1/gate/check` (TestClient on
create_app, with or without the gate's fast path in front) and `fairdebt gate` in process.

Every test that posts to the gate goes through `post_gate`, so what a request carries besides
its body (headers) is decided here once.
"""

from __future__ import annotations

import io
import sys
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
from fastapi.testclient import TestClient

from fairdebt.bootstrap import Services
from fairdebt.settings import load_settings
from fairdebt.web.api.gate import GateFastPath
from fairdebt.web.app import create_app

GATE_URL = "/api/v1/gate/check"


@contextmanager
def gate_client(*, fast_path: bool = True) -> Iterator[TestClient]:
    """A client of the application as uvicorn serves it (the gate's fast path in front), or of
    the application alone (`fast_path=False`)."""
    import tempfile

    from bearer import bearer_for

    with tempfile.TemporaryDirectory() as data_dir:  # its own database: tokens live there
        services = Services(load_settings(env="test", data_dir=data_dir, database_url=None))
        app = create_app(services)
        with TestClient(GateFastPath(app) if fast_path else app) as client:
            client.headers.update(bearer_for(services))  # every /api/v1 route wants a token
            yield client
        services.close()


def gate_headers(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The headers every gate request carries (and `extra`)."""
    return {"content-type": "application/json", **(extra or {})}


def post_gate(
    client: TestClient | httpx.Client,
    body: bytes | str,
    *,
    url: str = GATE_URL,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """POST `body` as it is (no re-encoding) to the gate."""
    content = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    return client.post(url, content=content, headers=gate_headers(headers))


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def run_gate_cli(body: bytes | str) -> Ran:
    """`fairdebt gate` in process with `body` on stdin (fairdebt.cli.main, as `python -m
    fairdebt` runs it). An exception escaping main is printed as the interpreter would print it
    (a Traceback, exit 1), so a test can assert there is none."""
    from fairdebt.cli import main

    data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    stderr = io.StringIO()
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = stdin, stdout, stderr
    try:
        main(["gate"])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # what the interpreter would print
        stderr.write(traceback.format_exc())
        code = 1
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
    stdout.flush()
    out = stdout.buffer.getvalue().decode("utf-8", "replace")  # type: ignore[attr-defined]
    return Ran(code, out, stderr.getvalue())
