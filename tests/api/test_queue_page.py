"""The call queue (/console/queue) persona by persona, and its "Check with the gate" button.

The console portfolio (tests/console_data.py) with the unplaced cases given to two collectors,
a real strategy run of the shipped ladder on its as_of, and that run dispatched; the app's clock
is the next morning in Shanghai, so the plan's day-0 and day-1 calls are due.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import console_data
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.engine import make_engine
from fairdebt.adapters.db.repositories import SqlEventLog
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.adapters.db.worklist_tables import tasks
from fairdebt.bootstrap import Services
from fairdebt.domain.case import Assignee, AssigneeKind
from fairdebt.services.worklist import dispatch
from fairdebt.settings import load_settings
from fairdebt.strategy.run import RunOptions, run_strategy
from fairdebt.web.app import create_app

MORNING = datetime(2026, 7, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
COLLECTORS = ("collector", "collector2")  # only "collector" is a user


class Clock:
    def now(self) -> datetime:
        return MORNING


@pytest.fixture(scope="module")
def planned(console_db) -> dict[str, str]:
    """Unplaced cases alternately to the two collectors, then the plan and its tasks.
    Returns case id -> collector."""
    engine = make_engine(console_db[0])
    given: dict[str, str] = {}
    with SqlUnitOfWork(engine) as uow:
        free = uow.conn.scalars(
            select(t.cases.c.id).where(t.cases.c.assignee_kind.is_(None)).order_by(t.cases.c.id)
        ).all()
        for n, case_id in enumerate(free):
            case = uow.cases.get(case_id)
            who = COLLECTORS[n % 2]
            case, event = case.assign(Assignee(AssigneeKind.COLLECTOR, who), "supervisor")
            uow.cases.save(case)
            uow.events.append(case_id, event, console_data.NOW)
            given[case_id] = who
        uow.commit()
    run_strategy(SqlUnitOfWork(engine), RunOptions(as_of=console_data.AS_OF))
    dispatch(SqlUnitOfWork(engine), None, console_data.NOW + timedelta(minutes=5))
    engine.dispose()
    return given


@pytest.fixture
def app(console_db, planned) -> FastAPI:
    settings = load_settings(
        database_url=console_db[0], secret_key="test-secret-key", locale="zh-CN", env="test"
    )
    return create_app(Services(settings, clock=Clock()))


def due_calls(console_db, **where: object) -> list:
    query = select(tasks).where(
        tasks.c.kind == "call",
        tasks.c.status.in_(("open", "deferred")),
        tasks.c.due_on <= MORNING.date(),
    )
    for name, value in where.items():
        query = query.where(tasks.c[name] == value)
    engine = make_engine(console_db[0])
    with engine.connect() as conn:
        rows = list(conn.execute(query))
    engine.dispose()
    return rows


def shown(html: str) -> list[str]:
    return re.findall(r'data-task="(\d+)"', html)


def test_anonymous_visitors_go_to_login_and_borrowers_and_field_agents_are_refused(open_as):
    assert open_as().get("/console/queue").status_code == 303
    assert open_as().post("/console/queue/tasks/1/check").status_code == 303
    to_portal = open_as("borrower").get("/console/queue")
    assert to_portal.status_code == 303 and to_portal.headers["location"] == "/portal/"
    assert open_as("fieldagent").get("/console/queue").status_code == 403
    assert open_as("fieldagent").post("/console/queue/tasks/1/check").status_code == 403


def test_a_collector_sees_only_their_own_due_calls_most_urgent_first(
    open_as, console_db, portfolio
):
    html = open_as("collector").get("/console/queue").text

    mine = due_calls(console_db, assignee_kind="collector", assignee_id="collector")
    assert mine, "the plan gave the collector calls due today"
    assert sorted(shown(html)) == sorted(str(r.id) for r in mine)
    order = [(r.priority, -r.dpd) for r in sorted(mine, key=lambda r: shown(html).index(str(r.id)))]
    assert order == sorted(order)
    assert "****" in html
    assert not any(portfolio.phones[r.case_id] in html for r in mine)  # masked, never whole
    assert 'data-testid="nav-queue"' in html and 'data-testid="candidates"' not in html


def test_an_agency_sees_only_the_calls_of_cases_placed_with_it(open_as, console_db, portfolio):
    html = open_as("east").get("/console/queue").text

    cases = set(re.findall(r'data-case="([^"]+)"', html))
    assert cases and cases <= set(portfolio.agency_cases["AG-EAST"])


def test_a_supervisor_sees_every_due_call_filters_by_assignee_and_sees_candidates(
    open_as, console_db
):
    browser = open_as("supervisor")

    everything = shown(browser.get("/console/queue").text)
    page = browser.get("/console/queue?assignee=collector2").text

    assert len(everything) == len(due_calls(console_db))
    assert sorted(shown(page)) == sorted(
        str(r.id) for r in due_calls(console_db, assignee_id="collector2")
    )
    visits = re.search(r'data-testid="candidate-field_visit">(\d+)<', page)
    assert visits and int(visits.group(1)) > 0


def test_the_gate_button_asks_the_gate_and_shows_its_decision_without_calling(
    open_as, console_db, planned
):
    browser = open_as("collector")
    task = due_calls(console_db, assignee_id="collector")[0]

    posted = browser.post(f"/console/queue/tasks/{task.id}/check")
    page = browser.get(posted.headers["location"]).text
    again = browser.get("/console/queue").text

    assert posted.status_code == 303
    assert posted.headers["location"].startswith(
        f"http://testserver/console/cases/{task.case_id}/calls/"
    )
    assert 'data-verdict="allow"' in page and 'data-testid="start-call"' in page
    assert str(task.id) in shown(again)  # asking is not calling: the task waits for the outcome
    engine = make_engine(console_db[0])
    with engine.connect() as conn:
        types = [e.type for e in SqlEventLog(conn).events(task.case_id)]
    engine.dispose()
    assert types[-1] == "gate_decision" and "contact_recorded" not in types


def test_a_denied_call_is_not_made_and_the_page_cites_the_rule(open_as, console_db):
    task = due_calls(console_db, assignee_id="collector")[-1]
    engine = make_engine(console_db[0])
    with engine.begin() as conn:
        conn.execute(update(t.cases).where(t.cases.c.id == task.case_id).values(holds="dispute"))
    browser = open_as("collector")

    page = browser.get(browser.post(f"/console/queue/tasks/{task.id}/check").headers["location"])

    assert 'data-verdict="deny"' in page.text and 'data-testid="start-call"' not in page.text
    assert "FD-HOLD.dispute" in page.text
    assert not due_calls(console_db, id=task.id)  # refused: a hold cannot be waited out
    with engine.connect() as conn:
        types = [e.type for e in SqlEventLog(conn).events(task.case_id)]
    engine.dispose()
    assert types[-1] == "gate_decision" and "contact_attempted" not in types


def test_a_collector_cannot_press_the_button_on_another_collectors_task(open_as, console_db):
    theirs = due_calls(console_db, assignee_id="collector2")[0]

    response = open_as("collector").post(f"/console/queue/tasks/{theirs.id}/check")

    assert response.status_code == 404
    assert due_calls(console_db, id=theirs.id)  # still open: nothing was asked


def test_an_agency_cannot_press_the_button_on_a_case_not_placed_with_it(open_as, console_db):
    theirs = due_calls(console_db, assignee_id="collector2")[-1]

    response = open_as("east").post(f"/console/queue/tasks/{theirs.id}/check")

    assert response.status_code == 404
    assert due_calls(console_db, id=theirs.id)


def events_of(console_db, case_id: str) -> list[str]:
    engine = make_engine(console_db[0])
    with engine.connect() as conn:
        types = [e.type for e in SqlEventLog(conn).events(case_id)]
    engine.dispose()
    return types


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://testserver:8081"},  # the probe: a page on another port of the host
        {"Origin": "https://testserver"},
        {"Origin": "null"},
        {"Referer": "http://evil.example/queue.html"},
    ],
)
def test_a_page_elsewhere_cannot_press_the_gate_button_even_with_the_token(
    open_as, console_db, headers
):
    browser = open_as("collector")
    task = due_calls(console_db, assignee_id="collector")[0]
    before = events_of(console_db, task.case_id)

    response = browser.post(f"/console/queue/tasks/{task.id}/check", headers=headers)

    assert response.status_code == 403
    assert "此请求来自其他网站，已被拒绝。" in response.text  # a page, in the user's language
    assert events_of(console_db, task.case_id) == before  # no gate decision, no contact
    assert due_calls(console_db, id=task.id)


def test_the_gate_button_needs_the_sessions_token(open_as, console_db):
    task = due_calls(console_db, assignee_id="collector")[0]
    without = open_as("collector", csrf=False)
    other = open_as("collector")  # a token of another session is no good either
    stolen = other.headers["X-CSRF-Token"]
    before = events_of(console_db, task.case_id)

    bare = without.post(f"/console/queue/tasks/{task.id}/check")
    forged = without.post(f"/console/queue/tasks/{task.id}/check", data={"csrf_token": stolen})
    wrong = without.post(
        f"/console/queue/tasks/{task.id}/check?lang=en", headers={"X-CSRF-Token": "x" * 43}
    )

    assert (bare.status_code, forged.status_code, wrong.status_code) == (403, 403, 403)
    assert "此表单已过期" in bare.text and "This form has expired" in wrong.text
    assert events_of(console_db, task.case_id) == before


def test_the_queue_page_form_carries_the_token_and_pressing_it_works(open_as, console_db):
    browser = open_as("collector", csrf=False)
    html = browser.get("/console/queue").text
    task = due_calls(console_db, assignee_id="collector")[0]
    form = re.search(
        rf'action="[^"]*/queue/tasks/{task.id}/check"[^>]*>\s*'
        r'<input type="hidden" name="csrf_token" value="([^"]+)"',
        html,
    )
    assert form, "the check button's form has no csrf_token"

    pressed = browser.post(
        f"/console/queue/tasks/{task.id}/check",
        data={"csrf_token": form.group(1)},
        headers={"Origin": "http://testserver"},  # the same origin, as a browser says it
    )

    assert pressed.status_code == 303
    assert "gate_decision" in events_of(console_db, task.case_id)


def test_a_huge_task_id_is_refused_and_the_connection_serves_the_next_request(open_as):
    browser = open_as("collector")

    huge = browser.post("/console/queue/tasks/99999999999999999999999/check")
    zero = browser.post("/console/queue/tasks/0/check")
    next_one = browser.get("/console/queue")

    assert huge.status_code == 422 and zero.status_code == 422
    assert "<html" in huge.text  # the error page, not a traceback
    assert next_one.status_code == 200
