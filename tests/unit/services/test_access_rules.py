"""services.access on fakes: which cases each role sees, grants (and their end), unmasking."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from fakes import FakeUnitOfWork

from fairdebt.domain.case import Assignee, AssigneeKind, Case
from fairdebt.services import access
from fairdebt.services.access import AccessError, grant, may_see, record_view, visible_cases
from fairdebt.services.ports.identity import Role, User
from fairdebt.services.ports.visits import FieldAgent, Team, Visit

NOW = datetime(2026, 6, 30, 9, 30, tzinfo=UTC)
MINE = Assignee(AssigneeKind.COLLECTOR, "wang")
THEIRS = Assignee(AssigneeKind.COLLECTOR, "li")
EAST = Assignee(AssigneeKind.AGENCY, "AG-EAST")
ASSIGNEES = {"C-1": MINE, "C-2": THEIRS, "C-3": EAST, "C-4": None, "C-5": None}


def user(name: str, role: Role, **extra: object) -> User:
    return User(f"u-{name}", name, name, role, **extra)  # type: ignore[arg-type]


WANG = user("wang", Role.COLLECTOR)
LI = user("li", Role.COLLECTOR)
EAST_USER = user("east", Role.AGENCY, agency_id="AG-EAST")
AGENT = user("zhou", Role.FIELD_AGENT)
SUPERVISOR = user("boss", Role.SUPERVISOR)
COMPLIANCE = user("audit", Role.COMPLIANCE)
ADMIN = user("root", Role.ADMIN)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    fake = FakeUnitOfWork()
    with fake:
        for case_id, who in ASSIGNEES.items():
            fake.cases.add(Case(case_id, f"B{case_id}", (), date(2026, 1, 1), assignee=who))
        for u in (WANG, LI, EAST_USER, AGENT, SUPERVISOR, COMPLIANCE, ADMIN):
            fake.users.add(u, "hash")
        fake.field_agents.add(FieldAgent(AGENT.id, "CERT-1", "issuer", date(2027, 1, 1), NOW))
        fake.field_agents.add(FieldAgent("u-other", "CERT-2", "issuer", date(2027, 1, 1), NOW))
        team = Team(
            "T-1", "team", (AGENT.id, "u-other"), 39.9, 116.4, "base", 8, "09:00", "18:00", NOW
        )
        fake.teams.add(team)
        fake.visits.add(_visit("V-1", "C-4", "scheduled"))
        fake.visits.add(_visit("V-2", "C-5", "reported"))  # done: no longer the agent's
        fake.commit()
    return fake


def _visit(visit_id: str, case_id: str, status: str) -> Visit:
    return Visit(visit_id, case_id, None, status, "addr", "北京", NOW, NOW, team_id="T-1")


def seen(uow: FakeUnitOfWork, who: User, now: datetime = NOW) -> set[str]:
    """The cases `who` may open, by may_see, checked against visible_cases' scope."""
    by_case = {c for c in ASSIGNEES if may_see(uow, who, c, now)}
    scope = visible_cases(uow, who, now)
    with uow:
        by_scope = {c for c in ASSIGNEES if scope.covers(uow.cases.get(c))}  # type: ignore[arg-type]
    assert by_case == by_scope, "may_see and visible_cases disagree"
    return by_case


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (WANG, {"C-1"}),
        (LI, {"C-2"}),
        (EAST_USER, {"C-3"}),
        (AGENT, {"C-4"}),
        (SUPERVISOR, set(ASSIGNEES)),
        (COMPLIANCE, set(ASSIGNEES)),
        (ADMIN, set(ASSIGNEES)),
        (user("b", Role.BORROWER, borrower_id="BC-1"), set()),
    ],
    ids=lambda v: v.username if isinstance(v, User) else "",
)
def test_each_role_sees_exactly_its_cases(uow, who, expected):
    assert seen(uow, who) == expected


def test_a_disabled_user_and_an_agency_user_without_agency_see_nothing(uow):
    assert seen(uow, User("u-x", "wang", "x", Role.COLLECTOR, disabled_at=NOW)) == set()
    assert seen(uow, user("lost", Role.AGENCY)) == set()


def test_a_missing_case_is_seen_by_no_one(uow):
    assert not may_see(uow, SUPERVISOR, "C-NONE", NOW)


def test_a_grant_lets_a_collector_see_the_case_until_it_ends(uow):
    done = grant(uow, "C-2", "Wang ", 3, "covering for li on leave", "boss", NOW)

    assert done.until == NOW + timedelta(days=3) and done.to == "wang"
    assert seen(uow, WANG) == {"C-1", "C-2"}
    assert seen(uow, WANG, NOW + timedelta(days=3) - timedelta(seconds=1)) == {"C-1", "C-2"}
    assert seen(uow, WANG, NOW + timedelta(days=3)) == {"C-1"}  # ended
    assert seen(uow, LI) == {"C-2"}  # the assignee keeps it
    [event] = [e for e in uow.events.events("C-2") if e.type == access.GRANTED]
    assert event.actor == "boss"
    assert event.data["collector"] == "wang" and event.data["reason"] == "covering for li on leave"
    assert [g.case_id for g in access.active_grants(uow, NOW, to="wang")] == ["C-2"]


@pytest.mark.parametrize(
    ("case_id", "to", "days", "reason"),
    [
        ("C-2", "wang", 0, "r"),
        ("C-2", "wang", access.MAX_GRANT_DAYS + 1, "r"),
        ("C-2", "wang", 10**30, "r"),
        ("C-2", "wang", True, "r"),
        ("C-2", "wang", 3, ""),
        ("C-2", "wang", 3, "   "),
        ("C-2", "wang", 3, "bad\x00reason"),
        ("C-2", "wang", 3, "x" * (access.MAX_REASON + 1)),
        ("C-2", "boss", 3, "r"),  # a supervisor sees every case already; grants are to collectors
        ("C-2", "east", 3, "r"),
        ("C-2", "nobody", 3, "r"),
        ("C-NONE", "wang", 3, "r"),
        ("C-1", "wang", 3, "r"),  # already assigned to wang
    ],
)
def test_a_bad_grant_is_refused_and_writes_nothing(uow, case_id, to, days, reason):
    before = list(uow.events.all_events())

    with pytest.raises(AccessError):
        grant(uow, case_id, to, days, reason, "boss", NOW)

    assert list(uow.events.all_events()) == before


def test_a_grant_to_a_disabled_collector_is_refused(uow):
    with uow:
        uow.users.update(User(LI.id, "li", "li", Role.COLLECTOR, disabled_at=NOW))
        uow.commit()
    with pytest.raises(AccessError):
        grant(uow, "C-1", "li", 3, "r", "boss", NOW)


def test_unmasking_logs_who_which_field_and_why(uow):
    event = record_view(uow, COMPLIANCE, "C-3", "phones", " review of complaint  CMP-1 ", NOW)

    assert event.type == access.VIEWED and event.actor == "audit"
    assert dict(event.data) == {
        "field": "phones",
        "reason": "review of complaint CMP-1",
        "role": "compliance",
    }


@pytest.mark.parametrize(
    ("who", "case_id", "what", "reason"),
    [
        (WANG, "C-1", "phones", "r"),  # collectors see their cases' contact details anyway
        (ADMIN, "C-1", "phones", "r"),
        (EAST_USER, "C-3", "phones", "r"),
        (SUPERVISOR, "C-1", "national_id", "r"),  # not a field to unmask
        (SUPERVISOR, "C-1", "phones", ""),
        (SUPERVISOR, "C-NONE", "phones", "r"),
    ],
)
def test_unmasking_is_refused_without_role_field_reason_or_case(uow, who, case_id, what, reason):
    before = list(uow.events.all_events())

    with pytest.raises(AccessError):
        record_view(uow, who, case_id, what, reason, NOW)

    assert list(uow.events.all_events()) == before
