"""The field app's world: the console's planned portfolio, two certified teams of two agents, and
one notified visit per team whose window holds `now` (the field app's tests and screenshots).

The visits go through the real services (approve, notice); only the day's plan is written
directly (a visit's team, order and window), so the window can be put around `now` and the
borrowers' zone chosen so that `now` is midday there: the gate's contact hours then allow the
notice and the check-in whatever the hour the tests run at.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import console_data

from fairdebt.bootstrap import Services
from fairdebt.services import visits
from fairdebt.services.users import create_user

TEAM_A = ("fieldagent", "fieldagent2")
TEAM_B = ("fieldagent3", "fieldagent4")


@dataclass(frozen=True, slots=True)
class FieldWorld:
    url: str
    zone: str
    day: date
    mine: str  # the visit of fieldagent's team
    theirs: str  # the other team's
    place: tuple[float, float]  # the approved address of `mine`, geocoded


def zone_for_midday(now: datetime) -> str:
    """An Etc/GMT zone where `now` is between 11:00 and 13:00."""
    offset = max(-12, min(14, 12 - now.hour))
    return f"Etc/GMT{-offset:+d}"


def photo_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (60, 80), (70, 110, 160)).save(out, "PNG")
    return out.getvalue()


def build(folder: Path, now: datetime, services_for: object = None) -> FieldWorld:
    zone = zone_for_midday(now)
    url = console_data.planned_database(folder, "field.db", zone=zone)
    from fairdebt.settings import load_settings

    settings = load_settings(
        database_url=url, secret_key="k", env="test", data_dir=folder, locale="zh-CN"
    )
    services = Services(settings)
    uow = services.uow()
    for name in TEAM_A[1:] + TEAM_B:
        create_user(uow, name, "field_agent", console_data.PASSWORD, f"{name.title()} 测试")
    expires = date(2099, 12, 31)
    past = now - timedelta(days=3)
    for name in TEAM_A + TEAM_B:
        photo = photo_png() if name == "fieldagent" else None
        visits.register_agent(
            uow, name, f"CERT-{name.upper()}", "中国银行业协会", expires, past,
            photo=photo, evidence=services.evidence,
        )  # fmt: skip
    packs = services.packs
    candidates = visits.candidates(uow)[:2]
    with uow:
        boss = uow.users.by_name("supervisor")
    assert boss is not None
    decided = visits.approve(
        uow, [c.visit_id for c in candidates], "DPD ≥ 60, 电话失联", boss, past, packs=packs
    )
    assert not decided.refused, decided.refused
    local = now.astimezone(ZoneInfo(zone))
    hour = local.hour
    ids = []
    for members, visit in zip((TEAM_A, TEAM_B), decided.visits, strict=True):
        assert visit.lat is not None and visit.lon is not None
        team = visits.form_team(
            uow, f"组-{members[0]}", members, (visit.lat, visit.lon, "基地"), 6,
            ("08:00", "20:00"), past, packs=packs,
        )  # fmt: skip
        with uow:
            planned = replace(
                visit, status="scheduled", visit_date=local.date(), team_id=team.id,
                stop_order=1, window_start=f"{hour - 1:02d}:00", window_end=f"{hour + 2:02d}:00",
            )  # fmt: skip
            assert uow.visits.update(planned, "approved")
            uow.commit()
        noticed_at = datetime.combine(local.date() - timedelta(days=2), local.time(), local.tzinfo)
        visits.send_notice(uow, visit.id, noticed_at, packs=packs)
        ids.append(visit.id)
    services.close()
    mine = decided.visits[0]
    return FieldWorld(url, zone, local.date(), ids[0], ids[1], (mine.lat or 0, mine.lon or 0))
