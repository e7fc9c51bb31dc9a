"""The field app /field/ over HTTP: who may open what, CSRF, check-in by position, chunks checked
against their SHA-256, photos with consent, the ID card, the notice, check-out with both agents'
signatures and the report PDF."""

from __future__ import annotations

import base64
import hashlib
import io
import shutil
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import console_data
import field_world
import pytest
from csrf_forms import carry_token, csrf_token_of
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fairdebt.adapters.db.engine import make_engine
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.adapters.evidence.fs import FileEvidenceStore
from fairdebt.bootstrap import Services
from fairdebt.services.users import create_user
from fairdebt.settings import load_settings
from fairdebt.web.app import create_app

NOW = datetime(2026, 7, 7, 3, 40, tzinfo=UTC)


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.at = now

    def now(self) -> datetime:
        return self.at


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, field_world.FieldWorld]:
    """Built once per module (a strategy run and argon2 are not free), copied per test."""
    folder = tmp_path_factory.mktemp("field")
    return folder, field_world.build(folder, NOW)


@pytest.fixture
def world(built, tmp_path) -> field_world.FieldWorld:
    folder, original = built
    shutil.copytree(folder, tmp_path, dirs_exist_ok=True)
    return replace(original, url=f"sqlite:///{tmp_path / 'field.db'}")


@pytest.fixture
def app(world, tmp_path) -> FastAPI:
    settings = load_settings(
        database_url=world.url, secret_key="test-secret-key", locale="en", env="test",
        data_dir=tmp_path, timezone=world.zone,
    )  # fmt: skip
    return create_app(Services(settings, clock=FixedClock(NOW)))


@pytest.fixture
def open_as(app: FastAPI) -> Iterator[Callable[..., TestClient]]:
    opened: list[TestClient] = []

    def _open(username: str | None = None, csrf: bool = True) -> TestClient:
        browser = TestClient(app, follow_redirects=False)
        opened.append(browser)
        if username is not None:
            form = {"username": username, "password": console_data.PASSWORD}
            response = browser.post("/login", data=form | {"csrf_token": csrf_token_of(browser)})
            assert response.status_code == 303, response.text
        if csrf:
            carry_token(browser)
        return browser

    yield _open
    for browser in opened:
        browser.close()


def png() -> bytes:
    return field_world.photo_png()


def data_url(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


def chunk(browser: TestClient, visit: str, seq: int, data: bytes, sha: str | None = None):
    return browser.post(
        f"/field/visits/{visit}/audio?seq={seq}",
        content=data,
        headers={
            "Content-Type": "audio/webm;codecs=opus",
            "X-Chunk-SHA256": sha or hashlib.sha256(data).hexdigest(),
        },
    )


def checked_in(browser: TestClient, world) -> None:
    lat, lon = world.place
    response = browser.post(f"/field/visits/{world.mine}/check-in", json={"lat": lat, "lon": lon})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "checked_in"


def events(world, kind: str) -> list:
    engine = make_engine(world.url)
    with SqlUnitOfWork(engine) as uow:
        visit = uow.visits.get(world.mine)
        found = [e for e in uow.events.events(visit.case_id) if e.type == kind]
    engine.dispose()
    return found


# --- who may open what ------------------------------------------------------------------------


def routes(world) -> list[tuple[str, str]]:
    v = world.mine
    return [
        ("GET", "/field/"),
        ("GET", "/field/sw.js"),
        ("GET", f"/field/visits/{v}"),
        ("GET", f"/field/visits/{v}/agents/u/photo"),
        ("GET", f"/field/visits/{v}/report.pdf"),
        ("POST", f"/field/visits/{v}/check-in"),
        ("POST", f"/field/visits/{v}/audio?seq=0"),
        ("POST", f"/field/visits/{v}/photos"),
        ("POST", f"/field/visits/{v}/show-id"),
        ("POST", f"/field/visits/{v}/contacts"),
        ("POST", f"/field/visits/{v}/notice"),
        ("POST", f"/field/visits/{v}/check-out"),
    ]


@pytest.mark.parametrize("persona", ["collector", "supervisor", "east", "borrower"])
def test_every_route_refuses_other_roles(open_as, world, persona) -> None:
    browser = open_as(persona)
    for method, path in routes(world):
        response = browser.request(method, path, json={})
        assert response.status_code == 403, (persona, method, path, response.status_code)


def test_anonymous_goes_to_sign_in(open_as, world) -> None:
    browser = open_as()
    for method, path in routes(world):
        response = browser.request(method, path, json={})
        if method == "GET":
            assert response.status_code == 303 and "/login" in response.headers["location"]
        else:
            assert response.status_code in (303, 403), (path, response.status_code)


def test_the_other_team_sees_nothing_of_the_visit(open_as, world) -> None:
    browser = open_as("fieldagent3")
    day = browser.get("/field/")
    assert day.status_code == 200 and world.theirs in day.text and world.mine not in day.text
    for method, path in routes(world)[2:]:
        response = browser.request(method, path, json={})
        assert response.status_code == 404, (method, path, response.status_code)


def test_posts_need_the_csrf_token(open_as, world) -> None:
    browser = open_as("fieldagent", csrf=False)
    for method, path in routes(world):
        if method == "POST":
            assert browser.post(path, json={}).status_code == 403, path


def test_a_field_agent_is_sent_home_to_the_field_app(open_as) -> None:
    assert open_as("fieldagent").get("/").headers["location"] == "/field/"


# --- the day's list ---------------------------------------------------------------------------


def test_the_day_lists_the_teams_visit_with_the_essentials_only(open_as, world) -> None:
    page = open_as("fieldagent").get("/field/")
    assert page.status_code == 200
    text = page.text
    engine = make_engine(world.url)
    with SqlUnitOfWork(engine) as uow:
        visit = uow.visits.get(world.mine)
        task = uow.tasks.contact_task(visit.task_id)
    engine.dispose()
    assert visit.address in text  # in full: the agent must find the door
    assert world.zone in text and visit.window_start in text
    assert "Fieldagent2 测试" in text  # the other agent
    assert visit.case_id not in text and "…" + visit.case_id[-4:] in text
    assert task.name not in text and (task.phones or "").split(";")[0] not in text
    assert world.theirs not in text


# --- check-in ---------------------------------------------------------------------------------


def test_check_in_far_from_the_address_is_refused_and_logged(open_as, world) -> None:
    browser = open_as("fieldagent")
    lat, lon = world.place
    response = browser.post(
        f"/field/visits/{world.mine}/check-in", json={"lat": lat + 0.05, "lon": lon}
    )
    assert response.status_code == 400
    assert "from the approved address" in response.json()["error"]
    (refused,) = events(world, "visit_check_in_refused")
    assert refused.data["distance_m"] > 5_000


@pytest.mark.parametrize("body", [{"lat": "x", "lon": 1}, {"lat": 91, "lon": 0}, {}, []])
def test_check_in_with_no_position_is_a_plain_refusal(open_as, world, body) -> None:
    response = open_as("fieldagent").post(f"/field/visits/{world.mine}/check-in", json=body)
    assert response.status_code == 400 and response.json()["error"]


# --- the recording ----------------------------------------------------------------------------


def test_chunks_are_checked_against_their_hash(open_as, world) -> None:
    browser = open_as("fieldagent")
    before = chunk(browser, world.mine, 0, b"audio-0")
    assert before.status_code == 400 and "checked_in" not in before.text  # not at the door
    checked_in(browser, world)
    wrong = chunk(browser, world.mine, 0, b"audio-0", sha=hashlib.sha256(b"other").hexdigest())
    assert wrong.status_code == 400 and "do not match" in wrong.json()["error"]
    engine = make_engine(world.url)
    with SqlUnitOfWork(engine) as uow:
        assert uow.visit_media.listing(world.mine) == []  # nothing stored
    first = chunk(browser, world.mine, 0, b"audio-0")
    assert first.status_code == 200 and first.json()["again"] is False
    again = chunk(browser, world.mine, 0, b"audio-0")  # a retry after a lost answer
    assert again.status_code == 200 and again.json()["again"] is True
    clash = chunk(browser, world.mine, 0, b"audio-X")
    assert clash.status_code == 400
    assert chunk(browser, world.mine, 2, b"audio-2").status_code == 200
    for bad in (-1, 10**9):
        assert chunk(browser, world.mine, bad, b"a").status_code == 400
    nul = browser.post(
        f"/field/visits/{world.mine}/audio?seq=5", content=b"x",
        headers={"Content-Type": "audio/webm\x00",
                 "X-Chunk-SHA256": hashlib.sha256(b"x").hexdigest()},
    )  # fmt: skip
    assert nul.status_code == 400
    with SqlUnitOfWork(engine) as uow:
        stored = uow.visit_media.listing(world.mine, "audio_chunk")
    engine.dispose()
    assert [m.seq for m in stored] == [0, 2]
    assert events(world, "visit_media_manifest") == []  # no event per chunk


def test_a_photo_inside_a_home_needs_consent(open_as, world) -> None:
    browser = open_as("fieldagent")
    checked_in(browser, world)
    url = f"/field/visits/{world.mine}/photos"
    files = {"photo": ("p.png", io.BytesIO(png()), "image/png")}
    refused = browser.post(url, files=files, data={"inside_home": "on"})
    assert refused.status_code == 400 and "consent" in refused.json()["error"]
    files = {"photo": ("p.png", io.BytesIO(png()), "image/png")}
    ok = browser.post(url, files=files, data={"inside_home": "on", "consent": "on"})
    assert ok.status_code == 200, ok.text
    text = {"photo": ("p.txt", io.BytesIO(b"not an image"), "text/plain")}
    assert browser.post(url, files=text).status_code == 400


# --- at the door, then check-out --------------------------------------------------------------


def test_a_whole_visit_ends_with_the_signed_report(open_as, world, tmp_path, fairdebt) -> None:
    browser = open_as("fieldagent")
    checked_in(browser, world)
    for seq in range(3):
        assert chunk(browser, world.mine, seq, f"audio-{seq}".encode()).status_code == 200
    card = browser.post(f"/field/visits/{world.mine}/show-id").json()
    assert len(card["code"]) == 9 and [a["certificate_no"] for a in card["agents"]] == [
        "CERT-FIELDAGENT",
        "CERT-FIELDAGENT2",
    ]
    photo = browser.get(card["agents"][0]["photo"].replace("http://testserver", ""))
    assert photo.status_code == 200 and photo.content.startswith(b"\x89PNG")
    verify = browser.post("/verify", data={"code": card["code"]})
    assert "Fieldagent2 测试" in verify.text
    # the borrower at the door sees both agents, their certificates and photos, and that they
    # are checked in at the approved address now
    assert verify.text.count('data-testid="verify-agent"') == 2
    assert "CERT-FIELDAGENT2" in verify.text and 'src="data:image/png;base64,' in verify.text
    assert 'data-here="true"' in verify.text and 'data-testid="verify-window"' in verify.text
    contacts = browser.post(
        f"/field/visits/{world.mine}/contacts", json={"phone": "13900001111", "address": ""}
    )
    assert contacts.status_code == 200, contacts.text
    bad_signer = {
        "document": "collection_notice",
        "signer": "neighbour",
        "signature": data_url(png()),
    }
    assert browser.post(f"/field/visits/{world.mine}/notice", json=bad_signer).status_code == 400
    signed = bad_signer | {"signer": "debtor"}
    assert browser.post(f"/field/visits/{world.mine}/notice", json=signed).status_code == 200
    (demand,) = events(world, "demand_delivered")
    assert demand.data["signed_by"] == "debtor" and demand.data["on"] == world.day.isoformat()
    report = {
        "outcome": "borrower_present",
        "arrears_reason": "失业",
        "ability": "partial",
        "willingness": "willing",
        "promise_amount": "500.00",
        "promise_due": "2026-07-20",
        "promise_channel": "lender_app",
        "notes": "借款人说可以给我现金",
        "signature": data_url(png()),
        "second_username": "fieldagent2",
        "second_password": "wrong",
        "second_signature": data_url(png()),
    }
    wrong = browser.post(f"/field/visits/{world.mine}/check-out", json=report)
    assert wrong.status_code == 400 and "password" in wrong.json()["error"]
    self_sign = report | {"second_username": "fieldagent", "second_password": console_data.PASSWORD}
    assert browser.post(f"/field/visits/{world.mine}/check-out", json=self_sign).status_code == 400
    other = report | {"second_username": "fieldagent3", "second_password": console_data.PASSWORD}
    assert browser.post(f"/field/visits/{world.mine}/check-out", json=other).status_code == 400
    assert events(world, "visit_checked_out") == []  # nothing half-written
    done = browser.post(
        f"/field/visits/{world.mine}/check-out",
        json=report | {"second_password": console_data.PASSWORD},
    )
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["status"] == "reported" and "现金" in body["money_alert"]
    assert body["gaps"] == []
    pdf = browser.get(f"/field/visits/{world.mine}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    (signed_event,) = events(world, "visit_report_signed")
    assert signed_event.data["sha256"] == hashlib.sha256(pdf.content).hexdigest()
    assert signed_event.data["signed_by"] == ["fieldagent", "fieldagent2"]
    (manifest,) = events(world, "visit_media_manifest")
    assert manifest.data["audio_chunks"] == 3
    assert len(events(world, "visit_money_alert")) == 1
    assert len(events(world, "promise_recorded")) == 1
    after = chunk(browser, world.mine, 3, b"late")
    assert after.status_code == 400  # checked out: nothing more is recorded
    assert open_as("fieldagent3").get(f"/field/visits/{world.mine}/report.pdf").status_code == 404
    gone = open_as().post("/verify", data={"code": card["code"]})  # checked out: not here now
    assert 'data-here="false"' in gone.text
    # the same signed PDF from the command line, checked against its hash
    env = {"FAIRDEBT_DATABASE_URL": world.url, "FAIRDEBT_DATA_DIR": str(tmp_path),
           "FAIRDEBT_SECRET_KEY": "test-secret-key", "FAIRDEBT_TIMEZONE": world.zone}  # fmt: skip
    out = tmp_path / "report.pdf"
    got = fairdebt("visits", "report", world.mine, "--out", str(out), "--json", env=env)
    assert got.returncode == 0, got.stderr
    assert out.read_bytes() == pdf.content
    missing = fairdebt("visits", "report", "V-NONE", env=env)
    assert (
        missing.returncode == 2
        and "no visit" in missing.stderr
        and "Traceback" not in missing.stderr
    )


# --- the signed report in both languages ------------------------------------------------------


def checked_out(browser: TestClient, world) -> dict:
    """A visit checked in and out with both agents' signatures (the least a report needs)."""
    checked_in(browser, world)
    report = {
        "outcome": "borrower_present",
        "arrears_reason": "失业",
        "ability": "partial",
        "willingness": "willing",
        "signature": data_url(png()),
        "second_username": "fieldagent2",
        "second_password": console_data.PASSWORD,
        "second_signature": data_url(png()),
    }
    done = browser.post(f"/field/visits/{world.mine}/check-out", json=report)
    assert done.status_code == 200, done.text
    return done.json()


def pdf_text(pdf: bytes) -> str:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        return "".join(page.get_textpage().get_text_range() for page in doc)
    finally:
        doc.close()


def test_the_report_is_kept_in_both_languages(open_as, world, tmp_path, fairdebt) -> None:
    browser = open_as("fieldagent")  # the page in English
    body = checked_out(browser, world)
    (signed,) = events(world, "visit_report_signed")
    reports = signed.data["reports"]
    assert set(reports) == {"zh-CN", "en"} and reports["zh-CN"] != reports["en"]
    assert signed.data["language"] == "en" and signed.data["report"] == reports["en"]
    assert body["report"] == reports["en"]  # the old field: the page's language
    page_pdf = browser.get(f"/field/visits/{world.mine}/report.pdf").content
    assert "sha256:" + hashlib.sha256(page_pdf).hexdigest() == reports["en"]
    env = {"FAIRDEBT_DATABASE_URL": world.url, "FAIRDEBT_DATA_DIR": str(tmp_path),
           "FAIRDEBT_SECRET_KEY": "test-secret-key", "FAIRDEBT_TIMEZONE": world.zone}  # fmt: skip
    headings = {"zh-CN": "上门催收外访报告", "en": "Field visit report"}
    for language, heading in headings.items():
        out = tmp_path / f"report-{language}.pdf"
        got = fairdebt(
            "visits", "report", world.mine, "--out", str(out), "--locale", language, env=env
        )
        assert got.returncode == 0, got.stderr
        data = out.read_bytes()
        assert "sha256:" + hashlib.sha256(data).hexdigest() == reports[language]
        text = "".join(pdf_text(data).split())  # the title is letter-spaced
        assert heading.replace(" ", "") in text and "FIELDAGENT2" in text
        other = next(h for lang, h in headings.items() if lang != language)
        assert other not in text
    unknown = fairdebt("visits", "report", world.mine, "--locale", "fr", env=env)
    assert unknown.returncode == 2 and "fr" in unknown.stderr and "Traceback" not in unknown.stderr


def test_an_altered_report_is_refused_not_written(open_as, world, tmp_path, fairdebt) -> None:
    checked_out(open_as("fieldagent"), world)
    (signed,) = events(world, "visit_report_signed")
    stored = FileEvidenceStore(tmp_path / "evidence").path_of(signed.data["reports"]["zh-CN"])
    stored.chmod(0o600)  # kept read-only
    stored.write_bytes(b"%PDF-1.7 forged")
    env = {"FAIRDEBT_DATABASE_URL": world.url, "FAIRDEBT_DATA_DIR": str(tmp_path),
           "FAIRDEBT_SECRET_KEY": "test-secret-key", "FAIRDEBT_TIMEZONE": world.zone}  # fmt: skip
    out = tmp_path / "forged.pdf"
    got = fairdebt("visits", "report", world.mine, "--locale", "zh-CN", "--out", str(out), env=env)
    assert got.returncode == 2 and "altered" in got.stderr and "Traceback" not in got.stderr
    assert not out.exists()
    fine = fairdebt("visits", "report", world.mine, "--locale", "en", "--out", str(out), env=env)
    assert fine.returncode == 0, fine.stderr


def test_oversight_downloads_the_signed_report_from_the_console(open_as, world) -> None:
    url = f"/console/visits/{world.mine}/report.pdf"
    supervisor = open_as("supervisor")
    assert supervisor.get(url).status_code == 404  # not reported yet
    checked_out(open_as("fieldagent"), world)
    (signed,) = events(world, "visit_report_signed")
    engine = make_engine(world.url)
    create_user(SqlUnitOfWork(engine), "compliance", password=console_data.PASSWORD,
                display_name="Compliance 测试", role="compliance")  # fmt: skip
    engine.dispose()
    for persona in ("supervisor", "compliance", "fieldagent", "fieldagent2"):
        for language in ("zh-CN", "en"):
            got = open_as(persona).get(url, params={"lang": language})
            assert got.status_code == 200, (persona, got.text)
            assert got.headers["content-type"] == "application/pdf"
            assert "attachment" in got.headers["content-disposition"]
            digest = "sha256:" + hashlib.sha256(got.content).hexdigest()
            assert digest == signed.data["reports"][language]
    assert open_as("fieldagent3").get(url).status_code == 404  # another team's agent
    assert open_as("collector").get(url).status_code == 403
    assert open_as().get(url).status_code in (302, 303, 307)  # to the sign-in
    assert supervisor.get(url, params={"lang": "fr"}).status_code == 422
    assert supervisor.get(f"/console/visits/{world.theirs}/report.pdf").status_code == 404
    page = supervisor.get("/console/visits/scheduled")
    assert page.status_code == 200
    assert f'{url}?lang=zh-CN"' in page.text and f'{url}?lang=en"' in page.text
