"""Fakes of the field-visit ports (dicts, same semantics as the SQL repositories)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from fairdebt.errors import FairdebtError
from fairdebt.services.ports.visits import FieldAgent, Team, Visit


class FakeFieldAgentRepository:
    def __init__(self) -> None:
        self.rows: dict[str, FieldAgent] = {}

    def add(self, agent: FieldAgent) -> None:
        taken = {a.certificate_no for a in self.rows.values()}
        if agent.user_id in self.rows or agent.certificate_no in taken:
            raise FairdebtError(f"{agent.user_id} or its certificate is registered already")
        self.rows[agent.user_id] = agent

    def get(self, user_id: str) -> FieldAgent | None:
        return self.rows.get(user_id)

    def all(self) -> list[FieldAgent]:
        return [self.rows[k] for k in sorted(self.rows)]


class FakeTeamRepository:
    def __init__(self, agents: FakeFieldAgentRepository) -> None:
        self.rows: dict[str, Team] = {}
        self.agents = agents

    def add(self, team: Team) -> None:
        names = {t.name for t in self.rows.values()}
        unknown = [m for m in team.members if m not in self.agents.rows]
        if team.id in self.rows or team.name in names or unknown:
            raise FairdebtError(f"a team named {team.name!r} exists, or a member is no agent")
        self.rows[team.id] = team

    def get(self, team_id: str) -> Team | None:
        return self.rows.get(team_id)

    def all(self) -> list[Team]:
        return sorted(self.rows.values(), key=lambda t: t.name)


class FakeVisitRepository:
    def __init__(self) -> None:
        self.rows: dict[str, Visit] = {}

    def add(self, visit: Visit) -> bool:
        tasks = {v.task_id for v in self.rows.values() if v.task_id is not None}
        if visit.id in self.rows or (visit.task_id is not None and visit.task_id in tasks):
            return False
        self.rows[visit.id] = visit
        return True

    def get(self, visit_id: str) -> Visit | None:
        return self.rows.get(visit_id)

    def update(self, visit: Visit, expected_status: str) -> bool:
        stored = self.rows.get(visit.id)
        if stored is None or stored.status != expected_status:
            return False
        self.rows[visit.id] = replace(visit)
        return True

    def listing(
        self,
        statuses: tuple[str, ...] = (),
        visit_date: date | None = None,
        team_id: str | None = None,
        case_id: str | None = None,
    ) -> list[Visit]:
        found = [
            v
            for v in self.rows.values()
            if (not statuses or v.status in statuses)
            and (visit_date is None or v.visit_date == visit_date)
            and (team_id is None or v.team_id == team_id)
            and (case_id is None or v.case_id == case_id)
        ]
        return sorted(found, key=_order)

    def task_ids(self) -> set[int]:
        return {v.task_id for v in self.rows.values() if v.task_id is not None}


def _order(v: Visit) -> tuple[object, ...]:
    return (
        v.visit_date is None,
        v.visit_date or date.min,
        v.team_id is None,
        v.team_id or "",
        v.stop_order is None,
        v.stop_order or 0,
        v.id,
    )


class FakeVisitRepositories:
    def setup(self) -> None:
        """Called by FakeUnitOfWork.__init__: this group's fake repositories."""
        self.field_agents = FakeFieldAgentRepository()
        self.teams = FakeTeamRepository(self.field_agents)
        self.visits = FakeVisitRepository()
