"""The demo's field-visit staff: certified field agents in two teams, one agent expired.

Five FIELD_AGENT users: `field` (the demo's field-agent login) and `field2` form the Shanghai
team, `field3` and `field4` the Beijing team (the demo portfolio's two largest cities, so the
day's plan has stops near each base); `field5`'s certificate expired ten days ago, so the
console's teams page marks it and a team with them is refused (FD-VISIT.certified). The
agents are certified and the teams formed through services.visits, as a supervisor would.

Idempotent: an agent or a team already there is kept. A certified agent's user cannot be
removed and made again (the certificate refers to it), so `refresh_users` gives such a user a
new password instead (services.users.reset_password).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from fairdebt.demo.cities import CITIES
from fairdebt.services.ports import UnitOfWork

if TYPE_CHECKING:
    from fairdebt.compliance.pack import Packs
    from fairdebt.demo.scenario import DemoUser

ISSUER = "中国银行业协会"
VALID_FOR = timedelta(days=730)
EXPIRED_AGO = timedelta(days=10)


@dataclass(frozen=True, slots=True)
class DemoAgent:
    username: str
    display_name: str
    certificate_no: str
    expired: bool = False


@dataclass(frozen=True, slots=True)
class DemoTeam:
    name: str
    members: tuple[str, ...]
    city: str  # a city of fairdebt.demo.cities: the team's base is its centre
    label: str


AGENTS = (
    DemoAgent("field", "外访员 Field agent", "CBA-SH-2025-0001"),
    DemoAgent("field2", "外访员 张伟 Zhang Wei", "CBA-SH-2025-0002"),
    DemoAgent("field3", "外访员 李娜 Li Na", "CBA-BJ-2025-0003"),
    DemoAgent("field4", "外访员 王强 Wang Qiang", "CBA-BJ-2025-0004"),
    DemoAgent("field5", "外访员 赵敏 Zhao Min（证书已过期）", "CBA-BJ-2023-0005", expired=True),
)
TEAMS = (
    DemoTeam("上海外访一组", ("field", "field2"), "上海", "上海 黄浦基地"),
    DemoTeam("北京外访一组", ("field3", "field4"), "北京", "北京 东城基地"),
)


def extra_users(password: Sequence[str]) -> list[DemoUser]:
    """The field agents beyond `field` (scenario.demo_users makes that one), one password
    each from `password`."""
    from fairdebt.demo.scenario import DemoUser

    return [
        DemoUser(a.username, "field_agent", pw, a.display_name)
        for a, pw in zip(AGENTS[1:], password, strict=True)
    ]


def refresh_users(uow: UnitOfWork, users: Sequence[DemoUser], now: datetime) -> None:
    """Create the demo users (a user of the same name is replaced), except certified field
    agents, who keep their user and get the new password (module docstring)."""
    from fairdebt.services.users import create_users, reset_password

    with uow:
        kept = {
            u.username
            for u in users
            if (found := uow.users.by_name(u.username)) is not None
            and uow.field_agents.get(found.id) is not None
        }
    create_users(uow, [u for u in users if u.username not in kept], replace_existing=True)
    for u in users:
        if u.username in kept:
            reset_password(uow, u.username, u.password, now)


def ensure_field_teams(
    uow: UnitOfWork, now: datetime, packs: Packs, pack: str = "cn"
) -> tuple[int, int]:
    """Certify the demo agents and form the demo teams that are not there yet. Returns
    (agents certified now, teams formed now)."""
    from fairdebt.services import visits

    today = now.date()
    with uow:
        certified = {
            u.username
            for a in AGENTS
            if (u := uow.users.by_name(a.username)) is not None
            and uow.field_agents.get(u.id) is not None
        }
        teams = {t.name for t in uow.teams.all()}
    made = 0
    for a in AGENTS:
        if a.username in certified:
            continue
        if a.expired:  # certified two years ago; expired since
            expires, at = today - EXPIRED_AGO, now - VALID_FOR
        else:
            expires, at = today + VALID_FOR, now
        visits.register_agent(uow, a.username, a.certificate_no, ISSUER, expires, at)
        made += 1
    formed = 0
    centres = {c.name: c for c in CITIES}
    for team in TEAMS:
        if team.name in teams:
            continue
        city = centres[team.city]
        base = (city.lat, city.lon, team.label)
        visits.form_team(
            uow, team.name, team.members, base, 6, ("09:00", "18:00"), now,
            packs=packs, pack=pack,
        )  # fmt: skip
        formed += 1
    return made, formed
