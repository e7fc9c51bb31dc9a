"""Bad bodies at the gate's two doors: the command exits 2 with a cause and a hint, the API
answers 422 with a pointer — the same refusal, never a traceback, never a 500."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from gate_io import gate_client, post_gate, run_gate_cli
from gate_requests import request

GOOD = json.dumps(request("2026-03-02T10:00:00+08:00"))


@pytest.fixture(scope="module", params=["fast path", "application"])
def client(request: pytest.FixtureRequest) -> Iterator[TestClient]:
    with gate_client(fast_path=request.param == "fast path") as c:
        yield c


DEEP = {
    "bare": "[" * 1_100 + "]" * 1_100,
    "unclosed": "{" * 5_000,
    "in an unknown field": GOOD[:-1] + ', "extra": ' + '{"a":' * 5000 + "1" + "}" * 5000 + "}",
    "in a known field": GOOD.replace('"bank"', "[" * 100_000 + "]" * 100_000),
}


@pytest.mark.parametrize("name", sorted(DEEP))
def test_a_body_nested_too_deep_is_refused_with_its_depth(client: TestClient, name: str) -> None:
    ran = run_gate_cli(DEEP[name])
    response = post_gate(client, DEEP[name])

    assert ran.returncode == 2
    assert "Traceback" not in ran.stderr
    assert "levels deep; at most 64 are read" in ran.stderr
    assert response.status_code == 422
    assert "levels deep; at most 64 are read" in response.json()["errors"][0]["message"]


TEXT = json.dumps(request("2026-03-02T10:00:00+08:00", collector="催收"), ensure_ascii=False)
READ = {
    "UTF-8": TEXT.encode(),
    "UTF-8 with a BOM": b"\xef\xbb\xbf" + TEXT.encode(),
    "UTF-16 with a BOM": TEXT.encode("utf-16"),
    "UTF-16BE with a BOM": b"\xfe\xff" + TEXT.encode("utf-16-be"),
    "UTF-32 with a BOM": TEXT.encode("utf-32"),
}
REFUSED = {
    "Latin-1": TEXT.replace("催收", "bänk").encode("latin-1"),
    "broken UTF-8": TEXT.encode()[:-12] + b"\xff" + TEXT.encode()[-11:],
    "a BOM then Latin-1": b"\xef\xbb\xbf" + TEXT.replace("催收", "bänk").encode("latin-1"),
}


@pytest.mark.parametrize("name", sorted(READ))
def test_both_doors_read_the_same_encodings(client: TestClient, name: str) -> None:
    expected = post_gate(client, READ["UTF-8"]).text

    ran = run_gate_cli(READ[name])
    response = post_gate(client, READ[name])

    assert (ran.returncode, ran.stdout.strip()) == (0, expected)
    assert (response.status_code, response.text) == (200, expected)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_both_doors_refuse_the_same_encodings_in_the_same_words(
    client: TestClient, name: str
) -> None:
    ran = run_gate_cli(REFUSED[name])
    response = post_gate(client, REFUSED[name])

    assert ran.returncode == 2
    assert response.status_code == 422
    cause = response.json()["error"].removeprefix("the body is not JSON: ")
    assert cause.startswith("not UTF-8 text: byte 0x")
    assert f"the request is not JSON: {cause}" in ran.stderr


@pytest.mark.parametrize("zone", ["x" * 100_000, "a/" * 200, "UTC\x00", "../../etc/passwd"])
def test_an_impossible_time_zone_name_is_pointed_at(client: TestClient, zone: str) -> None:
    body = json.dumps(request("2026-03-02T10:00:00+08:00", timezones=[zone]))

    ran = run_gate_cli(body)
    response = post_gate(client, body)

    assert ran.returncode == 2 and "Traceback" not in ran.stderr, ran.stderr
    assert "/borrower/timezones/0" in ran.stderr
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/borrower/timezones/0"
