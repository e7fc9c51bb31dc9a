"""Minimum necessary access through the console: a collector's list, search and case page hold
only its cases; a grant opens one case for some days; unmasking a field is logged and shown once.

The console portfolio with cases C-B0002..C-B0004 given to `collector` and C-B0007..C-B0009 to
`collector2`; the app's clock can be moved (a grant's end)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import console_data
import pytest
from csrf_forms import carry_token, csrf_token_of
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fairdebt.adapters.db.engine import make_engine
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.bootstrap import Services
from fairdebt.domain.case import Assignee, AssigneeKind
from fairdebt.services.users import create_user
from fairdebt.settings import load_settings
from fairdebt.web.app import create_app

MINE = ("C-B0002", "C-B0003", "C-B0004")
THEIRS = ("C-B0007", "C-B0008", "C-B0009")


class MovableClock:
    def __init__(self, now: datetime) -> None:
        self.at = now

    def now(self) -> datetime:
        return self.at


@pytest.fixture(scope="module")
def clock() -> MovableClock:
    return MovableClock(console_data.NOW)


@pytest.fixture(scope="module")
def scoped_app(console_db: tuple[str, console_data.Portfolio], clock: MovableClock) -> FastAPI:
    url = console_db[0]
    engine = make_engine(url)
    uow = SqlUnitOfWork(engine)
    for name, role in (("collector2", "collector"), ("compliance", "compliance")):
        create_user(uow, name, role, console_data.PASSWORD, f"{name} 测试")
    with uow:
        for ids, who in ((MINE, "collector"), (THEIRS, "collector2")):
            for case_id in ids:
                case = uow.cases.get(case_id)
                assert case is not None
                case, event = case.assign(Assignee(AssigneeKind.COLLECTOR, who), "test")
                uow.cases.save(case)
                uow.events.append(case_id, event, console_data.NOW)
        uow.commit()
    engine.dispose()
    settings = load_settings(database_url=url, secret_key="test-secret-key", env="test")
    return create_app(Services(settings, clock=clock))


@pytest.fixture
def browse(scoped_app: FastAPI) -> Iterator[Callable[[str], TestClient]]:
    opened: list[TestClient] = []

    def _open(username: str) -> TestClient:
        browser = TestClient(scoped_app, follow_redirects=False)
        opened.append(browser)
        form = {"username": username, "password": console_data.PASSWORD}
        assert (
            browser.post("/login", data=form | {"csrf_token": csrf_token_of(browser)}).status_code
            == 303
        )
        return carry_token(browser)

    yield _open
    for browser in opened:
        browser.close()


def listed(browser: TestClient, query: str = "") -> set[str]:
    return set(re.findall(r'data-case="([^"]+)"', browser.get(f"/console/?{query}").text))


def events_of(scoped_app: FastAPI, case_id: str, kind: str) -> list:
    with scoped_app.state.services.uow() as uow:
        return [e for e in uow.events.events(case_id) if e.type == kind]


def test_a_collector_lists_and_searches_only_its_assigned_cases(browse):
    collector = browse("collector")

    assert listed(collector) == set(MINE)
    assert "3" in collector.get("/console/?lang=en").text  # the total counts its cases only
    assert listed(collector, f"q={THEIRS[0]}") == set()
    assert listed(collector, "q=C-B") == set(MINE)
    assert listed(browse("collector2")) == set(THEIRS)


def test_a_collector_gets_not_found_for_another_collectors_case(browse):
    collector = browse("collector")

    assert collector.get(f"/console/cases/{MINE[0]}").status_code == 200
    for other in (THEIRS[0], "C-B0000", "C-B0005", "C-NONE"):  # collector2's, agency's, free
        answer = collector.get(f"/console/cases/{other}")
        assert answer.status_code == 404, other
        assert console_data.PASSWORD not in answer.text


def test_a_collector_sees_its_own_cases_contact_details_whole(browse, portfolio):
    html = browse("collector").get(f"/console/cases/{MINE[0]}").text

    assert portfolio.names[MINE[0]] in html and portfolio.phones[MINE[0]] in html
    assert 'data-testid="unmask-card"' not in html and 'data-testid="grant-card"' not in html


def test_an_agency_lists_only_its_placed_cases(browse, portfolio):
    assert listed(browse("east")) <= set(portfolio.agency_cases["AG-EAST"])
    assert browse("east").get(f"/console/cases/{MINE[0]}").status_code == 404


def test_a_supervisor_grant_opens_a_case_to_a_collector_until_it_ends(
    browse, scoped_app, clock, portfolio
):
    supervisor, collector = browse("supervisor"), browse("collector")
    case_id = THEIRS[1]
    assert collector.get(f"/console/cases/{case_id}").status_code == 404

    form = {"collector": "collector", "days": "2", "reason": "covering for collector2"}
    answer = supervisor.post(f"/console/cases/{case_id}/grant", data=form)

    assert answer.status_code == 303
    [granted] = events_of(scoped_app, case_id, "case_access_granted")
    assert granted.actor == "supervisor" and granted.data["collector"] == "collector"
    assert collector.get(f"/console/cases/{case_id}").status_code == 200
    assert case_id in listed(collector)
    log = supervisor.get(f"/console/cases/{case_id}?lang=en").text
    assert "Case access granted" in log and "covering for collector2" in log
    try:
        clock.at = console_data.NOW + timedelta(days=2)
        collector = browse("collector")  # a new session: the old one ended meanwhile
        assert collector.get(f"/console/cases/{case_id}").status_code == 404
        assert case_id not in listed(collector)
    finally:
        clock.at = console_data.NOW


@pytest.mark.parametrize(
    "form",
    [
        {"collector": "collector", "days": "0", "reason": "r"},
        {"collector": "collector", "days": "31", "reason": "r"},
        {"collector": "collector", "days": "9" * 40, "reason": "r"},
        {"collector": "collector", "days": "-1", "reason": "r"},
        {"collector": "collector", "days": "2", "reason": ""},
        {"collector": "collector", "days": "2", "reason": "x\x00y"},
        {"collector": "east", "days": "2", "reason": "r"},
        {"collector": "nobody", "days": "2", "reason": "r"},
    ],
)
def test_a_bad_grant_is_refused_and_writes_nothing(browse, scoped_app, form):
    case_id = THEIRS[2]

    answer = browse("supervisor").post(f"/console/cases/{case_id}/grant", data=form)

    assert answer.status_code == 422
    assert 'data-testid="access-error"' in answer.text
    assert events_of(scoped_app, case_id, "case_access_granted") == []


def test_only_supervisors_and_admins_grant(browse, scoped_app):
    form = {"collector": "collector", "days": "2", "reason": "r"}
    for who in ("collector", "collector2", "compliance", "east"):
        assert browse(who).post(f"/console/cases/{THEIRS[2]}/grant", data=form).status_code == 403
    assert events_of(scoped_app, THEIRS[2], "case_access_granted") == []


@pytest.mark.parametrize("who", ["supervisor", "compliance"])
def test_unmasking_logs_an_event_and_shows_the_value_once(browse, scoped_app, portfolio, who):
    case_id, phone = "C-B0010", portfolio.phones["C-B0010"]
    browser = browse(who)
    assert phone not in browser.get(f"/console/cases/{case_id}").text
    before = len(events_of(scoped_app, case_id, "personal_data_viewed"))

    shown = browser.post(
        f"/console/cases/{case_id}/unmask", data={"field": "phones", "reason": "complaint CMP-9"}
    )

    assert shown.status_code == 200 and phone in shown.text
    assert shown.headers["cache-control"] == "no-store"
    assert portfolio.names[case_id] not in shown.text  # the other fields stay masked
    viewed = events_of(scoped_app, case_id, "personal_data_viewed")
    assert len(viewed) == before + 1
    assert viewed[-1].actor == who
    assert dict(viewed[-1].data) == {"field": "phones", "reason": "complaint CMP-9", "role": who}
    again = browser.get(f"/console/cases/{case_id}?lang=en").text
    assert phone not in again  # once: the next answer is masked again
    assert "Personal data viewed" in again and "complaint CMP-9" in again


@pytest.mark.parametrize(
    "form",
    [{"field": "phones", "reason": ""}, {"field": "national_id", "reason": "r"}, {}],
)
def test_a_bad_unmasking_shows_nothing_and_logs_nothing(browse, scoped_app, portfolio, form):
    case_id = "C-B0011"

    answer = browse("supervisor").post(f"/console/cases/{case_id}/unmask", data=form)

    assert answer.status_code == 422
    assert portfolio.phones[case_id] not in answer.text
    assert events_of(scoped_app, case_id, "personal_data_viewed") == []


def test_a_collector_cannot_unmask_and_another_case_is_not_found(browse, scoped_app):
    form = {"field": "phones", "reason": "r"}
    assert (
        browse("collector").post(f"/console/cases/{MINE[0]}/unmask", data=form).status_code == 403
    )
    assert browse("supervisor").post("/console/cases/C-NONE/unmask", data=form).status_code == 404
    assert events_of(scoped_app, MINE[0], "personal_data_viewed") == []
