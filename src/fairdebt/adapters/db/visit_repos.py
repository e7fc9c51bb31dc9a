"""The field-visit repositories of SqlUnitOfWork (SQLAlchemy Core on the unit's connection)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy.exc import IntegrityError

from fairdebt.adapters.db.visit_tables import field_agents, field_team_members, field_teams, visits
from fairdebt.errors import FairdebtError
from fairdebt.services.ports.visits import FieldAgent, Team, Visit

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Row

_INSTANTS: tuple[str, ...] = ("created_at", "updated_at", "decided_at", "notice_at")
_INSTANTS += ("checked_in_at", "checked_out_at")


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.astimezone(UTC).isoformat()


def _at(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _agent(row: Row[Any]) -> FieldAgent:
    return FieldAgent(
        user_id=row.user_id,
        certificate_no=row.certificate_no,
        issuer=row.issuer,
        expires_on=row.expires_on,
        registered_at=datetime.fromisoformat(row.registered_at),
        photo_ref=row.photo_ref,
    )


def _visit_values(visit: Visit) -> dict[str, Any]:
    values = {
        "id": visit.id,
        "case_id": visit.case_id,
        "task_id": visit.task_id,
        "status": visit.status,
        "address": visit.address,
        "city": visit.city,
        "reason": visit.reason,
        "decided_by": visit.decided_by,
        "decision_id": visit.decision_id,
        "lat": visit.lat,
        "lon": visit.lon,
        "visit_date": visit.visit_date,
        "team_id": visit.team_id,
        "window_start": visit.window_start,
        "window_end": visit.window_end,
        "stop_order": visit.stop_order,
        "check_in_lat": visit.check_in_lat,
        "check_in_lon": visit.check_in_lon,
        "check_in_distance_m": visit.check_in_distance_m,
        "outcome": visit.outcome,
        "outcome_data": json.dumps(dict(visit.outcome_data), ensure_ascii=False, sort_keys=True),
    }
    return values | {name: _iso(getattr(visit, name)) for name in _INSTANTS}


def _visit(row: Row[Any]) -> Visit:
    m = row._mapping
    plain = {k: m[k] for k in _visit_values_keys() if k not in _INSTANTS and k != "outcome_data"}
    instants = {name: _at(m[name]) for name in _INSTANTS}
    data = json.loads(m["outcome_data"]) if m["outcome_data"] else {}
    return Visit(**plain, **instants, outcome_data=data)  # type: ignore[arg-type]


def _visit_values_keys() -> list[str]:
    return [c.name for c in visits.columns]


class SqlFieldAgentRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, agent: FieldAgent) -> None:
        values = {
            "user_id": agent.user_id,
            "certificate_no": agent.certificate_no,
            "issuer": agent.issuer,
            "expires_on": agent.expires_on,
            "photo_ref": agent.photo_ref,
            "registered_at": _iso(agent.registered_at),
        }
        try:
            with self.conn.begin_nested():  # PostgreSQL: the unit goes on after a refusal
                self.conn.execute(insert(field_agents).values(values))
        except IntegrityError:
            raise FairdebtError(
                f"{agent.user_id} is registered already, or certificate "
                f"{agent.certificate_no} belongs to another agent",
                hint="list the agents with `fairdebt visits agents list`",
            ) from None

    def get(self, user_id: str) -> FieldAgent | None:
        row = self.conn.execute(
            select(field_agents).where(field_agents.c.user_id == user_id)
        ).first()
        return _agent(row) if row else None

    def all(self) -> list[FieldAgent]:
        rows = self.conn.execute(select(field_agents).order_by(field_agents.c.user_id))
        return [_agent(r) for r in rows]


class SqlTeamRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, team: Team) -> None:
        values = {
            "id": team.id,
            "name": team.name,
            "base_lat": team.base_lat,
            "base_lon": team.base_lon,
            "base_label": team.base_label,
            "capacity": team.capacity,
            "hours_start": team.hours_start,
            "hours_end": team.hours_end,
            "created_at": _iso(team.created_at),
        }
        members = [
            {"team_id": team.id, "user_id": u, "position": n} for n, u in enumerate(team.members)
        ]
        try:
            with self.conn.begin_nested():
                self.conn.execute(insert(field_teams).values(values))
                self.conn.execute(insert(field_team_members), members)
        except IntegrityError:
            raise FairdebtError(
                f"a team named {team.name!r} exists already, or a member is not a field agent",
                hint="list the teams with `fairdebt visits teams list`",
            ) from None

    def _teams(self, condition: Any = None) -> list[Team]:
        query = select(field_teams).order_by(field_teams.c.name)
        if condition is not None:
            query = query.where(condition)
        rows = list(self.conn.execute(query))
        if not rows:
            return []
        ids = [r.id for r in rows]
        members: dict[str, list[str]] = {i: [] for i in ids}
        m = field_team_members.c
        found = select(m.team_id, m.user_id).where(m.team_id.in_(ids)).order_by(m.position)
        for team_id, user_id in self.conn.execute(found):
            members[team_id].append(user_id)
        return [
            Team(
                id=r.id,
                name=r.name,
                members=tuple(members[r.id]),
                base_lat=r.base_lat,
                base_lon=r.base_lon,
                base_label=r.base_label,
                capacity=r.capacity,
                hours_start=r.hours_start,
                hours_end=r.hours_end,
                created_at=datetime.fromisoformat(r.created_at),
            )
            for r in rows
        ]

    def get(self, team_id: str) -> Team | None:
        found = self._teams(field_teams.c.id == team_id)
        return found[0] if found else None

    def all(self) -> list[Team]:
        return self._teams()


class SqlVisitRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, visit: Visit) -> bool:
        try:
            with self.conn.begin_nested():
                self.conn.execute(insert(visits).values(_visit_values(visit)))
        except IntegrityError:
            return False
        return True

    def get(self, visit_id: str) -> Visit | None:
        row = self.conn.execute(select(visits).where(visits.c.id == visit_id)).first()
        return _visit(row) if row else None

    def update(self, visit: Visit, expected_status: str) -> bool:
        values = _visit_values(visit)
        del values["id"]
        query = (
            update(visits)
            .where(and_(visits.c.id == visit.id, visits.c.status == expected_status))
            .values(values)
        )
        return self.conn.execute(query).rowcount == 1

    def listing(
        self,
        statuses: tuple[str, ...] = (),
        visit_date: Any = None,
        team_id: str | None = None,
        case_id: str | None = None,
    ) -> list[Visit]:
        v = visits.c
        query = select(visits)
        if statuses:
            query = query.where(v.status.in_(statuses))
        if visit_date is not None:
            query = query.where(v.visit_date == visit_date)
        if team_id is not None:
            query = query.where(v.team_id == team_id)
        if case_id is not None:
            query = query.where(v.case_id == case_id)
        nulls_last = (v.visit_date.is_(None), v.visit_date, v.team_id.is_(None), v.team_id)
        query = query.order_by(*nulls_last, v.stop_order.is_(None), v.stop_order, v.id)
        return [_visit(r) for r in self.conn.execute(query)]

    def task_ids(self) -> set[int]:
        found = select(visits.c.task_id).where(visits.c.task_id.is_not(None))
        return set(self.conn.scalars(found))


class SqlVisitRepositories:
    """Mixed into SqlUnitOfWork: the repositories on the unit's connection."""

    if TYPE_CHECKING:

        @property
        def conn(self) -> Connection: ...  # SqlUnitOfWork's

    @property
    def field_agents(self) -> SqlFieldAgentRepository:
        return SqlFieldAgentRepository(self.conn)

    @property
    def teams(self) -> SqlTeamRepository:
        return SqlTeamRepository(self.conn)

    @property
    def visits(self) -> SqlVisitRepository:
        return SqlVisitRepository(self.conn)
