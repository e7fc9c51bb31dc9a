"""The call queue follows the one rule of who may see a case (services.access), read on the
case now: a reassigned case's tasks leave the old collector's queue and reach the new one's, a
granted case's tasks are listed while the grant lasts, and a task outside the scope answers 404.

The console portfolio with its unplaced cases given alternately to two collectors (both users
here), a strategy run of the shipped ladder dispatched, and the app's clock the next morning.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import console_data
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.engine import make_engine
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.adapters.db.worklist_tables import tasks
from fairdebt.bootstrap import Services
from fairdebt.domain.case import Assignee, AssigneeKind
from fairdebt.services.access import grant
from fairdebt.services.users import create_user
from fairdebt.services.worklist import dispatch
from fairdebt.settings import load_settings
from fairdebt.strategy.run import RunOptions, run_strategy
from fairdebt.web.app import create_app

MORNING = datetime(2026, 7, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
COLLECTORS = ("collector", "collector2")


class Clock:
    at = MORNING

    def now(self) -> datetime:
        return self.at


@pytest.fixture(scope="module")
def planned(console_db) -> dict[str, str]:
    """Returns case id -> collector, for the cases given to the two collectors."""
    engine = make_engine(console_db[0])
    create_user(
        SqlUnitOfWork(engine), "collector2", password=console_data.PASSWORD,
        display_name="Collector2 测试", role="collector",  # type: ignore[arg-type]
    )  # fmt: skip
    given: dict[str, str] = {}
    with SqlUnitOfWork(engine) as uow:
        free = uow.conn.scalars(
            select(t.cases.c.id).where(t.cases.c.assignee_kind.is_(None)).order_by(t.cases.c.id)
        ).all()
        for n, case_id in enumerate(free):
            given[case_id] = COLLECTORS[n % 2]
            _assign(uow, case_id, given[case_id])
        uow.commit()
    run_strategy(SqlUnitOfWork(engine), RunOptions(as_of=console_data.AS_OF))
    dispatch(SqlUnitOfWork(engine), None, console_data.NOW + timedelta(minutes=5))
    engine.dispose()
    return given


def _assign(uow: SqlUnitOfWork, case_id: str, who: str) -> None:
    case = uow.cases.get(case_id)
    assert case is not None
    case, event = case.assign(Assignee(AssigneeKind.COLLECTOR, who), "supervisor")
    uow.cases.save(case)
    uow.events.append(case_id, event, console_data.NOW)


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(console_db, planned, clock) -> FastAPI:
    clock.at = MORNING
    settings = load_settings(
        database_url=console_db[0], secret_key="test-secret-key", locale="zh-CN", env="test"
    )
    return create_app(Services(settings, clock=clock))


def due_tasks(console_db, assignee: str) -> dict[str, list[int]]:
    """case id -> the ids of its due call tasks, for tasks made for `assignee`."""
    engine = make_engine(console_db[0])
    with engine.connect() as conn:
        rows = conn.execute(
            select(tasks.c.case_id, tasks.c.id).where(
                tasks.c.kind == "call",
                tasks.c.status.in_(("open", "deferred")),
                tasks.c.due_on <= MORNING.date(),
                tasks.c.assignee_id == assignee,
            )
        ).all()
    engine.dispose()
    found: dict[str, list[int]] = {}
    for case_id, task_id in rows:
        found.setdefault(case_id, []).append(task_id)
    return found


def listed(html: str) -> dict[str, str]:
    """task id -> case id of the queue's rows."""
    return dict(re.findall(r'data-task="(\d+)" data-case="([^"]+)"', html))


def test_a_reassigned_cases_tasks_leave_the_old_collector_and_reach_the_new_one(
    open_as, console_db
):
    case_id, task_ids = sorted(due_tasks(console_db, "collector").items())[0]
    old, new = open_as("collector"), open_as("collector2")
    assert set(map(str, task_ids)) <= set(listed(old.get("/console/queue").text))

    engine = make_engine(console_db[0])
    with SqlUnitOfWork(engine) as uow:
        _assign(uow, case_id, "collector2")
        uow.commit()
    engine.dispose()

    assert case_id not in listed(old.get("/console/queue").text).values()
    shown = listed(new.get("/console/queue").text)
    assert set(map(str, task_ids)) <= set(shown)
    refused = old.post(f"/console/queue/tasks/{task_ids[0]}/check")
    assert refused.status_code == 404
    asked = new.post(f"/console/queue/tasks/{task_ids[0]}/check")
    assert asked.status_code == 303 and "/calls/" in asked.headers["location"]


def test_a_granted_case_is_listed_while_the_grant_lasts_without_the_gate_button(
    open_as, console_db, clock
):
    case_id, task_ids = sorted(due_tasks(console_db, "collector2").items())[-1]
    browser = open_as("collector")
    assert case_id not in listed(browser.get("/console/queue").text).values()
    assert browser.post(f"/console/queue/tasks/{task_ids[0]}/check").status_code == 404

    engine = make_engine(console_db[0])
    grant(SqlUnitOfWork(engine), case_id, "collector", 1, "covering for leave", "sup", MORNING)
    engine.dispose()

    html = browser.get("/console/queue").text
    rows = listed(html)
    assert set(map(str, task_ids)) <= set(rows)
    row = re.search(rf'data-task="{task_ids[0]}".*?</tr>', html, re.S)
    assert row and 'data-testid="granted"' in row.group(0) and "check-gate" not in row.group(0)
    # The assignee places a granted case's calls (services.calls.may_dial): still 404.
    assert browser.post(f"/console/queue/tasks/{task_ids[0]}/check").status_code == 404

    clock.at = MORNING + timedelta(days=2)  # the grant has ended
    assert case_id not in listed(browser.get("/console/queue").text).values()


def test_an_agency_still_sees_its_placed_cases_tasks_and_nobody_elses(open_as, portfolio):
    rows = listed(open_as("east").get("/console/queue").text)
    assert rows and set(rows.values()) <= set(portfolio.agency_cases["AG-EAST"])


def test_a_task_id_that_does_not_exist_is_404_for_a_collector(open_as):
    assert open_as("collector").post("/console/queue/tasks/999999/check").status_code == 404
