"""The field-visit tables (SQLite and PostgreSQL): agents, teams, visits, conditional updates."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from portfolio_files import write_portfolio

from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.errors import FairdebtError
from fairdebt.services.importing import ImportOptions, import_portfolio
from fairdebt.services.ports.identity import Role, User
from fairdebt.services.ports.visits import FieldAgent, Team, Visit

NOW = datetime(2026, 4, 20, 2, 0, tzinfo=UTC)


def _world(engine, tmp_path) -> None:
    import_portfolio(
        SqlUnitOfWork(engine),
        [write_portfolio(tmp_path / "p")],
        ImportOptions(as_of=NOW.date(), now=NOW),
    )
    with SqlUnitOfWork(engine) as uow:
        for n in (1, 2):
            uow.users.add(User(f"u-f{n}", f"field{n}", f"外访员{n}", Role.FIELD_AGENT), "x")
            uow.field_agents.add(
                FieldAgent(f"u-f{n}", f"CERT-{n}", "中国银行业协会", date(2027, 1, 31), NOW)
            )
        uow.commit()


def test_agents_and_teams_round_trip(engine, tmp_path) -> None:
    _world(engine, tmp_path)
    members = ("u-f2", "u-f1")
    team = Team("T1", "东城一组", members, 39.9, 116.4, "东城基地", 6, "09:00", "18:00", NOW)
    with SqlUnitOfWork(engine) as uow:
        uow.teams.add(team)
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        assert uow.teams.get("T1") == team  # members keep their order
        assert uow.teams.all() == [team]
        assert uow.field_agents.get("u-f1").expires_on == date(2027, 1, 31)
        assert [a.user_id for a in uow.field_agents.all()] == ["u-f1", "u-f2"]
        with pytest.raises(FairdebtError):
            uow.field_agents.add(FieldAgent("u-f1", "CERT-9", "x", date(2027, 1, 1), NOW))
        with pytest.raises(FairdebtError):  # the certificate number is someone else's
            uow.field_agents.add(FieldAgent("u-f3", "CERT-1", "x", date(2027, 1, 1), NOW))
        with pytest.raises(FairdebtError):  # the name is taken
            uow.teams.add(replace(team, id="T2"))
        with pytest.raises(FairdebtError):  # a member who is no field agent
            uow.teams.add(replace(team, id="T3", name="x", members=("u-f1", "nobody")))
        assert uow.teams.get("T3") is None  # the unit goes on after a refusal


def test_a_visit_moves_only_from_the_status_read(engine, tmp_path) -> None:
    _world(engine, tmp_path)
    visit = Visit("V-1", "C-B0001", None, "approved", "北京市东城区 1 号", "北京", NOW, NOW)
    later = replace(
        visit,
        status="scheduled",
        visit_date=date(2026, 4, 22),
        window_start="09:00",
        window_end="11:00",
        stop_order=1,
        lat=39.9,
        lon=116.4,
        decided_at=NOW,
        outcome_data={"notes": "借款人称下周还款", "n": 1},
    )
    with SqlUnitOfWork(engine) as uow:
        assert uow.visits.add(visit)
        assert not uow.visits.add(visit)  # the id exists
        assert uow.visits.update(later, "approved")
        assert not uow.visits.update(replace(later, status="noticed"), "approved")  # moved
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        assert uow.visits.get("V-1") == later
        assert uow.visits.listing(("scheduled",), date(2026, 4, 22)) == [later]
        assert uow.visits.listing(("approved",)) == []
        assert uow.visits.listing(case_id="C-B0001") == [later]
        assert uow.visits.task_ids() == set()
        assert uow.visits.get("V-2") is None
