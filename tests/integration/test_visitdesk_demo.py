"""The demo's field-visit staff (fairdebt.demo.field) on SQLite and PostgreSQL: four certified
agents in two teams based in the demo's cities, one agent expired (and refused in a team), the
`field` login kept; a second run changes nothing but the passwords."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.compliance.pack import builtin_packs
from fairdebt.demo import field
from fairdebt.demo.cities import CITIES
from fairdebt.demo.scenario import DemoUser, new_password
from fairdebt.errors import FairdebtError
from fairdebt.services import visits
from fairdebt.services.users import authenticate

NOW = datetime(2026, 4, 20, 2, 0, tzinfo=UTC)


def users() -> list[DemoUser]:
    first = DemoUser("field", "field_agent", new_password(), "外访员 Field agent")
    return [first, *field.extra_users([new_password() for _ in field.AGENTS[1:]])]


def test_the_demo_certifies_agents_forms_two_teams_and_runs_again(engine) -> None:
    packs = builtin_packs()
    made = users()
    field.refresh_users(SqlUnitOfWork(engine), made, NOW)
    assert field.ensure_field_teams(SqlUnitOfWork(engine), NOW, packs) == (5, 2)
    with SqlUnitOfWork(engine) as uow:
        agents = {uow.users.get(a.user_id).username: a for a in uow.field_agents.all()}
        teams = uow.teams.all()
    valid = sorted(n for n, a in agents.items() if a.valid_on(NOW.date()))
    assert valid == ["field", "field2", "field3", "field4"]
    assert not agents["field5"].valid_on(NOW.date())
    centres = {(c.lat, c.lon) for c in CITIES}
    assert len(teams) == 2 and all((t.base_lat, t.base_lon) in centres for t in teams)
    assert all(len(t.members) == 2 for t in teams)
    with pytest.raises(FairdebtError, match="expired"):
        visits.form_team(
            SqlUnitOfWork(engine), "过期组", ["field4", "field5"], (39.9, 116.4, "x"), 6,
            ("09:00", "18:00"), NOW, packs=packs,
        )  # fmt: skip

    again = users()
    field.refresh_users(SqlUnitOfWork(engine), again, NOW)  # certified users are kept
    assert field.ensure_field_teams(SqlUnitOfWork(engine), NOW, packs) == (0, 0)
    for old, new in zip(made, again, strict=True):
        assert authenticate(SqlUnitOfWork(engine), new.username, new.password) is not None
        assert authenticate(SqlUnitOfWork(engine), old.username, old.password) is None
    with SqlUnitOfWork(engine) as uow:
        assert len(uow.field_agents.all()) == 5 and len(uow.teams.all()) == 2
