"""The portal's complaints, collector check, record PDF, withdrawn windows and guide, through
HTTP: a complaint about one of my contacts with a photo places its hold and shows its
deadlines; another borrower's contact, a tampered form, a disguised file or a too large one are
refused with nothing written; a verify code or a certificate says whether the collector is on
my case; an impostor report lands on the case."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

import console_data
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fairdebt.domain.events import NewEvent
from fairdebt.services import verify
from fairdebt.services.contact import ContactRequest, ask
from fairdebt.services.ports.visits import FieldAgent, Team, Visit
from fairdebt.services.users import Role, create_user, get_user_by_name

Opener = Callable[..., TestClient]
NOW = console_data.NOW
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


def _contact(app: FastAPI, case_id: str, channel: str = "call") -> int:
    services = app.state.services
    data = {
        "channel": channel,
        "direction": "out",
        "outcome": "conversation",
        "collector": "c1",
        "party": "debtor",
        "at": (NOW - timedelta(days=2)).isoformat(),
    }
    with services.uow() as uow:
        event = uow.events.append(case_id, NewEvent("contact_recorded", "collector", data), NOW)
        uow.commit()
    return int(event.seq)


def _complaints(app: FastAPI, case_id: str) -> list[object]:
    with app.state.services.uow() as uow:
        return [e for e in uow.events.events(case_id) if e.type.startswith("complaint_")]


def _holds(app: FastAPI, case_id: str) -> object:
    with app.state.services.uow() as uow:
        return uow.cases.get(case_id).holds  # type: ignore[union-attr]


def test_a_complaint_about_my_contact_with_a_photo(app: FastAPI, open_as: Opener) -> None:
    seq = _contact(app, "C-B0001")
    browser = open_as("borrower")
    page = browser.get(f"/portal/complaints?seq={seq}")
    assert page.status_code == 200 and f'value="contact:{seq}" selected' in page.text
    assert "12378" in page.text and "110" in page.text
    form = {"target": f"contact:{seq}", "text": "他在晚上十一点打来，还骂人。"}
    files = [("evidence", ("shot.jpg", JPEG, "image/jpeg")), ("evidence", ("p.png", PNG, ""))]
    got = browser.post("/portal/complaints", data=form, files=files)
    assert got.status_code == 200, got.text
    assert 'data-testid="filed"' in got.text and 'data-testid="complaint"' in got.text
    assert "Collection is paused" in got.text or "暂停" in got.text
    filed = _complaints(app, "C-B0001")[-1]
    assert filed.data["contact_seq"] == seq and len(filed.data["attachments"]) == 2
    assert "complaint" in str(_holds(app, "C-B0001"))
    for ref in filed.data["attachments"]:
        assert app.state.services.evidence.check(ref) == "ok"


def test_another_borrowers_contact_or_a_tampered_form_is_refused(
    app: FastAPI, open_as: Opener
) -> None:
    theirs = _contact(app, "C-B0002")
    before = len(_complaints(app, "C-B0001")), len(_complaints(app, "C-B0002"))
    browser = open_as("borrower")
    for target in (f"contact:{theirs}", "contact:abc", "visit:1", "contact:99999999999", "x"):
        got = browser.post("/portal/complaints", data={"target": target, "text": "不是我的"})
        assert got.status_code == 422, target
        assert 'data-testid="error"' in got.text
    mine = _contact(app, "C-B0001")
    tampered = {"target": "debt", "kind": "conduct\x00", "text": "x"}
    assert browser.post("/portal/complaints", data=tampered).status_code == 422
    nul = {"target": f"contact:{mine}", "text": "bad\x00text"}
    assert browser.post("/portal/complaints", data=nul).status_code == 422
    after = len(_complaints(app, "C-B0001")), len(_complaints(app, "C-B0002"))
    assert after == before


def test_a_disguised_or_too_large_file_is_refused_and_nothing_kept(
    app: FastAPI, open_as: Opener
) -> None:
    browser = open_as("borrower")
    before = len(_complaints(app, "C-B0001"))
    form = {"target": "debt", "kind": "amount", "text": "金额不对"}
    script = [("evidence", ("x.jpg", b"#!/bin/sh\nrm -rf /\n", "image/jpeg"))]
    got = browser.post("/portal/complaints", data=form, files=script)
    assert got.status_code == 422
    lying = [("evidence", ("x.png", JPEG, "image/png"))]  # a JPEG claimed to be a PNG
    assert browser.post("/portal/complaints", data=form, files=lying).status_code == 422
    limit = app.state.services.settings.portal_attachment_max_bytes
    huge = [("evidence", ("big.jpg", JPEG + b"\x00" * limit, "image/jpeg"))]
    assert browser.post("/portal/complaints", data=form, files=huge).status_code == 422
    many = [("evidence", (f"{i}.jpg", JPEG, "image/jpeg")) for i in range(6)]
    assert browser.post("/portal/complaints", data=form, files=many).status_code == 422
    assert len(_complaints(app, "C-B0001")) == before


def test_a_dispute_of_the_amount_shows_its_hold_and_deadlines(
    app: FastAPI, open_as: Opener
) -> None:
    browser = open_as("borrower")
    form = {"target": "debt", "kind": "amount", "text": "利息算错了"}
    got = browser.post("/portal/complaints", data=form)
    assert got.status_code == 200 and "dispute" in str(_holds(app, "C-B0001"))
    assert "15" in got.text or "14" in got.text  # days left to answer


def _agent(app: FastAPI, name: str, cert: str) -> str:
    services = app.state.services
    uow = services.uow()
    user = get_user_by_name(uow, name) or create_user(
        uow, name, Role.FIELD_AGENT, "pw-12345678", name.title()
    )
    with uow:
        if uow.field_agents.get(user.id) is None:
            uow.field_agents.add(FieldAgent(user.id, cert, "NIFA", date(2027, 1, 1), NOW))
        uow.commit()
    return user.id


def test_verify_a_collector_by_code_and_certificate(app: FastAPI, open_as: Opener) -> None:
    services = app.state.services
    a1, a2 = _agent(app, "agent_one", "CERT-0001"), _agent(app, "agent_two", "CERT-0002")
    _agent(app, "agent_far", "CERT-0003")
    with services.uow() as uow:
        uow.teams.add(
            Team("T-P", "Portal team", (a1, a2), 31.2, 121.4, "base", 5, "09:00", "18:00", NOW)
        )
        uow.visits.add(
            Visit("V-P1", "C-B0001", None, "checked_in", "addr", "city", NOW, NOW, team_id="T-P")
        )
        uow.commit()
    collector = get_user_by_name(services.uow(), "collector")
    assert collector is not None
    code = verify.issue(services.uow(), "C-B0001", collector, None, NOW)
    other = verify.issue(services.uow(), "C-B0002", collector, None, NOW)
    browser = open_as("borrower")
    mine = browser.post("/portal/collector", data={"query": code})
    assert 'data-status="valid"' in mine.text and 'data-mine="true"' in mine.text
    theirs = browser.post("/portal/collector", data={"query": f"https://x.cn/verify?code={other}"})
    assert 'data-mine="false"' in theirs.text and "C-B0002" not in theirs.text
    cert = browser.post("/portal/collector", data={"query": "cert-0001"})
    assert 'data-mine="true"' in cert.text and 'data-testid="collector-visiting"' in cert.text
    assert "Agent_One" in cert.text or "Agent_one" in cert.text
    far = browser.post("/portal/collector", data={"query": "CERT-0003"})
    assert 'data-mine="false"' in far.text
    unknown = browser.post("/portal/collector", data={"query": "ZZZZ-ZZZZ"})
    assert 'data-status="unknown"' in unknown.text


def test_an_impostor_report_lands_on_the_case(app: FastAPI, open_as: Opener) -> None:
    browser = open_as("borrower")
    form = {"how": "visit", "when": "今天下午", "said_name": "王某", "said_code": "ABCD-EFGH",
            "story": "自称催收员，要我现金还款。"}  # fmt: skip
    got = browser.post("/portal/collector/impostor", data=form)
    assert got.status_code == 200 and 'data-testid="reported"' in got.text
    with app.state.services.uow() as uow:
        reported = [e for e in uow.events.events("C-B0001") if e.type == "impostor_reported"]
    assert reported[-1].data["said_name"] == "王某" and reported[-1].data["code_check"] == "unknown"
    bad = browser.post("/portal/collector/impostor", data=form | {"how": "telepathy"})
    assert bad.status_code == 422
    desk = open_as("supervisor").get("/console/desk/alerts")  # a desk role sees it
    assert desk.status_code == 200 and "C-B0001" in desk.text and "王某" in desk.text
    assert open_as("collector").get("/console/desk/alerts").status_code == 403


def test_the_record_as_pdf_and_the_guide_without_braces(open_as: Opener) -> None:
    browser = open_as("borrower")
    pdf = browser.get("/portal/record.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-type"] == "application/pdf"
    for lang in ("zh-CN", "en"):
        guide = browser.get(f"/portal/guide?lang={lang}")
        assert guide.status_code == 200
        assert "{" not in guide.text.split('data-testid="visit-answer"')[1]


def test_staff_and_strangers_stay_out(open_as: Opener) -> None:
    for path in ("/portal/complaints", "/portal/collector", "/portal/record.pdf"):
        assert open_as("collector").get(path).status_code == 403
        assert open_as().get(path).status_code == 303


@pytest.mark.parametrize("pack", ["cn", "us-regf"])
def test_a_removed_window_no_longer_stops_a_call(app: FastAPI, open_as: Opener, pack: str) -> None:
    browser = open_as("borrower")
    browser.post("/portal/preferences", data={"start": "17:00", "end": "18:00"})
    services = app.state.services
    with services.uow() as uow:
        windows = [e.seq for e in uow.events.events("C-B0001") if e.type == "portal_preferences"]
    page = browser.get("/portal/preferences")
    assert page.text.count('data-testid="remove-window"') >= 1
    for seq in windows:
        browser.post("/portal/preferences/remove", data={"seq": str(seq)})
    assert 'data-testid="remove-window"' not in browser.get("/portal/preferences").text
    refused = browser.post("/portal/preferences/remove", data={"seq": str(windows[0])})
    assert refused.status_code == 422
    request = ContactRequest(
        "C-B0001", "call", "debtor", "collect", "+8613800010007", "collector", "collector"
    )
    asked = ask(services.uow(), request, NOW + timedelta(days=30), services.packs, pack)
    fired = {r.id for r in asked.decision.rules}
    assert not fired & {"FD-TIME.inconvenient", "US-TIME-KNOW"}


def test_sign_in_by_the_letters_link_and_code(app: FastAPI) -> None:
    from csrf_forms import carry_token

    from fairdebt.services import portal_codes

    services = app.state.services
    key = services.settings.secret_key.get_secret_value()
    token, code = portal_codes.issue_letter_code(services.uow(), "C-B0004", NOW, key)
    assert len(code) == 9 and code[4] == "-"
    browser = carry_token(TestClient(app, follow_redirects=False))
    opened = browser.get(f"/portal/letter/{token}")
    assert opened.status_code == 303 and opened.headers["location"] == "/portal/letter"
    carry_token(browser)
    wrong = browser.post("/portal/letter", data={"code": "2222-2222"})
    assert wrong.status_code == 401
    typed = code.replace("-", " ").lower()
    done = browser.post("/portal/letter", data={"code": typed})
    assert done.status_code == 303 and done.headers["location"] == "/portal/"
    assert "C-B0004" in carry_token(browser).get("/portal/").text
    # once only; and the code without the link opens nothing
    again = carry_token(TestClient(app, follow_redirects=False))
    again.get(f"/portal/letter/{token}")
    carry_token(again)
    assert again.post("/portal/letter", data={"code": code}).status_code == 401
    bare = carry_token(TestClient(app, follow_redirects=False))
    assert bare.post("/portal/letter", data={"code": code}).status_code == 401


def test_extremes_are_refused_plainly(app: FastAPI, open_as: Opener) -> None:
    browser = open_as("borrower")
    with app.state.services.uow() as uow:
        before = len(uow.events.events("C-B0001"))
    huge = {"how": "call", "story": "x" * 100_000}
    assert browser.post("/portal/collector/impostor", data=huge).status_code == 422
    nul = {"how": "call", "story": "a\x00b"}
    assert browser.post("/portal/collector/impostor", data=nul).status_code == 422
    for query in ("9" * 30, "\x00", "https://evil.example/?cert=" + "A" * 5000, "year 9999"):
        got = browser.post("/portal/collector", data={"query": query})
        assert got.status_code == 200 and 'data-status="unknown"' in got.text, query
    for seq in ("10" * 15, "-1", "1e30", "9999999999999999999999"):
        got = browser.post("/portal/preferences/remove", data={"seq": seq})
        assert got.status_code == 422, seq
    bad = {"target": "debt", "kind": "amount", "text": "x" * 5001}
    assert browser.post("/portal/complaints", data=bad).status_code == 422
    with app.state.services.uow() as uow:
        assert len(uow.events.events("C-B0001")) == before
    anonymous = open_as()
    assert anonymous.get("/portal/letter/..%2F..%2Fetc").status_code in (303, 404)
    assert anonymous.get("/portal/letter/" + "A" * 500).status_code == 303
    assert anonymous.post("/portal/letter", data={"code": "AAAA-AAAA"}).status_code == 401


def test_guessing_codes_in_the_portal_is_limited_like_verify(app: FastAPI, open_as: Opener) -> None:
    collector = get_user_by_name(app.state.services.uow(), "collector")
    assert collector is not None
    real = verify.issue(app.state.services.uow(), "C-B0001", collector, None, NOW)
    browser = open_as("borrower")
    limit = app.state.services.settings.verify_client_failures
    statuses = [
        browser.post(
            "/portal/collector", data={"query": f"ZZZZ-{n:04d}".replace("0", "Z")}
        ).status_code
        for n in range(limit + 1)
    ]  # the module's other tests may have spent some of this borrower's allowance already
    assert 429 in statuses and statuses.index(429) <= limit
    assert set(statuses[: statuses.index(429)]) <= {200}
    locked = browser.post("/portal/collector", data={"query": real})
    assert locked.status_code == 429  # locked: not looked up, even for a real code
    assert 'data-status="valid"' not in locked.text


def test_the_guide_names_the_day_window_and_agents_of_a_noticed_visit(
    app: FastAPI, open_as: Opener
) -> None:
    services = app.state.services
    browser = open_as("borrower")
    before = browser.get("/portal/guide?lang=en").text
    assert 'data-door="none"' in before  # no notice sent: the rules, as before
    day = NOW.date() + timedelta(days=2)
    a1, a2 = _agent(app, "guide_one", "CERT-G001"), _agent(app, "guide_two", "CERT-G002")
    with services.uow() as uow:
        uow.teams.add(
            Team("T-G", "Guide team", (a1, a2), 31.2, 121.4, "base", 5, "09:00", "18:00", NOW)
        )
        planned = Visit(
            "V-G1", "C-B0001", None, "scheduled", "addr", "city", NOW, NOW, visit_date=day,
            team_id="T-G", window_start="10:00", window_end="12:00",
        )  # fmt: skip
        uow.visits.add(planned)
        uow.commit()
    assert 'data-door="none"' in browser.get("/portal/guide").text  # planned, not yet noticed
    with services.uow() as uow:
        noticed = replace(planned, status="noticed", notice_at=NOW)
        assert uow.visits.update(noticed, "scheduled")
        uow.commit()

    english = browser.get("/portal/guide?lang=en").text
    chinese = browser.get("/portal/guide?lang=zh-CN").text

    for page in (english, chinese):
        assert 'data-door="noticed"' in page and day.isoformat() in page
        assert "10:00" in page and "12:00" in page
        assert "Guide_One" in page and "Guide_Two" in page and 'href="' in page
        assert 'data-testid="visit-verify"' in page and "/verify" in page
    assert "will visit on" in english and "上门" in chinese
    with services.uow() as uow:  # the visit over: the guide goes back to the rules
        assert uow.visits.update(replace(noticed, status="reported"), "noticed")
        uow.commit()
    assert 'data-door="none"' in browser.get("/portal/guide").text
