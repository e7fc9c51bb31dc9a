"""The compliance desk (/console/desk/) persona by persona: who may open each page and post each
form, the CSRF token on every form, and a complaint worked from filing to release."""

from __future__ import annotations

import re

import console_data
import pytest

from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.engine import make_engine
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.adapters.db.worklist_tables import tasks
from fairdebt.compliance.pack import builtin_packs
from fairdebt.services import complaints
from fairdebt.services.users import create_user, get_user_by_name

CASE = "C-B0001"  # the borrower persona's case
DESK = ("compliance", "supervisor", "admin")
OTHERS = ("collector", "fieldagent", "east", "borrower")
PAGES = (
    "/console/desk/",
    "/console/desk/reviews",
    "/console/desk/plans",
    "/console/desk/decisions",
)
FORMS = (
    "/console/desk/complaints/CP-NONE/acknowledge",
    "/console/desk/complaints/CP-NONE/answer",
    "/console/desk/complaints/CP-NONE/release",
    "/console/desk/reviews/1",
    "/console/desk/plans/PL-NONE/approve",
    "/console/desk/plans/PL-NONE/reject",
)


@pytest.fixture(scope="module")
def desk_db(console_db):
    """The console world plus a compliance officer and an administrator, and one complaint."""
    url, _ = console_db
    engine = make_engine(url)
    uow = SqlUnitOfWork(engine)
    for name, role in (("compliance", "compliance"), ("admin", "admin")):
        if get_user_by_name(uow, name) is None:
            create_user(uow, name, role, console_data.PASSWORD, f"{name} 测试")
    borrower = get_user_by_name(uow, "borrower")
    filed = complaints.file(
        uow, CASE, "debt", "amount", "金额不对 13800001111", None, borrower, console_data.NOW
    )
    engine.dispose()
    return url, filed


@pytest.mark.parametrize("persona", DESK + OTHERS)
@pytest.mark.parametrize("path", PAGES)
def test_only_the_desk_roles_open_the_desk(desk_db, open_as, persona: str, path: str) -> None:
    response = open_as(persona).get(path)
    if persona == "borrower":  # a borrower belongs in the portal, not at the staff console
        assert response.status_code == 303 and response.headers["location"].endswith("/portal/")
        return
    assert response.status_code == (200 if persona in DESK else 403)


@pytest.mark.parametrize("persona", OTHERS)
@pytest.mark.parametrize("path", FORMS)
def test_other_roles_cannot_post_a_desk_form(desk_db, open_as, persona: str, path: str) -> None:
    response = open_as(persona).post(path, data={"reason": "x", "verdict": "approve"})
    assert response.status_code == 403


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(open_as, path: str) -> None:
    response = open_as().get(path)
    assert response.status_code in (303, 307) and "/login" in response.headers["location"]


@pytest.mark.parametrize("path", FORMS)
def test_every_desk_form_needs_the_csrf_token(desk_db, open_as, path: str) -> None:
    response = open_as("compliance", csrf=False).post(path, data={"reason": "x"})
    assert response.status_code == 403


def test_the_nav_shows_the_desk_to_its_roles_only(desk_db, open_as) -> None:
    assert 'data-testid="nav-desk"' in open_as("supervisor").get("/console/").text
    assert 'data-testid="nav-desk"' not in open_as("collector").get("/console/").text


def test_a_complaint_is_worked_from_the_queue_to_release(desk_db, open_as) -> None:
    _, filed = desk_db
    officer = open_as("compliance")

    queue = officer.get("/console/desk/")
    page = f"/console/desk/complaints/{filed.id}"
    steps = [
        officer.post(f"{page}/acknowledge"),
        officer.post(f"{page}/assign", data={"assignee": "compliance"}),
        officer.post(f"{page}/answer", data={"answer": "已核实金额，明细附后。"}),
        officer.post(f"{page}/release", data={"reason": "amount verified"}),
    ]
    shown = officer.get(page).text

    assert filed.id in queue.text and "13800001111" in queue.text  # compliance reveals
    assert all(s.status_code == 303 for s in steps)
    assert 'data-testid="error"' not in shown
    assert re.search(r'data-testid="status">[^<]*(closed|已结案)', shown)
    assert "amount verified" in shown


def test_the_admin_sees_the_complaint_text_masked(desk_db, open_as) -> None:
    _, filed = desk_db
    listed = open_as("admin").get("/console/desk/?show=all").text
    assert filed.id in listed and "13800001111" not in listed and "••••" in listed


def test_a_failed_step_is_shown_not_raised(desk_db, open_as) -> None:
    officer = open_as("compliance")
    response = officer.post("/console/desk/complaints/CP-NONE/acknowledge", follow_redirects=True)
    assert response.status_code == 404 or 'data-testid="error"' in response.text


def test_a_review_is_approved_with_a_reason_and_logged(desk_db, open_as) -> None:
    url, _ = desk_db
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            t.metadata.tables["tasks"].insert().values(
                run_id=_any_run(conn), as_of=console_data.AS_OF, case_id="C-B0002",
                action_no=900, kind="sms", treatment="t", dpd=5, due_on=console_data.AS_OF,
                priority=1, status="review", note="US-TBD", updated_at="2026-06-30T01:00:00+00:00",
            )
        )  # fmt: skip
        task_id = (
            conn.execute(
                tasks.select().where(tasks.c.action_no == 900, tasks.c.case_id == "C-B0002")
            )
            .first()
            .id
        )
    officer = open_as("supervisor")

    listed = officer.get("/console/desk/reviews").text
    empty = officer.post(f"/console/desk/reviews/{task_id}", data={"verdict": "approve"})
    done = officer.post(
        f"/console/desk/reviews/{task_id}", data={"verdict": "approve", "reason": "checked"}
    )
    again = officer.post(
        f"/console/desk/reviews/{task_id}",
        data={"verdict": "reject", "reason": "late"},
        follow_redirects=True,
    )

    assert f'data-task="{task_id}"' in listed
    assert empty.status_code == done.status_code == 303
    with engine.connect() as conn:
        row = conn.execute(tasks.select().where(tasks.c.id == task_id)).first()
        events = conn.execute(
            t.case_events.select().where(t.case_events.c.case_id == "C-B0002")
        ).all()
    engine.dispose()
    assert row.status == "open" and "checked" in row.note
    assert [e.type for e in events].count("review_approved") == 1
    assert 'data-testid="error"' in again.text  # decided already


def _any_run(conn) -> str:
    from fairdebt.adapters.db.strategy_tables import strategy_runs

    found = conn.execute(strategy_runs.select().limit(1)).first()
    if found is not None:
        return found.id
    conn.execute(
        strategy_runs.insert().values(
            id="R-DESK", as_of=console_data.AS_OF, status="current", strategy_name="desk",
            strategy_sha256="0" * 64, strategy_yaml="", backend="duckdb", source="test",
            accounts=0, started_at="2026-06-30T00:00:00+00:00",
            finished_at="2026-06-30T00:00:00+00:00", timings="{}",
        )
    )  # fmt: skip
    return "R-DESK"


def test_the_decisions_search_filters_and_charts(desk_db, open_as) -> None:
    officer = open_as("compliance")
    every = officer.get("/console/desk/decisions")
    answered = officer.get("/console/desk/decisions", params={"case": CASE, "verdict": "allow"})
    nonsense = officer.get(
        "/console/desk/decisions", params={"start": "9999-12-31", "end": "x" * 10_000}
    )
    assert every.status_code == answered.status_code == nonsense.status_code == 200
    assert CASE in answered.text  # the answer's reply was asked of the gate (purpose respond)


def test_an_answer_the_gate_refused_is_shown_and_sent_again(desk_db, open_as) -> None:
    url, _ = desk_db
    engine = make_engine(url)
    uow = SqlUnitOfWork(engine)
    borrower, officer = get_user_by_name(uow, "borrower"), get_user_by_name(uow, "compliance")
    filed = complaints.file(
        uow, CASE, "debt", "amount", "金额不对", None, borrower, console_data.NOW
    )
    midnight = console_data.NOW.replace(hour=16)  # 00:00 in Shanghai: the quiet hours refuse it
    packs = builtin_packs()
    complaints.answer(uow, filed.id, "已核实金额。", officer, midnight, packs)
    desk = open_as("compliance")
    page = f"/console/desk/complaints/{filed.id}"

    refused = desk.get(page).text
    assert 'data-state="not_sent"' in refused and 'data-testid="resend-answer"' in refused
    assert "CBA26-TIME" in refused  # which rules said no
    assert open_as("collector").post(f"{page}/resend").status_code == 403
    assert desk.post(f"{page}/resend").status_code == 303  # by day: the gate allows it
    queued = desk.get(page).text
    assert 'data-state="queued"' in queued and 'data-testid="resend-answer"' not in queued
    desk.post(f"{page}/resend")  # a second press: refused, nothing queued twice
    assert 'data-testid="error"' in desk.get(page).text
    with uow:
        resent = [e for e in uow.events.events(CASE) if e.type == "complaint_answer_resent"]
    complaints.release_hold(uow, filed.id, "answered", officer, console_data.NOW)
    engine.dispose()
    assert len(resent) == 1
