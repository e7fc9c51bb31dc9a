"""The authorization matrix: every route of the app × every persona (+ anonymous) × ownership.

The routes come from the app itself (`app.routes`: every path and method), so a route without a
row in POLICY fails `test_every_route_has_a_rule` — a new page cannot ship without someone
writing down who may open it. A row is one line: the route's method and path, and its rule:

    ("GET", "/console/visits/{visit_id}"): console(SUPERVISORS),
    ("GET", "/console/cases/{case_id}/thing"): case_route(),

Rules (each maps (persona, target) to the expected answer):
- public(): anyone is served (sign-in pages, the verify page, signed links);
- console(roles): staff of `roles` served, other staff 403, a borrower sent to the portal on
  GET and 403 on a post, anonymous sent to /login;
- case_route(roles, found): as console, and for a permitted role a case it may not see (another
  collector's, another agency's, not its visit's) or no case at all is 404 — never 403, so the
  answer does not confirm the case exists. `found=False`: the route names a sub-resource the
  test does not make (a call's decision), so a permitted role gets 404 too;
- portal(): a borrower served, staff 403, anonymous sent to the portal's sign-in;
- api(roles): a session of `roles` served, other sessions 403, no session and no token 401;
- token_only() / signed(): a bearer token / a provider's signature is the only key: 401 without.

Ownership targets (the {case_id} of a route): `own` is assigned to collector, `other` to
collector2, `agency` placed with AG-EAST (persona east), `other_agency` with AG-WEST, `missing`
exists nowhere. Personas: services.access's table is the expectation (docs/security.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import console_data
import pytest
from csrf_forms import carry_token, csrf_token_of
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from fixed_clock import FixedClock

from fairdebt.adapters.db.engine import make_engine
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.bootstrap import Services
from fairdebt.domain.case import Assignee, AssigneeKind
from fairdebt.services.users import create_user
from fairdebt.settings import load_settings
from fairdebt.web.app import create_app

OK, LOGIN, PORTAL, UNAUTH, DENIED, HIDDEN = "ok", "login", "portal", "401", "403", "404"
STAFF = ("collector", "collector2", "fieldagent", "east", "supervisor", "compliance", "admin")
PERSONAS = ("anonymous", "borrower", *STAFF)
ROLE = {
    "collector": "collector",
    "collector2": "collector",
    "fieldagent": "field_agent",
    "east": "agency",
    "supervisor": "supervisor",
    "compliance": "compliance",
    "admin": "admin",
}
TARGETS = {
    "own": "C-B0002",
    "other": "C-B0003",
    "agency": "C-B0000",
    "other_agency": "C-B0001",
    "missing": "C-NONE",
}
# Who sees which target (services.access): the expectation, written out.
ALL = frozenset({"own", "other", "agency", "other_agency"})
SEES: dict[str, frozenset[str]] = {
    "collector": frozenset({"own"}),
    "collector2": frozenset({"other"}),
    "fieldagent": frozenset(),  # no visit planned for its team here
    "east": frozenset({"agency"}),
    "supervisor": ALL,
    "compliance": ALL,
    "admin": ALL,
}
EVERY_STAFF = frozenset(ROLE.values())
SUPERVISORS = frozenset({"supervisor", "admin"})
OVERSIGHT = frozenset({"supervisor", "compliance", "admin"})
QUEUE = frozenset({"collector", "agency", "supervisor", "admin"})
TEMPLATES = frozenset({"collector", "supervisor", "compliance", "admin"})
ACTIVATE = frozenset({"supervisor", "compliance"})
UNMASK = frozenset({"supervisor", "compliance"})
FIELD = frozenset({"field_agent"})

Rule = Callable[[str, str | None, str], str]  # (persona, target, method) -> expected


def public(answer: str = OK) -> Rule:
    """Open to anyone; `answer`: what the test's empty form gets (a wrong code is a 401)."""
    return lambda _persona, _target, _method: answer


def _gate(persona: str, method: str, roles: frozenset[str]) -> str | None:
    """The console's answer before the route's own rule; None when the persona passes."""
    if persona == "anonymous":
        return LOGIN
    if persona == "borrower":
        return PORTAL if method == "GET" else DENIED
    return None if ROLE[persona] in roles else DENIED


def console(roles: frozenset[str] = EVERY_STAFF, found: bool = True) -> Rule:
    def rule(persona: str, _target: str | None, method: str) -> str:
        return _gate(persona, method, roles) or (OK if found else HIDDEN)

    return rule


def case_route(roles: frozenset[str] = EVERY_STAFF, found: bool = True) -> Rule:
    def rule(persona: str, target: str | None, method: str) -> str:
        refused = _gate(persona, method, roles)
        if refused is not None:
            return refused
        return OK if found and target in SEES[persona] else HIDDEN

    return rule


def dialer_route() -> Rule:
    """A call's outcome: only who dials the case's calls (its collector, its agency) posts it;
    supervisors look but do not record (404, as for a case they could not see)."""

    def rule(persona: str, target: str | None, method: str) -> str:
        refused = _gate(persona, method, QUEUE)
        if refused is not None:
            return refused
        dials = ROLE[persona] in ("collector", "agency") and target in SEES[persona]
        return OK if dials else HIDDEN

    return rule


def portal() -> Rule:
    def rule(persona: str, _target: str | None, _method: str) -> str:
        return PORTAL if persona == "anonymous" else OK if persona == "borrower" else DENIED

    return rule


def api(roles: frozenset[str], found: bool = True) -> Rule:
    def rule(persona: str, _target: str | None, _method: str) -> str:
        if persona == "anonymous":
            return UNAUTH
        if persona == "borrower" or ROLE[persona] not in roles:
            return DENIED
        return OK if found else HIDDEN

    return rule


def but_borrower(answer: str) -> Rule:
    """Served to all, but a signed-in borrower is sent to its portal home (/, the sign-in)."""
    return lambda persona, _target, _method: answer if persona == "borrower" else OK


def field(found: bool = True) -> Rule:
    """The field app: field agents only, and only their own team's visits (404 otherwise)."""

    def rule(persona: str, _target: str | None, method: str) -> str:
        if persona == "borrower":
            return DENIED  # not the console: no redirect to the portal, a plain refusal
        refused = _gate(persona, method, FIELD)
        if refused is not None:
            return refused
        return OK if found else HIDDEN

    return rule


def signs_out() -> Rule:
    return lambda _persona, _target, _method: LOGIN


def second_step() -> Rule:
    """The code (or set-up) step of a sign-in: without the challenge a right password gives,
    anyone, signed in or not, is sent back to /login."""
    return lambda _persona, _target, _method: LOGIN


def token_only() -> Rule:
    return lambda _persona, _target, _method: UNAUTH


signed = token_only  # a provider's webhook: its signature is its key


# One line per route: (method, path) -> rule. Other branches' routes are added here when merged.
POLICY: dict[tuple[str, str], Rule] = {
    ("GET", "/healthz"): public(),
    ("GET", "/openapi.json"): public(),
    ("GET", "/"): but_borrower(PORTAL),
    ("GET", "/login"): public(),
    ("POST", "/login"): public(),
    ("POST", "/logout"): signs_out(),  # probed last: it ends the persona's session
    ("GET", "/login/code"): second_step(),
    ("POST", "/login/code"): second_step(),
    ("GET", "/login/enrol"): second_step(),
    ("POST", "/login/enrol"): second_step(),
    # each staff member's own second factor (pages/second_factor.py)
    ("GET", "/console/account/2fa"): console(),
    ("POST", "/console/account/2fa/start"): console(),
    ("POST", "/console/account/2fa/confirm"): console(),
    ("POST", "/console/account/2fa/disable"): console(),
    ("GET", "/verify"): public(),
    ("POST", "/verify"): public(),
    # the console's case list, case page and their forms (services.access)
    ("GET", "/console/"): console(),
    ("GET", "/console/cases/{case_id}"): case_route(),
    ("POST", "/console/cases/{case_id}/unmask"): case_route(UNMASK),
    ("POST", "/console/cases/{case_id}/grant"): case_route(SUPERVISORS),
    ("POST", "/console/cases/{case_id}/calls/check"): case_route(QUEUE),
    ("GET", "/console/cases/{case_id}/calls/{decision_id}"): case_route(QUEUE, found=False),
    ("POST", "/console/cases/{case_id}/calls/{decision_id}/start"): case_route(QUEUE, False),
    ("POST", "/console/cases/{case_id}/calls/{decision_id}/record"): dialer_route(),
    ("GET", "/console/queue"): console(QUEUE),
    ("POST", "/console/queue/tasks/{task_id}/check"): console(QUEUE, found=False),
    ("GET", "/console/strategy"): console(OVERSIGHT),
    ("GET", "/console/strategy/{run_id}"): console(OVERSIGHT, found=False),
    ("GET", "/console/templates"): console(TEMPLATES),
    ("GET", "/console/templates/{template_id}"): console(TEMPLATES, found=False),
    ("POST", "/console/templates/{template_id}/activate"): console(ACTIVATE),
    ("GET", "/console/desk/"): console(OVERSIGHT),
    ("GET", "/console/desk/complaints/{complaint_id}"): console(OVERSIGHT, found=False),
    ("POST", "/console/desk/complaints/{complaint_id}/{action}"): console(OVERSIGHT),
    ("GET", "/console/desk/reviews"): console(OVERSIGHT),
    ("POST", "/console/desk/reviews/{task_id}"): console(OVERSIGHT),
    ("GET", "/console/desk/plans"): console(OVERSIGHT),
    ("POST", "/console/desk/plans/{plan_id}/{action}"): console(OVERSIGHT),
    ("GET", "/console/desk/decisions"): console(OVERSIGHT),
    ("GET", "/console/desk/alerts"): console(OVERSIGHT),
    # field visits in the console (supervisors decide; compliance looks)
    ("GET", "/console/visits/"): console(OVERSIGHT),
    ("GET", "/console/visits/scheduled"): console(OVERSIGHT),
    ("GET", "/console/visits/teams"): console(OVERSIGHT),
    ("GET", "/console/visits/agents/{user_id}/photo"): console(OVERSIGHT, found=False),
    # a visit's signed report: oversight any visit's, a field agent its own team's (404 else)
    ("GET", "/console/visits/{visit_id}/report.pdf"): console(OVERSIGHT | FIELD, found=False),
    ("POST", "/console/visits/decide"): console(SUPERVISORS),
    ("POST", "/console/visits/plan"): console(SUPERVISORS),
    ("POST", "/console/visits/notices"): console(SUPERVISORS),
    ("POST", "/console/visits/agents"): console(SUPERVISORS),
    ("POST", "/console/visits/teams"): console(SUPERVISORS),
    # the field app (a visit of another team, or none, is 404)
    ("GET", "/field/"): field(),
    ("GET", "/field/sw.js"): field(),
    ("GET", "/field/visits/{visit_id}"): field(found=False),
    ("GET", "/field/visits/{visit_id}/agents/{member}/photo"): field(found=False),
    ("GET", "/field/visits/{visit_id}/report.pdf"): field(found=False),
    ("POST", "/field/visits/{visit_id}/audio"): field(found=False),
    ("POST", "/field/visits/{visit_id}/check-in"): field(found=False),
    ("POST", "/field/visits/{visit_id}/check-out"): field(found=False),
    ("POST", "/field/visits/{visit_id}/contacts"): field(found=False),
    ("POST", "/field/visits/{visit_id}/notice"): field(found=False),
    ("POST", "/field/visits/{visit_id}/photos"): field(found=False),
    ("POST", "/field/visits/{visit_id}/show-id"): field(found=False),
    # the borrower portal: its own borrower only (test_a_borrower_sees_only_its_own_case)
    ("GET", "/portal/sign-in"): but_borrower(PORTAL),
    ("POST", "/portal/sign-in"): public(),
    ("POST", "/portal/sign-in/code"): public(UNAUTH),  # the test's code is wrong
    ("GET", "/portal/"): portal(),
    ("GET", "/portal/record"): portal(),
    ("GET", "/portal/record.json"): portal(),
    ("GET", "/portal/negotiate"): portal(),
    ("POST", "/portal/negotiate/preview"): portal(),
    ("POST", "/portal/negotiate/code"): portal(),
    ("POST", "/portal/negotiate/sign"): portal(),
    ("GET", "/portal/preferences"): portal(),
    ("POST", "/portal/preferences"): portal(),
    ("GET", "/portal/guide"): portal(),
    ("POST", "/portal/preferences/remove"): portal(),
    ("GET", "/portal/record.pdf"): portal(),
    ("GET", "/portal/record.bundle"): portal(),
    ("GET", "/portal/complaints"): portal(),
    ("POST", "/portal/complaints"): portal(),
    ("GET", "/portal/collector"): portal(),
    ("POST", "/portal/collector"): portal(),
    ("POST", "/portal/collector/impostor"): portal(),
    ("GET", "/portal/letter"): public(),
    ("POST", "/portal/letter"): public(UNAUTH),  # the test's code is wrong
    ("GET", "/portal/letter/{token}"): public(),
    # the JSON API
    ("POST", "/api/v1/gate/check"): token_only(),
    ("GET", "/api/v1/strategy/runs"): api(OVERSIGHT),
    ("GET", "/api/v1/strategy/runs/{run_id}/report"): api(OVERSIGHT, found=False),
    ("POST", "/api/v1/inbound/sms/{provider}"): signed(),
    ("POST", "/api/v1/inbound/sms/{provider}/receipts"): signed(),
    ("POST", "/api/v1/inbound/email/bounces"): signed(),
    ("GET", "/api/v1/inbound/email/unsubscribe"): public(),
    ("POST", "/api/v1/inbound/email/unsubscribe"): public(),
}
# Values of path parameters other than {case_id}: ids that exist nowhere, or a valid word.
PARAMS = {
    "decision_id": "0" * 64,
    "task_id": "999999",
    "run_id": "no-such-run",
    "template_id": "no-such-template",
    "complaint_id": "CMP-NONE",
    "plan_id": "no-such-plan",
    "provider": "gateway",
    "action": "acknowledge",
    "user_id": "no-such-user",
    "visit_id": "V-NONE",
    "member": "no-such-user",
    "token": "no-such-token",
}
# Form fields a route validates before its own rule runs (else every persona would get a 422).
FORMS = {
    "/console/templates/{template_id}/activate": {"version": "1"},
    "/login/code": {"code": "000000"},
    "/login/enrol": {"code": "000000"},
}
NOT_ROUTES = frozenset({"/static"})  # the static files' mount: no data behind it


@dataclass(frozen=True, slots=True)
class Probe:
    method: str
    path: str
    persona: str
    target: str | None

    def url(self) -> str:
        url = self.path.replace("{case_id}", TARGETS[self.target]) if self.target else self.path
        return re.sub(r"\{(\w+)\}", lambda m: PARAMS[m.group(1)], url)


def routes_of(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app answers, HEAD aside (Starlette adds it to every GET);
    included routers are walked through (fastapi.routing.iter_route_contexts)."""
    found = set()
    for route in iter_route_contexts(app.routes):
        path = getattr(route, "path", "")
        methods = getattr(route, "methods", None)
        if methods is None:
            assert path in NOT_ROUTES, f"{path}: a mount or route without methods; say what it is"
            continue
        found |= {(m, path) for m in methods if m != "HEAD"}
    return found


@pytest.fixture(scope="module")
def matrix_app(console_db: tuple[str, console_data.Portfolio]) -> FastAPI:
    """The console app with the ownership the targets need and a user per persona."""
    url = console_db[0]
    engine = make_engine(url)
    uow = SqlUnitOfWork(engine)
    for name, role in (
        ("collector2", "collector"),
        ("compliance", "compliance"),
        ("admin", "admin"),
    ):
        create_user(uow, name, role, console_data.PASSWORD, f"{name} 测试")
    with uow:
        for target, who in (("own", "collector"), ("other", "collector2")):
            case = uow.cases.get(TARGETS[target])
            assert case is not None and case.assignee is None
            case, event = case.assign(Assignee(AssigneeKind.COLLECTOR, who), "test")
            uow.cases.save(case)
            uow.events.append(case.id, event, console_data.NOW)
        uow.commit()
    engine.dispose()
    settings = load_settings(database_url=url, secret_key="test-secret-key", env="test")
    return create_app(Services(settings, clock=FixedClock(console_data.NOW)))


@pytest.fixture(scope="module")
def browsers(matrix_app: FastAPI) -> Iterator[dict[str, TestClient]]:
    opened = {p: TestClient(matrix_app, follow_redirects=False) for p in PERSONAS}
    for persona, browser in opened.items():
        if persona != "anonymous":
            form = {"username": persona, "password": console_data.PASSWORD}
            answer = browser.post("/login", data=form | {"csrf_token": csrf_token_of(browser)})
            assert answer.status_code == 303, (persona, answer.text)
        carry_token(browser)
    yield opened
    for browser in opened.values():
        browser.close()


def outcome(status: int, location: str) -> str:
    if status in (301, 302, 303, 307):
        if location.startswith("/login") or "/login?" in location:
            return LOGIN
        if "/portal/" in location and persona_free(location):
            return PORTAL
        return OK
    if status == 401:
        return UNAUTH
    if status == 403:
        return DENIED
    if status == 404:
        return HIDDEN
    if status >= 500:
        return f"{status}"
    return OK  # 200, or a handler's own 400/409/422 on the test's empty form: it let us in


def persona_free(location: str) -> bool:
    """A redirect into the portal's home or sign-in (not a page of one borrower's)."""
    path = location.split("://", 1)[-1]
    path = path[path.find("/") :] if "://" in location else path
    return path.split("?")[0] in ("/portal/", "/portal/sign-in")


def probes(app: FastAPI) -> Iterator[Probe]:
    for method, path in sorted(routes_of(app), key=lambda r: (r[1] == "/logout", r)):
        targets = list(TARGETS) if "{case_id}" in path else [None]
        for persona in PERSONAS:
            for target in targets:
                yield Probe(method, path, persona, target)


def answer(browser: TestClient, probe: Probe) -> str:
    if probe.method == "GET":
        response = browser.get(probe.url())
    elif probe.path.startswith("/api/"):
        response = browser.request(probe.method, probe.url(), content=json.dumps({}))
    else:
        carry_token(browser)  # a refusal may have cleared the session's token: post a good one
        response = browser.request(probe.method, probe.url(), data=FORMS.get(probe.path, {}))
    return outcome(response.status_code, response.headers.get("location", ""))


def test_every_route_has_a_rule_and_every_rule_a_route(matrix_app: FastAPI) -> None:
    served = routes_of(matrix_app)
    missing = sorted(served - POLICY.keys())
    stale = sorted(POLICY.keys() - served)
    assert not missing, f"routes without a row in POLICY (add one line each): {missing}"
    assert not stale, f"rows of POLICY for routes the app no longer has: {stale}"


def test_every_route_answers_every_persona_as_its_rule_says(
    matrix_app: FastAPI, browsers: dict[str, TestClient]
) -> None:
    wrong = []
    for probe in probes(matrix_app):
        rule = POLICY.get((probe.method, probe.path))
        if rule is None:
            continue  # the test above names it
        expected = rule(probe.persona, probe.target, probe.method)
        got = answer(browsers[probe.persona], probe)
        if got != expected:
            wrong.append(f"{probe.method} {probe.url()} as {probe.persona}: {got}, not {expected}")
    assert not wrong, "\n".join(wrong)


def test_a_borrower_sees_only_its_own_case(matrix_app: FastAPI) -> None:
    with TestClient(matrix_app, follow_redirects=False) as browser:
        form = {"username": "borrower", "password": console_data.PASSWORD}
        browser.post("/login", data=form | {"csrf_token": csrf_token_of(browser)})
        record = browser.get("/portal/record.json")
    assert record.status_code == 200
    cases = set(re.findall(r"C-B\d{4}", record.text))
    assert cases == {"C-B0001"}  # the persona's borrower B0001; no other borrower's case
