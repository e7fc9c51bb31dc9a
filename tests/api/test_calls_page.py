"""A collector's call in the console, through the app: check with the gate → script with a
verify code → start → outcome, by role, with CSRF; and the public /verify page.

The console portfolio with its unplaced cases given alternately to "collector" (a user) and
"collector2" (not one), a strategy run of the shipped ladder dispatched; the app's clock is set
per test (10:00 in Shanghai unless a test moves it).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import console_data
import pytest
from csrf_forms import carry_token
from fastapi import FastAPI
from fastapi.testclient import TestClient
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

SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 7, 1, 10, 0, tzinfo=SHANGHAI)
COLLECTORS = ("collector", "collector2")
CODE = re.compile(r'data-testid="verify-code">([A-Z0-9]{4}-[A-Z0-9]{4})<')
CALL_PAGE = re.compile(r"/console/cases/([^/]+)/calls/([0-9a-f]{64})$")


class Clock:
    at = MORNING

    def now(self) -> datetime:
        return self.at


@pytest.fixture(scope="module")
def planned(console_db) -> dict[str, str]:
    engine = make_engine(console_db[0])
    given: dict[str, str] = {}
    with SqlUnitOfWork(engine) as uow:
        free = uow.conn.scalars(
            select(t.cases.c.id).where(t.cases.c.assignee_kind.is_(None)).order_by(t.cases.c.id)
        ).all()
        for n, case_id in enumerate(free):
            who = COLLECTORS[n % 2]
            case, event = uow.cases.get(case_id).assign(
                Assignee(AssigneeKind.COLLECTOR, who), "supervisor"
            )
            uow.cases.save(case)
            uow.events.append(case_id, event, console_data.NOW)
            given[case_id] = who
        uow.commit()
    run_strategy(SqlUnitOfWork(engine), RunOptions(as_of=console_data.AS_OF))
    dispatch(SqlUnitOfWork(engine), None, console_data.NOW + timedelta(minutes=5))
    engine.dispose()
    return given


@pytest.fixture
def clock() -> Clock:
    found = Clock()
    found.at = MORNING
    return found


@pytest.fixture
def app(console_db, planned, clock) -> FastAPI:
    settings = load_settings(
        database_url=console_db[0], secret_key="test-secret-key", locale="zh-CN", env="test"
    )
    return create_app(Services(settings, clock=clock))


def open_calls(console_db, assignee: str = "collector") -> list:
    engine = make_engine(console_db[0])
    with engine.connect() as conn:
        rows = list(
            conn.execute(
                select(tasks)
                .where(tasks.c.kind == "call", tasks.c.status.in_(("open", "deferred")))
                .where(tasks.c.assignee_id == assignee, tasks.c.due_on <= MORNING.date())
                .order_by(tasks.c.id)
            )
        )
    engine.dispose()
    return rows


def a_call(console_db, n: int = 0, assignee: str = "collector"):
    """A due call task nobody used yet in this module (`n`-th from the end)."""
    return open_calls(console_db, assignee)[-1 - n]


def events(console_db, case_id: str) -> list:
    engine = make_engine(console_db[0])
    with engine.connect() as conn:
        found = SqlEventLog(conn).events(case_id)
    engine.dispose()
    return found


def checked_case(browser, planned, n: int) -> tuple[str, str, str]:
    """Press "Check with the gate" on the page of the collector's `n`-th case from the end."""
    case_id = sorted(c for c, who in planned.items() if who == "collector")[-1 - n]
    posted = browser.post(f"/console/cases/{case_id}/calls/check")
    assert posted.status_code == 303, posted.text
    found = CALL_PAGE.search(posted.headers["location"])
    assert found, posted.headers["location"]
    return found.group(1), found.group(2), browser.get(posted.headers["location"]).text


def checked(browser, task_id: int) -> tuple[str, str, str]:
    """Press "Check with the gate" in the queue; (case, decision, the call page's HTML)."""
    posted = browser.post(f"/console/queue/tasks/{task_id}/check")
    assert posted.status_code == 303, posted.text
    found = CALL_PAGE.search(posted.headers["location"])
    assert found, posted.headers["location"]
    return found.group(1), found.group(2), browser.get(posted.headers["location"]).text


def test_a_collector_works_a_call_from_check_to_a_promise(open_as, console_db, portfolio):
    browser = open_as("collector")
    task = a_call(console_db)
    phone = portfolio.phones[task.case_id]

    case_id, decision, page = checked(browser, task.id)

    assert case_id == task.case_id
    assert 'data-verdict="allow"' in page and 'data-state="decided"' in page
    code = CODE.search(page)
    assert code, "the script shows a verify code"
    assert "http://127.0.0.1:8000/verify" in page  # "verify me at <portal> with code …"
    assert phone not in page  # masked until the call is started
    assert [e.type for e in events(console_db, case_id)][-1] == "gate_decision"
    assert task.id in [r.id for r in open_calls(console_db)]  # asking made no contact

    started = browser.post(f"/console/cases/{case_id}/calls/{decision}/start")
    page = browser.get(started.headers["location"]).text

    assert 'data-state="started"' in page and phone in page  # the number to dial, in full
    assert 'data-testid="outcome-form"' in page
    assert [e.type for e in events(console_db, case_id)][-1] == "contact_attempted"

    form = {
        "outcome": "promise_to_pay",
        "amount": "800.00",
        "due_on": "2026-07-10",
        "channel": "payment_link",
        "notes": "本人承诺 7 月 10 日前还款",
    }
    recorded = browser.post(f"/console/cases/{case_id}/calls/{decision}/record", data=form)
    page = browser.get(recorded.headers["location"]).text

    assert "call-error" not in page, re.findall(r'call-error">([^<]*)', page)
    assert 'data-testid="recorded"' in page and 'data-outcome="promise_to_pay"' in page
    types = [e.type for e in events(console_db, case_id)]
    assert types[-3:] == ["promise_recorded", "debtor_ack", "contact_recorded"]
    contact = events(console_db, case_id)[-1].data
    assert (contact["outcome"], contact["call_outcome"]) == ("conversation", "promise_to_pay")
    assert task.id not in [r.id for r in open_calls(console_db)]  # the task is done
    case_page = browser.get(f"/console/cases/{case_id}").text
    assert "记录还款承诺" in case_page and "已联络" in case_page  # the promise and the contact

    again = browser.post(f"/console/cases/{case_id}/calls/{decision}/record", data=form)
    page = browser.get(again.headers["location"]).text
    assert 'data-testid="call-error"' in page
    assert [e.type for e in events(console_db, case_id)].count("contact_recorded") == 1


def test_a_stale_decision_cannot_start_a_call(open_as, console_db, clock):
    browser = open_as("collector")
    case_id, decision, _page = checked(browser, a_call(console_db).id)
    clock.at = MORNING + timedelta(minutes=16)

    page = browser.get(
        browser.post(f"/console/cases/{case_id}/calls/{decision}/start").headers["location"]
    ).text

    assert 'data-testid="call-error"' in page and 'data-state="decided"' in page
    assert "contact_attempted" not in [e.type for e in events(console_db, case_id)][-1:]


def test_at_night_the_reasons_are_in_chinese_with_rule_ids_and_every_time_has_its_zone(
    open_as, console_db, clock
):
    task = a_call(console_db)
    engine = make_engine(console_db[0])
    with engine.begin() as conn:
        borrower = conn.scalar(select(t.cases.c.borrower_id).where(t.cases.c.id == task.case_id))
        conn.execute(
            update(t.borrowers).where(t.borrowers.c.id == borrower).values(timezone="Asia/Urumqi")
        )
    engine.dispose()
    clock.at = datetime(2026, 7, 1, 9, 30, tzinfo=SHANGHAI)  # 07:30 in Urumqi: quiet hours
    browser = open_as("collector")

    case_id, decision, page = checked(browser, task.id)
    english = browser.get(f"/console/cases/{case_id}/calls/{decision}?lang=en").text

    assert 'data-verdict="deny"' in page
    assert "CBA26-TIME" in page and "NIFA25-TIME" in page  # the ids, always
    assert "不得催收" in page and "No collection 22:00" not in page  # the pack's zh-CN text
    assert "No collection 22:00" in english
    assert "2026-07-01 10:00 (Asia/Shanghai)" in page  # allowed from, here
    assert "2026-07-01 08:00 (Asia/Urumqi)" in page  # and for the borrower
    assert "07:30 (Asia/Urumqi)" in page  # the borrower's local time now
    assert 'data-testid="start-call"' not in page
    queue = browser.get("/console/queue").text
    assert "(Asia/Shanghai)" in queue  # a deferred task's "allowed from" has its zone too


def test_a_supervisor_may_check_but_neither_dials_nor_sees_the_number(
    open_as, console_db, portfolio
):
    task = a_call(console_db, 1)
    browser = open_as("supervisor")

    case_id, decision, page = checked(browser, task.id)
    start = browser.post(f"/console/cases/{case_id}/calls/{decision}/start")
    after = browser.get(start.headers["location"]).text
    record = browser.post(
        f"/console/cases/{case_id}/calls/{decision}/record", data={"outcome": "no_answer"}
    )

    assert 'data-verdict="allow"' in page and 'data-testid="start-call"' not in page
    assert portfolio.phones[task.case_id] not in page + after
    assert 'data-testid="call-error"' in after
    assert record.status_code == 404
    assert "contact_attempted" not in [e.type for e in events(console_db, case_id)]


def test_who_may_not_call(open_as, console_db, portfolio):
    theirs = a_call(console_db, assignee="collector2")
    placed = portfolio.agency_cases["AG-EAST"][0]

    assert open_as().post(f"/console/cases/{theirs.case_id}/calls/check").status_code == 303
    assert open_as("fieldagent").post(f"/console/cases/{placed}/calls/check").status_code == 403
    assert (
        open_as("collector").post(f"/console/cases/{theirs.case_id}/calls/check").status_code == 404
    )
    assert open_as("east").post(f"/console/cases/{theirs.case_id}/calls/check").status_code == 404
    assert "gate_decision" not in [e.type for e in events(console_db, theirs.case_id)]


def test_the_case_page_offers_the_check_to_its_collector_only(open_as, console_db, planned):
    mine = next(c for c, who in planned.items() if who == "collector")
    theirs = next(c for c, who in planned.items() if who == "collector2")
    browser = open_as("collector")

    assert 'data-testid="check-gate"' in browser.get(f"/console/cases/{mine}").text
    assert 'data-testid="check-gate"' not in browser.get(f"/console/cases/{theirs}").text
    posted = browser.post(f"/console/cases/{mine}/calls/check")
    assert posted.status_code == 303 and CALL_PAGE.search(posted.headers["location"])


def test_the_call_forms_need_the_sessions_token(open_as, console_db):
    browser = open_as("collector")
    case_id, decision, page = checked(browser, a_call(console_db, 2).id)
    bare = open_as("collector", csrf=False)
    bare.cookies = browser.cookies

    for path in ("start", "record"):
        response = bare.post(
            f"/console/cases/{case_id}/calls/{decision}/{path}", data={"outcome": "busy"}
        )
        assert response.status_code == 403 and "此表单已过期" in response.text
    assert re.search(r'name="csrf_token" value="[^"]+"', page)
    assert [e.type for e in events(console_db, case_id)][-1] == "gate_decision"


# --- /verify --------------------------------------------------------------------------------


def verify(browser, code: str):
    return browser.post("/verify", data={"code": code})


def test_the_portal_address_answers_and_a_valid_code_names_the_collector(
    open_as, console_db, planned
):
    collector = open_as("collector")
    _case, _decision, page = checked_case(collector, planned, 0)
    code = CODE.search(page).group(1)
    borrower = open_as()  # nobody signed in

    form = borrower.get("/verify")
    found = verify(borrower, code.lower().replace("-", " "))

    assert form.status_code == 200 and 'name="csrf_token"' in form.text
    assert found.status_code == 200 and 'data-status="valid"' in found.text
    assert "Collector 测试" in found.text  # the display name
    assert "示例消费金融有限公司" in found.text  # in-house: the lender
    case_ref = re.search(r'data-testid="verify-case">([^<]+)<', found.text).group(1)
    assert case_ref.startswith("C-…") and _case not in found.text
    assert "(Asia/Shanghai)" in found.text


def test_an_unknown_or_expired_code_says_so_plainly(open_as, console_db, planned, clock):
    collector = open_as("collector")
    _case, _decision, page = checked_case(collector, planned, 1)
    code = CODE.search(page).group(1)
    borrower = open_as()

    unknown = verify(borrower, "ABCD-EFGH")
    garbage = verify(borrower, "not a code at all")
    clock.at = MORNING + timedelta(days=8)
    expired = verify(borrower, code)

    assert 'data-status="unknown"' in unknown.text and 'data-status="unknown"' in garbage.text
    assert 'data-status="expired"' in expired.text and "Collector 测试" not in expired.text
    english = borrower.post("/verify?lang=en", data={"code": "ABCD-EFGH"}).text
    assert "This code is not valid" in english


def test_verify_needs_the_token_and_slows_down_guessing(app, open_as):
    assert open_as(csrf=False).post("/verify", data={"code": "ABCD-EFGH"}).status_code == 403
    # an address of its own: the module's other tests tried codes as "testclient" (the
    # failures are counted in the database, docs/verify.md)
    with TestClient(app, client=("198.51.100.20", 40000)) as guesser:
        carry_token(guesser)

        answers = [verify(guesser, f"QRST-EF{n:02d}").status_code for n in range(12)]

    assert answers[:10] == [200] * 10 and answers[10:] == [429, 429]
