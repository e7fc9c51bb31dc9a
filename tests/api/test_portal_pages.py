"""The borrower portal through HTTP: sign-in by code (no enumeration, expired and reused codes
refused), every page, ownership (a borrower sees only their own case), staff kept out, borrowers
kept out of the console, and a preference that the gate obeys at once."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta

import console_data
import pytest
from csrf_forms import carry_token
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fairdebt.services import portal_codes
from fairdebt.services.contact import ContactRequest, ask

Opener = Callable[..., TestClient]
CODE = "424242"


@pytest.fixture(autouse=True)
def known_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(portal_codes, "new_code", lambda: CODE)


def _signed_in_by_code(app: FastAPI, phone: str) -> TestClient:
    browser = carry_token(TestClient(app, follow_redirects=False))
    asked = browser.post("/portal/sign-in", data={"phone": phone})
    assert asked.status_code == 200
    done = browser.post("/portal/sign-in/code", data={"code": CODE})
    assert done.status_code == 303 and done.headers["location"] == "/portal/"
    return carry_token(browser)


def test_sign_in_by_phone_and_code_opens_my_debt(app: FastAPI, portfolio: object) -> None:
    browser = _signed_in_by_code(app, "+8613800020014")  # B0002's number
    page = browser.get("/portal/")
    assert page.status_code == 200
    assert "C-B0002" in page.text and 'data-testid="charges"' in page.text
    assert 'data-testid="channels"' in page.text


def test_the_answer_is_the_same_for_an_unknown_number(app: FastAPI) -> None:
    def answer(phone: str) -> tuple[int, str]:
        browser = carry_token(TestClient(app, follow_redirects=False))
        got = browser.post("/portal/sign-in", data={"phone": phone})
        text = re.sub(r'value="[^"]+"', "", got.text)  # the CSRF tokens differ
        return got.status_code, re.sub(r"\+?\d{11,}", "", text)

    assert answer("+8613800030021") == answer("+8613999999999")
    browser = carry_token(TestClient(app, follow_redirects=False))
    browser.post("/portal/sign-in", data={"phone": "+8613999999999"})
    refused = browser.post("/portal/sign-in/code", data={"code": CODE})
    assert refused.status_code == 401  # no code was sent, none opens anything


def test_a_code_is_single_use_and_expires(app: FastAPI) -> None:
    browser = carry_token(TestClient(app, follow_redirects=False))
    browser.post("/portal/sign-in", data={"phone": "+8613800040028"})
    services = app.state.services
    key = services.settings.secret_key.get_secret_value()
    challenge = browser.cookies  # the session holds the challenge; drive the service instead
    assert challenge
    issued = portal_codes.request_sign_in(
        services.uow(), "+8613800040028", "t", console_data.NOW, key
    )
    later = console_data.NOW + portal_codes.CODE_LIFETIME
    expired = portal_codes.check_code(services.uow(), issued.challenge, CODE, "t", later, key)
    assert expired.status == "expired"
    issued = portal_codes.request_sign_in(
        services.uow(), "+8613800040028", "t", console_data.NOW, key
    )
    first = portal_codes.check_code(
        services.uow(), issued.challenge, CODE, "t", console_data.NOW, key
    )
    again = portal_codes.check_code(
        services.uow(), issued.challenge, CODE, "t", console_data.NOW, key
    )
    assert first.ok and again.status == "used"


def test_every_page_answers_for_the_borrower(open_as: Opener) -> None:
    browser = open_as("borrower")  # B0001, by password (the demo's login)
    for path in (
        "/portal/",
        "/portal/record",
        "/portal/negotiate",
        "/portal/preferences",
        "/portal/guide",
    ):
        page = browser.get(path)
        assert page.status_code == 200, path
        assert "/console/" not in page.text, path  # no staff link on a borrower's page
    export = browser.get("/portal/record.json")
    body = json.loads(export.text)
    assert body["case"] == "C-B0001" and len(body["event_hashes"]) == body["events"]


def test_the_signed_record_is_a_bundle_anyone_can_check(open_as: Opener, app: FastAPI) -> None:
    """Before the case's first checkpoint the page says so (409); after it, the download is the
    case's signed bundle, which verifies with the institution's public key alone."""
    from fairdebt.adapters.signing import generate_key_file
    from fairdebt.services.anchor import make_checkpoint
    from fairdebt.services.bundle import verify_bundle

    services = app.state.services
    browser = open_as("borrower")
    with services.uow() as uow:
        anchored = uow.checkpoints.latest() is not None
    if not anchored:  # the module's database is shared: another test may have signed one
        pending = browser.get("/portal/record.bundle")
        assert pending.status_code == 409
        assert 'data-testid="bundle-notice"' in pending.text
    signer = generate_key_file(services.settings.signing_key_path)
    make_checkpoint(services.uow(), signer, console_data.NOW)

    got = browser.get("/portal/record.bundle")

    assert got.status_code == 200
    assert "attachment" in got.headers["content-disposition"]
    report = verify_bundle(got.content, signer)
    assert report.ok, report.problems
    assert report.case == "C-B0001" and report.events > 0
    assert signer.key_id in browser.get("/portal/record").text
    tampered = got.content.replace(b'"C-B0001"', b'"C-B0002"', 1)
    assert not verify_bundle(tampered, signer).ok


def test_borrower_at_the_console_goes_to_the_portal(open_as: Opener) -> None:
    browser = open_as("borrower")
    for path in ("/", "/console/", "/console/cases/C-B0001"):
        got = browser.get(path)
        assert got.status_code == 303 and got.headers["location"] == "/portal/", path


def test_staff_never_open_the_portal(open_as: Opener) -> None:
    for persona in ("collector", "supervisor"):
        assert open_as(persona).get("/portal/").status_code == 403


def test_anonymous_go_to_the_sign_in(open_as: Opener) -> None:
    got = open_as().get("/portal/record")
    assert got.status_code == 303 and got.headers["location"] == "/portal/sign-in"


def test_no_other_borrowers_case_by_changing_an_id(open_as: Opener) -> None:
    browser = open_as("borrower")
    assert browser.get("/console/cases/C-B0002").status_code == 303  # to the portal
    form = {"account": "A-B0002-1", "kind": "instalment", "count": "3"}
    got = browser.post("/portal/negotiate/preview", data=form)
    assert got.status_code == 422 and "C-B0002" not in got.text


def test_an_inconvenient_time_set_in_the_portal_stops_a_call(app: FastAPI, open_as: Opener) -> None:
    browser = open_as("borrower")
    # NOW is 17:30 in Shanghai
    saved = browser.post("/portal/preferences", data={"start": "17:00", "end": "18:00"})
    assert saved.status_code == 200 and 'data-testid="saved"' in saved.text
    services = app.state.services
    request = ContactRequest(
        "C-B0001", "call", "debtor", "collect", "+8613800010007", "collector", "collector"
    )
    # Both packs hold collectors to it: us-regf's US-TIME-KNOW (12 CFR 1006.6(b)(1)) and cn's
    # FD-TIME.inconvenient (docs/packs/cn-sources.md).
    for pack, rule in (("cn", "FD-TIME.inconvenient"), ("us-regf", "US-TIME-KNOW")):
        asked = ask(services.uow(), request, console_data.NOW, services.packs, pack)
        fired = {r.id for r in asked.decision.rules}
        assert asked.decision.decision.value == "deny" and rule in fired, pack
        later = console_data.NOW + timedelta(hours=2)  # 19:30 local
        again = ask(services.uow(), request, later, services.packs, pack)
        assert rule not in {r.id for r in again.decision.rules}, pack
