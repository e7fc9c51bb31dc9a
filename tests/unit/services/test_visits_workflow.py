"""Field visits on in-memory ports: approval (reason, role, gate), agents and teams, the day's
plan, the prior notice, check-in at the approved address, the report and its money screen."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from repayment_world import world

from fairdebt.compliance.pack import builtin_packs
from fairdebt.errors import FairdebtError
from fairdebt.services import visits
from fairdebt.services.ports.identity import Role, User
from fairdebt.services.ports.worklist import ContactTask, DebtRow, Person
from fairdebt.visits.geocode import geocode

PACKS = builtin_packs()
CASE = "C-B1"
TASK = 7
DAY = date(2026, 4, 27)
NOW = datetime.fromisoformat("2026-04-20T09:00:00+08:00")
ADDRESS = "北京市东城区和平里 1 号"
BOSS = User("u-s", "boss", "王主管", Role.SUPERVISOR)
COLLECTOR = User("u-c", "col1", "李雷", Role.COLLECTOR)
A1 = User("u-f1", "field1", "张外访", Role.FIELD_AGENT)
A2 = User("u-f2", "field2", "赵外访", Role.FIELD_AGENT)
A3 = User("u-f3", "field3", "钱外访", Role.FIELD_AGENT)


def visit_world(dpd: int = 64, phones: str | None = "+8613800000001"):
    uow = world()
    with uow:
        uow.directory.people["B1"] = Person("Asia/Shanghai", ADDRESS, "北京", None, "张三")
        uow.directory.accounts["B1"] = [DebtRow("A1", "CNY", dpd, 500_000)]
        uow.tasks.rows[TASK] = ContactTask(
            TASK, CASE, "field_visit", None, "open", dpd, DAY, "B1", None, None, 500_000,
            "张三", phones, None, ADDRESS, "Asia/Shanghai", "A1", "示例消费金融", "CNY",
        )  # fmt: skip
        for user in (BOSS, COLLECTOR, A1, A2, A3):
            uow.users.add(user, "x")
        uow.commit()
    return uow


def certified(uow, *agents: User, expires: date = date(2027, 1, 31)) -> None:
    for n, agent in enumerate(agents):
        visits.register_agent(
            uow, agent.username, f"CERT-{agent.id}", "中国银行业协会", expires, NOW
        )
        del n


def team(uow, *names: str, hours=("09:00", "18:00")):
    base = (39.95, 116.41, "东城基地")
    return visits.form_team(uow, "东城一组", names, base, 6, hours, NOW, packs=PACKS)


def events(uow, kind: str):
    with uow:
        return [e for e in uow.events.events(CASE) if e.type == kind]


def approved_world():
    uow = visit_world()
    certified(uow, A1, A2)
    team(uow, "field1", "field2")
    decided = visits.approve(uow, ["V-7"], "DPD 64, 电话失联", BOSS, NOW, packs=PACKS)
    assert not decided.refused, decided.refused
    return uow


def noticed_world():
    uow = approved_world()
    plan = visits.plan_day(uow, DAY, NOW, seconds=0.2)
    assert not plan.unassigned
    notice = visits.send_notice(uow, "V-7", NOW, packs=PACKS)
    return uow, notice


def at_window(uow) -> datetime:
    visit = visits.get_visit(uow, "V-7")
    start, _ = visits.window_of(visit, "Asia/Shanghai")
    return start + timedelta(minutes=10)


# --- candidates and approval ------------------------------------------------------------------


def test_the_open_field_visit_task_is_a_candidate_until_decided() -> None:
    uow = visit_world()
    (found,) = visits.candidates(uow)
    assert (found.visit_id, found.case_id, found.address, found.city) == (
        "V-7",
        CASE,
        ADDRESS,
        "北京",
    )
    visits.approve(uow, ["7"], "eligible", BOSS, NOW, packs=PACKS)
    assert visits.candidates(uow) == []
    assert uow.tasks.rows[TASK].status == "done"


@pytest.mark.parametrize("reason", ["", "   ", "x" * 2001, "a\x00b"])
def test_approval_needs_a_reason(reason: str) -> None:
    uow = visit_world()
    with pytest.raises(FairdebtError, match="reason"):
        visits.approve(uow, ["V-7"], reason, BOSS, NOW, packs=PACKS)
    assert uow.visits.rows == {} and events(uow, "visit_approved") == []


@pytest.mark.parametrize("who", [COLLECTOR, A1, replace(BOSS, disabled_at=NOW)])
def test_only_a_supervisor_approves_or_rejects(who: User) -> None:
    uow = visit_world()
    with pytest.raises(FairdebtError, match="may not decide"):
        visits.approve(uow, ["V-7"], "ok", who, NOW, packs=PACKS)
    with pytest.raises(FairdebtError, match="may not decide"):
        visits.reject(uow, ["V-7"], "no", who, NOW)
    assert uow.visits.rows == {}


def test_the_gate_refuses_a_visit_below_the_dpd_threshold_and_nothing_is_written() -> None:
    uow = visit_world(dpd=12)
    decided = visits.approve(uow, ["V-7"], "try", BOSS, NOW, packs=PACKS)
    assert decided.visits == ()
    assert any(r.startswith("FD-VISIT.dpd") for r in decided.refused["V-7"])
    assert uow.visits.rows == {} and uow.tasks.rows[TASK].status == "open"
    with uow:
        assert uow.events.events(CASE) == []  # not even the decision: nothing written


def test_approval_records_the_reason_the_gate_decision_and_the_geocoded_address() -> None:
    uow = approved_world()
    visit = visits.get_visit(uow, "v-7")
    place = geocode("北京", ADDRESS)
    assert (visit.status, visit.reason, visit.decided_by) == ("approved", "DPD 64, 电话失联", "u-s")
    assert (visit.lat, visit.lon, visit.visit_date) == (place.lat, place.lon, DAY)
    (event,) = events(uow, "visit_approved")
    assert event.data["visit_id"] == "V-7" and event.data["decision_id"] == visit.decision_id
    assert "FD-VISIT.notice" in event.data["left_for_the_day"]  # asked again at the door


def test_many_at_once_with_one_reason_and_a_second_decision_is_refused() -> None:
    uow = visit_world()
    decided = visits.reject(uow, ["V-7", "7", "V-99", "bogus"], "不符合外访条件", BOSS, NOW)
    assert [v.id for v in decided.visits] == ["V-7"]  # 7 is V-7: once
    assert set(decided.refused) == {"V-99", "bogus"}
    again = visits.approve(uow, ["V-7"], "after all", BOSS, NOW, packs=PACKS)
    assert "decided already" in again.refused["V-7"][0]
    assert uow.tasks.rows[TASK].status == "refused"
    assert events(uow, "visit_rejected")[0].data["reason"] == "不符合外访条件"


# --- agents and teams -------------------------------------------------------------------------


def test_an_expired_certificate_is_refused_at_registration_and_in_a_team() -> None:
    uow = visit_world()
    with pytest.raises(FairdebtError, match="expired"):
        certified(uow, A1, expires=date(2026, 4, 19))
    certified(uow, A1, A2)
    uow.field_agents.rows["u-f2"] = replace(
        uow.field_agents.rows["u-f2"], expires_on=date(2026, 1, 1)
    )
    with pytest.raises(FairdebtError, match="expired"):
        team(uow, "field1", "field2")
    assert uow.teams.rows == {}


def test_a_one_person_team_is_refused_and_so_is_one_named_twice() -> None:
    uow = visit_world()
    certified(uow, A1, A2)
    with pytest.raises(FairdebtError, match="at least 2"):
        team(uow, "field1")
    with pytest.raises(FairdebtError, match="at least 2"):
        team(uow, "field1", "FIELD1 ")


def test_a_team_works_only_inside_the_contact_hours_and_needs_real_agents() -> None:
    uow = visit_world()
    certified(uow, A1, A2)
    with pytest.raises(FairdebtError, match="contact hours"):
        team(uow, "field1", "field2", hours=("07:00", "12:00"))
    with pytest.raises(FairdebtError, match="contact hours"):
        team(uow, "field1", "field2", hours=("18:00", "23:00"))
    with pytest.raises(FairdebtError, match="HH:MM"):
        team(uow, "field1", "field2", hours=("9", "18"))
    with pytest.raises(FairdebtError, match="not a certified"):
        team(uow, "field1", "col1")
    with pytest.raises(FairdebtError, match="not an active field agent"):
        visits.register_agent(uow, "col1", "C-X", "x", date(2027, 1, 1), NOW)


def test_the_agents_photo_goes_into_the_evidence_store() -> None:
    class Store:
        def __init__(self) -> None:
            self.kept: dict[str, bytes] = {}

        def put(self, data: bytes, media_type: str) -> str:
            self.kept["sha256:x"] = data
            return "sha256:x"

    store = Store()
    uow = visit_world()
    photo = b"\x89PNG\r\n\x1a\n" + b"0" * 10
    agent = visits.register_agent(
        uow, "field1", "C-1", "协会", date(2027, 1, 1), NOW, photo=photo, evidence=store
    )
    assert agent.photo_ref == "sha256:x" and store.kept["sha256:x"] == photo
    with pytest.raises(FairdebtError, match="JPEG or PNG"):
        visits.register_agent(
            uow, "field2", "C-2", "协会", date(2027, 1, 1), NOW, photo=b"GIF8", evidence=store
        )


# --- plan, notice, door -----------------------------------------------------------------------


def test_the_day_plan_gives_the_visit_a_team_an_order_and_a_window_inside_the_hours() -> None:
    uow = approved_world()
    plan = visits.plan_day(uow, DAY, NOW, seconds=0.2)
    (day,) = plan.teams
    (visit,) = day.stops
    assert (visit.status, visit.stop_order, visit.visit_date) == ("scheduled", 1, DAY)
    assert "09:00" <= visit.window_start < visit.window_end <= "18:00"
    (event,) = events(uow, "visit_scheduled")
    assert event.data["team"] == "东城一组" and event.data["order"] == 1


def test_without_a_team_the_visit_is_reported_unassigned_not_dropped() -> None:
    uow = visit_world()
    visits.approve(uow, ["V-7"], "ok", BOSS, NOW, packs=PACKS)
    plan = visits.plan_day(uow, DAY, NOW, seconds=0.2)
    assert plan.teams == () and "V-7" in plan.unassigned
    assert visits.get_visit(uow, "V-7").status == "approved"
    assert events(uow, "visit_unassigned")


def test_a_visit_too_far_from_every_team_says_so_not_that_no_team_is_free() -> None:
    """A team based in Urumqi cannot reach Beijing and come back within 09:00-18:00: the
    planner is told the address is out of every team's reach, not to look for a free team."""
    uow = visit_world()
    certified(uow, A1, A2)
    far = (43.83, 87.62, "乌鲁木齐基地")
    visits.form_team(
        uow, "西部组", ("field1", "field2"), far, 6, ("09:00", "18:00"), NOW, packs=PACKS
    )
    visits.approve(uow, ["V-7"], "DPD 64, 电话失联", BOSS, NOW, packs=PACKS)
    plan = visits.plan_day(uow, DAY, NOW, seconds=0.2)
    assert plan.unassigned == {"V-7": visits.OUT_OF_REACH}
    near = approved_world()  # the same visit with a team in Beijing is planned
    assert not visits.plan_day(near, DAY, NOW, seconds=0.2).unassigned


def test_the_notice_names_the_agents_and_a_verify_code_and_goes_through_the_outbox() -> None:
    uow, notice = noticed_world()
    assert notice.channel == "sms"
    for part in ("张外访", "CERT-u-f1", "赵外访", notice.code, "400-000-0000"):
        assert part in notice.text
    with uow:
        (queued,) = uow.outbox.rows.values() if hasattr(uow.outbox, "rows") else [None]
    assert queued is None or queued.message.body == notice.text
    (event,) = events(uow, "visit_noticed")
    assert [a["certificate_no"] for a in event.data["agents"]] == ["CERT-u-f1", "CERT-u-f2"]
    from fairdebt.services.verify import lookup

    found = lookup(uow, notice.code, NOW)
    assert found.status == "valid" and found.record.visit_id == "V-7"
    assert "张外访" in found.record.collector_name


def test_a_borrower_without_a_phone_gets_a_letter() -> None:
    uow = visit_world(phones=None)
    certified(uow, A1, A2)
    team(uow, "field1", "field2")
    visits.approve(uow, ["V-7"], "ok", BOSS, NOW, packs=PACKS)
    visits.plan_day(uow, DAY, NOW, seconds=0.2)
    assert visits.send_notice(uow, "V-7", NOW, packs=PACKS).channel == "letter"


def test_a_notice_later_than_24_hours_before_the_window_is_refused() -> None:
    uow = approved_world()
    visits.plan_day(uow, DAY, NOW, seconds=0.2)
    late = at_window(uow) - timedelta(hours=23)
    with pytest.raises(FairdebtError, match="too late"):
        visits.send_notice(uow, "V-7", late, packs=PACKS)
    assert visits.get_visit(uow, "V-7").status == "scheduled" and not events(uow, "visit_noticed")


def test_check_in_outside_the_radius_is_refused_and_logged() -> None:
    uow, _ = noticed_world()
    visit = visits.get_visit(uow, "V-7")
    with pytest.raises(FairdebtError, match="from the approved address"):
        visits.check_in(uow, "V-7", A1, visit.lat + 0.01, visit.lon, at_window(uow), packs=PACKS)
    (refused,) = events(uow, "visit_check_in_refused")
    assert refused.data["distance_m"] > 1000 and refused.data["radius_m"] == 200
    assert visits.get_visit(uow, "V-7").status == "noticed"


def test_check_in_without_a_notice_is_refused() -> None:
    uow = approved_world()
    visits.plan_day(uow, DAY, NOW, seconds=0.2)
    visit = visits.get_visit(uow, "V-7")
    with pytest.raises(FairdebtError, match="notified"):
        visits.check_in(uow, "V-7", A1, visit.lat, visit.lon, at_window(uow), packs=PACKS)


def test_the_gate_itself_refuses_a_visit_without_notice() -> None:
    uow = approved_world()
    visits.plan_day(uow, DAY, NOW, seconds=0.2)
    with uow:
        visit = uow.visits.get("V-7")
        team_ = uow.teams.get(visit.team_id)
        facts = visits._gate_visit(uow, team_, visit, DAY)
    from fairdebt.compliance.engine import decide
    from fairdebt.compliance.types import Attempt, Borrower, Channel, GateRequest, Party, Purpose

    attempt = Attempt(Channel.VISIT, Party.DEBTOR, Purpose.COLLECT, ("A1",), "x", visit=facts)
    borrower = Borrower(timezones=("Asia/Shanghai",))
    decision = decide(GateRequest("cn", at_window(uow), attempt, borrower), packs=PACKS)
    assert "FD-VISIT.notice" in {r.id for r in decision.rules}


def test_at_the_door_in_the_window_then_out_then_the_report() -> None:
    uow, _ = noticed_world()
    visit = visits.get_visit(uow, "V-7")
    at = at_window(uow)
    with pytest.raises(FairdebtError, match="not in the team"):
        visits.check_in(uow, "V-7", A3, visit.lat, visit.lon, at, packs=PACKS)
    with pytest.raises(FairdebtError, match="window"):
        visits.check_in(uow, "V-7", A1, visit.lat, visit.lon, at + timedelta(hours=5), packs=PACKS)
    inside = visits.check_in(uow, "V-7", A1, visit.lat + 0.001, visit.lon, at, packs=PACKS)
    assert inside.status == "checked_in" and 100 < inside.check_in_distance_m < 200
    visits.check_out(uow, "V-7", A2, at + timedelta(minutes=40))
    report = visits.Report(
        "relative_present", relationship="配偶", arrears_reason="失业", ability="partial",
        willingness="willing", promise=("A1", "1000.00", DAY + timedelta(days=7), "bank_transfer"),
        notes="已转告请其回电",
    )  # fmt: skip
    done = visits.record_outcome(uow, "V-7", A1, report, at + timedelta(minutes=50))
    assert done.status == "reported" and done.outcome_data["relationship"] == "配偶"
    assert events(uow, "promise_recorded") and not events(uow, "visit_money_alert")


@pytest.mark.parametrize(
    ("report", "match"),
    [
        (visits.Report("relative_present"), "relationship"),
        (visits.Report("nobody_home"), "sealed letter"),
        (visits.Report("paid_cash"), "unknown outcome"),
        (visits.Report("borrower_present", notes="x" * 10_001), "too long"),
    ],
)
def test_a_report_must_say_what_the_rules_need(report, match) -> None:
    uow, _ = noticed_world()
    visit = visits.get_visit(uow, "V-7")
    at = at_window(uow)
    visits.check_in(uow, "V-7", A1, visit.lat, visit.lon, at, packs=PACKS)
    visits.check_out(uow, "V-7", A1, at)
    with pytest.raises(FairdebtError, match=match):
        visits.record_outcome(uow, "V-7", A1, report, at)


def test_notes_that_mention_cash_raise_an_alert() -> None:
    uow, _ = noticed_world()
    visit = visits.get_visit(uow, "V-7")
    at = at_window(uow)
    visits.check_in(uow, "V-7", A1, visit.lat, visit.lon, at, packs=PACKS)
    visits.check_out(uow, "V-7", A1, at)
    report = visits.Report("borrower_present", notes="借款人想给我 500 元现金，已拒绝")
    visits.record_outcome(uow, "V-7", A1, report, at)
    (alert,) = events(uow, "visit_money_alert")
    assert "现金" in alert.data["words"] and "compliance" in alert.data["for"]


def test_two_people_cannot_both_move_one_visit() -> None:
    uow = approved_world()
    with uow:
        stale = uow.visits.get("V-7")
    visits.cancel(uow, "V-7", "借款人已还款", BOSS, NOW)
    with uow, pytest.raises(FairdebtError, match="changed meanwhile"):
        visits._move(uow, stale, "scheduled", NOW)
