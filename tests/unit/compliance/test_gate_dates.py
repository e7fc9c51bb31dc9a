"""Dates at the calendar's ends: every date and instant of a request, in the year 1 or 9999,
is refused at its own pointer (docs/gate.md, "Supported dates"), never a crash — by the reader,
the command (exit 2) and the API (422)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from gate_io import gate_client, post_gate, run_gate_cli
from gate_requests import event, request

from fairdebt.compliance.engine import decide_body
from fairdebt.compliance.errors import GateRequestError
from fairdebt.compliance.pack import builtin_packs
from fairdebt.compliance.request import FIRST_YEAR, LAST_YEAR

NOW = "2026-03-02T10:00:00+08:00"
FAR = (
    "9999-12-31T23:59:59+14:00",
    "9999-12-31T23:59:59Z",
    "9999-12-20T10:00:00-10:00",
    "0001-01-01T00:00:00Z",
    "0001-01-01T10:00:00-10:00",
    "0001-01-08T10:00:00Z",
    "1899-12-31T23:59:59Z",
    "9001-01-01T00:00:00Z",
)
AGENTS = [{"id": "a"}, {"id": "b"}]


def _requests(pack: str, far: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(the pointer that must be named, a request with `far` there and nowhere else)."""
    ok = "2026-03-01T10:00:00+08:00"
    yield "/now", request(far, pack=pack)
    yield "/history/1/at", request(NOW, pack=pack, history=[event(ok), event(far)])
    opt_out = {"channel": "call", "address": "+86 138 0000 0000", "at": far}
    yield "/borrower/opt_outs/0/at", request(NOW, pack=pack, opt_outs=[opt_out])
    consent = {"channel": "call", "given_at": far, "window": ["22:00", "23:00"]}
    yield "/borrower/consents/0/given_at", request(NOW, pack=pack, consents=[consent])
    inconvenient = {"window": ["09:00", "12:00"], "said_at": far}
    yield "/borrower/inconvenient/0/said_at", request(NOW, pack=pack, inconvenient=[inconvenient])
    for field in ("validation_notice_sent_at", "verification_mailed_at", "written_dispute_at"):
        debts = [{"id": "D1", field: far}]
        yield f"/borrower/debts/0/{field}", request(NOW, pack=pack, borrower_debts=debts)
    visit = {"notice_sent_at": far, "approved": True, "agents": AGENTS}
    yield "/attempt/visit/notice_sent_at", request(NOW, pack=pack, channel="visit", visit=visit)


CASES = [
    pytest.param(pack, far, where, raw, id=f"{pack}-{where}-{far}")
    for pack in ("cn", "us-regf")
    for far in FAR
    for where, raw in _requests(pack, far)
]


@pytest.mark.parametrize(("pack", "far", "where", "raw"), CASES)
def test_an_instant_outside_the_supported_years_is_refused_at_its_pointer(
    pack: str, far: str, where: str, raw: dict[str, Any]
) -> None:
    with pytest.raises(GateRequestError) as caught:
        decide_body(json.dumps(raw), packs=builtin_packs())
    assert [p for p, _ in caught.value.errors] == [where]
    assert f"the years {FIRST_YEAR} to {LAST_YEAR}" in caught.value.errors[0][1]


@pytest.mark.parametrize("on_date", ["0001-01-01", "9999-12-31", "1899-12-31", "9001-01-01"])
def test_a_consent_date_outside_the_supported_years_is_refused_at_its_pointer(
    on_date: str,
) -> None:
    consent = {"channel": "call", "given_at": NOW, "on_date": on_date, "window": ["22:00", "23:00"]}
    with pytest.raises(GateRequestError) as caught:
        decide_body(json.dumps(request(NOW, consents=[consent])), packs=builtin_packs())
    assert [p for p, _ in caught.value.errors] == ["/borrower/consents/0/on_date"]


@pytest.mark.parametrize(
    "edge", ["1900-01-01T00:00:00+14:00", "9000-12-31T23:59:59-12:00", "9000-12-31T23:59:59Z"]
)
@pytest.mark.parametrize("pack", ["cn", "us-regf"])
def test_the_supported_years_are_decided_to_their_last_second(edge: str, pack: str) -> None:
    """Every date of the request at an end of the supported range: a decision."""
    consent = {"channel": "call", "given_at": edge, "window": ["22:00", "08:00"]}
    inconvenient = {"window": ["09:00", "12:00"], "said_at": edge}
    raw = request(
        edge,
        pack=pack,
        history=[event(edge)] * 8,
        consents=[consent],
        inconvenient=[inconvenient],
        opt_outs=[{"channel": "sms", "address": "x", "at": edge}],
        borrower_debts=[{"id": "D1", "validation_notice_sent_at": edge}],
        timezones=["Pacific/Kiritimati", "Pacific/Pago_Pago"],
    )
    assert decide_body(json.dumps(raw), packs=builtin_packs()).pack.startswith(pack)
    visit = {"notice_sent_at": edge, "approved": True, "agents": AGENTS}
    raw = request(edge, pack=pack, channel="visit", visit=visit, history=[event(edge)])
    assert decide_body(json.dumps(raw), packs=builtin_packs()).pack.startswith(pack)


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with gate_client() as c:
        yield c


@pytest.mark.parametrize("far", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"])
def test_the_command_and_the_api_name_the_field(client: TestClient, far: str) -> None:
    body = json.dumps(request(NOW, consents=[{"channel": "call", "given_at": far}]))

    ran = run_gate_cli(body)
    response = post_gate(client, body)

    assert ran.returncode == 2, ran.stderr
    assert "/borrower/consents/0/given_at" in ran.stderr
    assert "Traceback" not in ran.stderr
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/borrower/consents/0/given_at"
