"""Field visits in a real browser: a supervisor ticks three candidates and a fourth the gate
refuses (its case is on hold), approves them with one reason, plans the day and sees the team's
route; screenshots of the candidates, the plan and the teams go to docs/img/visits-*.png."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import console_data
import pytest
from playwright.sync_api import Page, expect
from served import serving

pytestmark = pytest.mark.e2e
IMAGES = Path(__file__).parents[2] / "docs" / "img"
WUHAN = ("C-B0006", "C-B0022", "C-B0038")  # console_data: i % 8 == 6 lives in Wuhan
HELD = "C-B0055"
DAY = "2026-07-07"  # the plan's field_visit tasks are due on this day


@dataclass(frozen=True, slots=True)
class VisitsServer:
    url: str


@pytest.fixture(scope="module")
def server(chromium: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[VisitsServer]:
    """`fairdebt serve` on the planned database with a certified team in Wuhan, an agent whose
    certificate expired, and a complaint hold on HELD placed after the plan."""
    from fairdebt.adapters.db.engine import make_engine
    from fairdebt.adapters.db.uow import SqlUnitOfWork
    from fairdebt.adapters.evidence import open_evidence_store
    from fairdebt.compliance.pack import builtin_packs
    from fairdebt.domain.case import Hold
    from fairdebt.services import visits
    from fairdebt.services.users import create_user

    folder = tmp_path_factory.mktemp("e2e-visits")
    url = console_data.planned_database(folder, "visits.db")
    engine = make_engine(url)
    evidence = open_evidence_store("", folder)
    now = datetime.now(UTC)
    names = {"field1": "外访员 张伟", "field2": "外访员 李娜", "field3": "外访员 赵敏"}
    for n, (name, shown) in enumerate(names.items(), start=1):
        create_user(SqlUnitOfWork(engine), name, "field_agent", console_data.PASSWORD, shown)
        expired = name == "field3"
        at = now - timedelta(days=730) if expired else now
        expires = (now - timedelta(days=10)).date() if expired else date(2099, 12, 31)
        visits.register_agent(
            SqlUnitOfWork(engine), name, f"CBA-WH-2025-000{n}", "中国银行业协会", expires, at,
            photo=_portrait(n), evidence=evidence,
        )  # fmt: skip
    visits.form_team(
        SqlUnitOfWork(engine), "武汉外访一组", ["field1", "field2"],
        (30.5928, 114.3055, "武汉 江汉基地"), 6, ("09:00", "18:00"), now, packs=builtin_packs(),
    )  # fmt: skip
    with SqlUnitOfWork(engine) as uow:
        case, event = uow.cases.get(HELD).place_hold(Hold.COMPLAINT, "supervisor", "投诉处理中")
        uow.cases.save(case)
        uow.events.append(HELD, event, now)
        uow.commit()
    engine.dispose()
    with serving(folder, url) as served_url:
        yield VisitsServer(served_url)


def _portrait(n: int) -> bytes:
    """A stand-in ID photo: a head and shoulders in one colour a person (PNG)."""
    import io

    from PIL import Image, ImageDraw

    colour = ((52, 101, 164), (78, 154, 6), (164, 0, 0))[(n - 1) % 3]
    image = Image.new("RGB", (96, 96), (236, 240, 244))
    draw = ImageDraw.Draw(image)
    draw.ellipse((30, 14, 66, 50), fill=colour)
    draw.ellipse((14, 56, 82, 120), fill=colour)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_a_supervisor_approves_three_with_one_reason_and_plans_the_day(
    page: Page, server: VisitsServer
) -> None:
    page.goto("/console/")
    page.fill("#username", "supervisor")
    page.fill("#password", console_data.PASSWORD)
    page.click("form[action$='/login'] button[type=submit]")
    page.get_by_test_id("nav-visits").click()

    for case_id in (*WUHAN, HELD):
        page.locator(f"tr:has(a:text-is('{case_id}')) input[name=visit]").check()
    page.fill("#reason", "逾期超过 60 天，多次电话未接通，需上门核实情况")
    page.get_by_test_id("approve").click()

    decided = page.get_by_test_id("decided")
    expect(decided).to_be_visible()
    refused = page.get_by_test_id("refused")
    expect(refused.locator("[data-rule]")).not_to_have_count(0)
    expect(page.locator("[data-testid=candidates] tr[data-visit]")).to_have_count(
        5
    )  # 8 - 3: the refused one stays
    page.screenshot(path=str(IMAGES / "visits-candidates.png"), full_page=True)

    page.get_by_role("link", name="按日期查看外访").click()
    expect(page.locator("tr[data-status=approved]")).to_have_count(3)
    page.fill("#plan-day", DAY)
    page.get_by_test_id("plan-day").click()

    route = page.get_by_test_id("route")
    expect(route).to_have_count(1)
    expect(route).to_contain_text("武汉外访一组")
    expect(route.locator("li[data-visit]")).to_have_count(3)
    page.screenshot(path=str(IMAGES / "visits-plan.png"), full_page=True)

    page.get_by_role("link", name="外访员与小组").click()
    expect(page.locator("tr[data-agent=field3][data-expired='1']")).to_have_count(1)
    expect(page.locator("[data-testid=agents] img")).to_have_count(3)
    page.screenshot(path=str(IMAGES / "visits-teams.png"), full_page=True)
