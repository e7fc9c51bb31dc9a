"""The field-visit pages (/console/visits/) role by role: who sees and who changes what, CSRF on
every form, many candidates approved with one reason, an empty reason refused with nothing
written, the gate's refusal shown in the page's language, the day's plan, notices, agents and
teams with the service's refusals.

The console portfolio (tests/console_data.py) with its unplaced cases given to the collector, a
real strategy run of the shipped ladder on its as_of and that run dispatched: its M3 cases of
DPD ≥ 30 make eight open `field_visit` tasks due 2026-07-07. The app's clock is 2026-06-30.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import console_data
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from fairdebt.adapters.db.engine import make_engine
from fairdebt.adapters.db.tables import cases as t_cases
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.adapters.db.visit_tables import field_agents, field_teams, visits
from fairdebt.adapters.db.worklist_tables import tasks
from fairdebt.bootstrap import Services
from fairdebt.domain.case import Assignee, AssigneeKind, Hold
from fairdebt.services.users import create_user
from fairdebt.services.worklist import dispatch
from fairdebt.settings import load_settings
from fairdebt.strategy.run import RunOptions, run_strategy
from fairdebt.web.app import create_app

DAY = date(2026, 7, 7)
HELD = "C-B0055"  # its candidate is refused by the gate: a complaint hold
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class Clock:
    def now(self):
        return console_data.NOW


@pytest.fixture(scope="module")
def world(console_db) -> dict[str, int]:
    """The plan dispatched, two more staff, four field agents, a hold on HELD. Returns the
    field_visit task ids by case."""
    url = console_db[0]
    engine = make_engine(url)
    with SqlUnitOfWork(engine) as uow:
        free = uow.conn.scalars(
            select(t_cases.c.id).where(t_cases.c.assignee_kind.is_(None)).order_by(t_cases.c.id)
        ).all()
        for case_id in free:
            case, event = uow.cases.get(case_id).assign(
                Assignee(AssigneeKind.COLLECTOR, "collector"), "supervisor"
            )
            uow.cases.save(case)
            uow.events.append(case_id, event, console_data.NOW)
        uow.commit()
    run_strategy(SqlUnitOfWork(engine), RunOptions(as_of=console_data.AS_OF))
    dispatch(SqlUnitOfWork(engine), None, console_data.NOW - timedelta(minutes=5))
    with SqlUnitOfWork(engine) as uow:  # after the plan: a complaint came in since
        case, event = uow.cases.get(HELD).place_hold(Hold.COMPLAINT, "supervisor", "投诉处理中")
        uow.cases.save(case)
        uow.events.append(HELD, event, console_data.NOW)
        uow.commit()
    uow = SqlUnitOfWork(engine)
    for name, role in (("admin", "admin"), ("compliance", "compliance")):
        create_user(uow, name, role, console_data.PASSWORD, f"{name} 测试")
    for n in (1, 2, 3, 4):
        create_user(uow, f"field{n}", "field_agent", console_data.PASSWORD, f"外访员{n}")
    with engine.connect() as conn:
        found = conn.execute(
            select(tasks.c.case_id, tasks.c.id).where(tasks.c.kind == "field_visit")
        ).all()
    engine.dispose()
    return dict(found)


@pytest.fixture
def app(console_db, world) -> FastAPI:
    settings = load_settings(
        database_url=console_db[0], secret_key="test-secret-key", locale="zh-CN", env="test",
        data_dir=str(console_db[0]).removeprefix("sqlite:///").rsplit("/", 1)[0],
    )  # fmt: skip
    return create_app(Services(settings, clock=Clock()))


def count(console_db, table) -> int:
    engine = make_engine(console_db[0])
    with engine.connect() as conn:
        found = conn.scalar(select(func.count()).select_from(table))
    engine.dispose()
    return int(found or 0)


GETS = ("/console/visits/", "/console/visits/scheduled", "/console/visits/teams")
POSTS = (
    "/console/visits/decide",
    "/console/visits/plan",
    "/console/visits/notices",
    "/console/visits/agents",
    "/console/visits/teams",
)


@pytest.mark.parametrize("path", GETS)
def test_the_pages_are_for_supervisors_admins_and_compliance(open_as, path) -> None:
    assert open_as().get(path).status_code == 303  # to the login page
    for who in ("supervisor", "admin", "compliance"):
        page = open_as(who).get(path)
        assert page.status_code == 200, (who, page.text[:300])
        assert 'data-testid="nav-visits"' in page.text
    for who in ("collector", "fieldagent", "east"):
        assert open_as(who).get(path).status_code == 403, who
    assert open_as("borrower").get(path).status_code == 303  # a borrower goes to the portal


@pytest.mark.parametrize("path", POSTS)
def test_only_supervisors_and_admins_change_anything(open_as, console_db, path) -> None:
    before = count(console_db, visits), count(console_db, field_agents)
    for who in ("compliance", "collector", "fieldagent", "east", "borrower"):
        response = open_as(who).post(path, data={"reason": "x", "visit": "V-10", "day": "x"})
        assert response.status_code == 403, who
    assert open_as().post(path, data={}).status_code in (303, 403)
    assert (count(console_db, visits), count(console_db, field_agents)) == before


@pytest.mark.parametrize("path", POSTS)
def test_every_form_needs_the_sessions_token(open_as, console_db, path) -> None:
    before = count(console_db, visits)
    browser = open_as("supervisor", csrf=False)
    response = browser.post(path, data={"reason": "x", "visit": "V-10", "action": "approve"})
    assert response.status_code == 403
    elsewhere = open_as("supervisor")
    response = elsewhere.post(
        path, data={"visit": "V-10"}, headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 403
    assert count(console_db, visits) == before


def test_every_form_on_the_pages_carries_the_token(open_as) -> None:
    browser = open_as("supervisor")
    for path in GETS:
        html = browser.get(path).text
        forms = re.findall(r'<form[^>]*method="post".*?</form>', html, re.DOTALL)
        assert forms, path
        for form in forms:
            assert 'name="csrf_token"' in form, (path, form[:200])


def test_compliance_sees_the_candidates_but_no_form(open_as, world) -> None:
    html = open_as("compliance").get("/console/visits/").text
    assert f"V-{world['C-B0006']}" in html
    assert 'data-testid="decide-form"' in html and 'name="visit"' not in html
    assert 'data-testid="read-only"' in html


def test_an_empty_reason_is_refused_and_nothing_is_written(open_as, console_db, world) -> None:
    ids = [f"V-{world[c]}" for c in ("C-B0006", "C-B0007")]
    before = count(console_db, visits)
    for reason in ("", "   "):
        page = open_as("supervisor").post(
            "/console/visits/decide", data={"visit": ids, "reason": reason, "action": "approve"}
        )
        assert page.status_code == 400
        assert "必须填写理由" in page.text  # the page's language (zh-CN)
    assert count(console_db, visits) == before


def test_no_visit_ticked_is_refused(open_as, console_db) -> None:
    page = open_as("supervisor").post(
        "/console/visits/decide", data={"reason": "ok", "action": "approve"}
    )
    assert page.status_code == 400 and 'data-testid="error"' in page.text


def test_many_approved_with_one_reason_and_the_gate_refusal_shown(
    open_as, console_db, world
) -> None:
    chosen = ("C-B0006", "C-B0007", "C-B0022", HELD)
    ids = [f"V-{world[c]}" for c in chosen]
    reason = "DPD 超过 60 天，电话多次未接通"
    page = open_as("supervisor").post(
        "/console/visits/decide", data={"visit": ids, "reason": reason, "action": "approve"}
    )
    assert page.status_code == 200, page.text[:500]
    decided = re.search(r'data-testid="decided">(.*?)</div>', page.text, re.DOTALL)
    assert decided and all(i in decided.group(1) for i in ids[:3])
    refused = re.search(r'data-testid="refused".*?</ul>\s*</li>', page.text, re.DOTALL)
    assert refused and ids[3] in refused.group(0)
    assert 'data-rule="FD-HOLD' in refused.group(0) or 'data-rule="' in refused.group(0)
    engine = make_engine(console_db[0])
    with SqlUnitOfWork(engine) as uow:
        for visit_id in ids[:3]:
            visit = uow.visits.get(visit_id)
            assert visit.status == "approved" and visit.reason == reason
        assert uow.visits.get(ids[3]) is None  # refused: nothing written
        assert not [e for e in uow.events.events(HELD) if e.type.startswith("visit_")]
    engine.dispose()
    # the refusal's message is in the page's language: the same post in English differs
    english = open_as("supervisor").post(
        "/console/visits/decide?lang=en",
        data={"visit": [ids[3]], "reason": reason, "action": "approve"},
    )
    zh = re.findall(r'data-testid="refusal-message">([^<]*)<', page.text)
    en = re.findall(r'data-testid="refusal-message">([^<]*)<', english.text)
    assert zh and en and zh != en
    assert any(re.search(r"[\u4e00-\u9fff]", m) for m in zh)
    # approved visits left the candidates and are listed by day
    listing = open_as("compliance").get("/console/visits/scheduled").text
    assert all(f'data-visit="{i}"' in listing for i in ids[:3])


def test_a_second_decision_is_refused_in_plain_words(open_as, world) -> None:
    visit_id = f"V-{world['C-B0006']}"
    open_as("supervisor").post(
        "/console/visits/decide", data={"visit": [visit_id], "reason": "ok", "action": "approve"}
    )
    page = open_as("admin").post(
        "/console/visits/decide", data={"visit": [visit_id], "reason": "no", "action": "reject"}
    )
    assert page.status_code == 200 and "decided already" in page.text


def test_agents_teams_the_days_plan_and_the_notices(open_as, console_db, world) -> None:
    browser = open_as("supervisor")
    expires = "2027-12-31"
    for n in (1, 2):
        files = {"photo": ("me.png", PNG, "image/png")} if n == 1 else None
        response = browser.post(
            "/console/visits/agents",
            data={"username": f"field{n}", "certificate": f"CB-{n}", "issuer": "中国银行业协会",
                  "expires": expires},
            files=files,
        )  # fmt: skip
        assert response.status_code == 303, response.text[:400]
    agent = {"username": "field3", "certificate": "CB-3", "issuer": "x", "expires": expires}
    refusals = {
        "expired": agent | {"expires": "2020-01-01"},
        "not an active field agent": agent | {"username": "collector"},
        "certificate number is required": agent | {"certificate": ""},
        "YYYY-MM-DD": agent | {"expires": "31/12/2027"},
    }
    for cause, data in refusals.items():
        page = browser.post("/console/visits/agents", data=data)
        assert page.status_code == 400 and cause in page.text, cause
    bad_photo = browser.post(
        "/console/visits/agents",
        data=agent,
        files={"photo": ("x.gif", b"GIF89a....", "image/gif")},
    )
    assert bad_photo.status_code == 400 and "not a JPEG or PNG" in bad_photo.text
    team = {"name": "武汉一组", "lat": "30.5928", "lon": "114.3055", "label": "江汉基地",
            "capacity": "6", "start": "09:00", "end": "18:00"}  # fmt: skip
    one = browser.post("/console/visits/teams", data=team | {"member": ["field1"]})
    assert one.status_code == 400 and "at least 2" in one.text
    late = browser.post(
        "/console/visits/teams", data=team | {"member": ["field1", "field2"], "end": "23:00"}
    )
    assert late.status_code == 400 and "contact hours" in late.text
    made = browser.post("/console/visits/teams", data=team | {"member": ["field1", "field2"]})
    assert made.status_code == 303
    html = browser.get("/console/visits/teams").text
    assert "CB-1" in html and "武汉一组" in html and "外访员1、外访员2" in html
    img = re.search(r'src="(?:http://testserver)?(/console/visits/agents/[^"]+/photo)"', html)
    assert img, "the photo is shown"
    photo = browser.get(img.group(1))
    assert photo.status_code == 200 and photo.content == PNG
    assert photo.headers["content-type"] == "image/png"
    assert open_as("collector").get(img.group(1)).status_code == 403

    # Wuhan (C-B0006, C-B0022, C-B0038) and Xi'an (C-B0007, C-B0023) cases: one team, in Wuhan
    ids = [f"V-{world[c]}" for c in ("C-B0006", "C-B0007", "C-B0022", "C-B0023", "C-B0038")]
    browser.post("/console/visits/decide", data={"visit": ids, "reason": "ok", "action": "approve"})
    planned = browser.post("/console/visits/plan", data={"day": DAY.isoformat()})
    assert planned.status_code == 200, planned.text[:400]
    route = re.search(r'data-testid="route".*?</ol>', planned.text, re.DOTALL)
    assert route and "武汉一组" in route.group(0)
    routed = re.findall(r'data-visit="(V-\d+)"', route.group(0))
    assert sorted(routed) == sorted(f"V-{world[c]}" for c in ("C-B0006", "C-B0022", "C-B0038"))
    unassigned = re.search(r'data-testid="unassigned".*?</ul>', planned.text, re.DOTALL)
    # why, in the page's language: Xi'an is beyond a Wuhan team's day, not merely busy
    assert unassigned and "没有外访小组能在工作时间内往返该地址" in unassigned.group(0)
    assert sorted(re.findall(r'data-visit="(V-\d+)"', unassigned.group(0))) == sorted(
        f"V-{world[c]}" for c in ("C-B0007", "C-B0023")
    )
    assert browser.post("/console/visits/plan", data={"day": "2026-13-01"}).status_code == 400

    sent = browser.post("/console/visits/notices", data={"visit": routed[:1], "day": ""})
    assert sent.status_code == 200 and 'data-testid="sent"' in sent.text, sent.text[-3000:]
    engine = make_engine(console_db[0])
    with SqlUnitOfWork(engine) as uow:
        assert uow.visits.get(routed[0]).status == "noticed"
    engine.dispose()
    again = browser.post("/console/visits/notices", data={"visit": routed[:1], "day": ""})
    assert 'data-testid="notice-refused"' in again.text  # noticed already: in plain words
    empty = browser.post("/console/visits/notices", data={"day": ""})
    assert empty.status_code == 400
    assert count(console_db, field_teams) == 1


def test_an_expired_certificate_is_marked_on_the_teams_page(open_as, console_db) -> None:
    from fairdebt.services.ports.visits import FieldAgent

    engine = make_engine(console_db[0])
    with SqlUnitOfWork(engine) as uow:
        user = uow.users.by_name("field4")
        if uow.field_agents.get(user.id) is None:
            uow.field_agents.add(
                FieldAgent(user.id, "CB-OLD", "中国银行业协会", date(2026, 1, 31), console_data.NOW)
            )
            uow.commit()
    engine.dispose()
    html = open_as("compliance").get("/console/visits/teams").text
    row = re.search(r'<tr data-agent="field4"[^>]*>', html)
    assert row and 'data-expired="1"' in row.group(0)
    assert 'data-testid="agent-form"' not in html  # compliance reads only


def test_the_pages_speak_english_too(open_as) -> None:
    html = open_as("supervisor").get("/console/visits/teams?lang=en").text
    assert "Certified field agents" in html and "Form a team" in html
    html = open_as("supervisor").get("/console/visits/?lang=zh-CN").text
    assert "外访" in html
