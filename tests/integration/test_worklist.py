"""The plan feeds the work: a strategy run's plan dispatched into tasks, placed with agencies,
and contact tasks executed through the gate — on SQLite and PostgreSQL.

The portfolio is tests/console_data.py (60 one-account cases, every bucket, some placed with
AG-EAST/AG-WEST); the plan rows are written here, so each test states the treatment it means.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import console_data
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, insert, select, update

from fairdebt.adapters.channels.base import OutboundMessage
from fairdebt.adapters.channels.console import ConsoleChannel
from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.repositories import SqlEventLog
from fairdebt.adapters.db.strategy_tables import strategy_current, strategy_plans, strategy_runs
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.adapters.db.worklist_repos import SqlTaskRepository
from fairdebt.adapters.db.worklist_tables import tasks
from fairdebt.compliance.pack import builtin_packs
from fairdebt.errors import FairdebtError
from fairdebt.services.charges import account_charges
from fairdebt.services.contact import DEFAULT_ORDER
from fairdebt.services.outbox import LEASE, Summary, Worker
from fairdebt.services.ports.worklist import TaskFilter
from fairdebt.services.worklist import ELIGIBILITIES, dispatch, place_with_agencies
from fairdebt.services.worklist_execute import Executed, Sender, execute
from fairdebt.settings import load_settings
from fairdebt.strategy.config import DEFAULT_PATH

AS_OF = console_data.AS_OF
NOW = console_data.NOW
SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 6, 30, 10, 0, tzinfo=SHANGHAI)  # inside every contact window
PACKS = builtin_packs()
# bucket of the case -> treatment of the shipped ladder (strategy/default.yaml)
LADDER = {"M0": "none", "M1": "calls", "M2": "agency", "M3": "agency"}


@pytest.fixture
def portfolio(engine) -> console_data.Portfolio:
    with engine.begin() as conn:
        return console_data.build(conn, count=20)


def plan_row(run_id: str, i: int, treatment: str, **more: object) -> dict[str, object]:
    flags = {"agency": {"agency_placement": True}, "lawyers_letter": {"lawyers_letter": True}}
    row = {
        "run_id": run_id,
        "account_id": f"A{i:04d}",
        "borrower_id": f"B{i:04d}",
        "dpd": 30,
        "bucket": "M1",
        "prev_bucket": None,
        "roll": "new",
        "overdue_cents": 100_00,
        "outstanding_cents": 500_00,
        "paid_cents": 0,
        "collected_cents": 0,
        "complaints": 0,
        "limitation": "in_time",
        "score": 500,
        "score_band": "mid",
        "segment": treatment,
        "arm_slot": 0,
        "arm": "champion",
        "treatment": treatment,
        "priority": 5,
        "channels": "",
        "agency_placement": False,
        "field_visit": False,
        "lawyers_letter": False,
        "litigation_review": False,
    }
    return row | flags.get(treatment, {}) | more


def save_run(engine, run_id: str, as_of: date, plans: list[dict], supersedes: str | None = None):
    run = {
        "id": run_id,
        "as_of": as_of,
        "status": "current",
        "strategy_name": "default",
        "strategy_sha256": "0" * 64,
        "strategy_yaml": DEFAULT_PATH.read_text(encoding="utf-8"),
        "backend": "duckdb",
        "source": "db",
        "accounts": len(plans),
        "started_at": NOW.isoformat(),
        "finished_at": NOW.isoformat(),
        "timings": "{}",
        "supersedes": supersedes,
    }
    with engine.begin() as conn:
        conn.execute(insert(strategy_runs).values(**run))
        conn.execute(insert(strategy_plans), [p | {"run_id": run_id} for p in plans])
        if supersedes:
            conn.execute(
                update(strategy_runs)
                .where(strategy_runs.c.id == supersedes)
                .values(status="superseded")
            )
            conn.execute(
                update(strategy_current)
                .where(strategy_current.c.as_of == as_of)
                .values(run_id=run_id)
            )
        else:
            conn.execute(insert(strategy_current).values(as_of=as_of, run_id=run_id))


def ladder_plans(run_id: str, count: int = 20) -> list[dict[str, object]]:
    from console_data import DPD_PLAN

    from fairdebt.domain.delinquency import bucket_of

    rows = []
    for i in range(count):
        dpd = DPD_PLAN[i % len(DPD_PLAN)]
        bucket = bucket_of(dpd)
        rows.append(plan_row(run_id, i, LADDER.get(bucket, "lawyers_letter"), dpd=dpd))
    return rows


def add_account(
    conn, account_id: str, borrower_id: str, lender: str, lender_type: str, cents: int, on: date
) -> None:
    """A credit-card account at 18 % a year, contracted on 2025-01-01, disbursed `on`."""
    conn.execute(
        insert(t.accounts).values(
            id=account_id,
            borrower_id=borrower_id,
            product="credit_card",
            lender=lender,
            lender_type=lender_type,
            currency="CNY",
            principal_cents=cents,
            interest_rate="0.18",
            penalty_rate="0",
            fee_rate="0",
            contract_date=date(2025, 1, 1),
            disbursed_on=on,
        )
    )


def task_rows(engine, **where: object) -> list:
    query = select(tasks).order_by(tasks.c.case_id, tasks.c.action_no)
    for name, value in where.items():
        query = query.where(tasks.c[name] == value)
    with engine.connect() as conn:
        return list(conn.execute(query))


def test_dispatching_makes_one_task_per_action_and_twice_adds_nothing(engine, portfolio) -> None:
    save_run(engine, "R1", AS_OF, ladder_plans("R1"))

    first = dispatch(SqlUnitOfWork(engine), "R1", NOW)
    made = task_rows(engine)
    second = dispatch(SqlUnitOfWork(engine), "R1", NOW + timedelta(hours=1))

    calls = [r for r in made if r.treatment == "calls"]
    assert {(r.kind, r.due_on - AS_OF) for r in calls} == {
        ("sms", timedelta(0)),
        ("call", timedelta(days=1)),
    }
    letters = sum(r.treatment == "lawyers_letter" for r in made) // 2
    assert first.kinds["sms"] == len(calls) // 2  # only the calls treatment texts
    assert first.kinds["call"] == len(calls) // 2 + letters  # a call follows a lawyer's letter
    assert first.kinds["agency_placement"] == sum(r.treatment == "agency" for r in made)
    assert "none" not in {r.treatment for r in made}  # nothing to do: no task
    assert second.kinds == {} and second.cases == 0
    assert second.skipped["already dispatched"] == first.cases
    assert len(task_rows(engine)) == len(made)


def test_each_dispatched_case_gets_one_tasks_planned_event(engine, portfolio) -> None:
    save_run(engine, "R1", AS_OF, ladder_plans("R1"))

    result = dispatch(SqlUnitOfWork(engine), "R1", NOW)

    with engine.connect() as conn:
        events = conn.execute(
            select(t.case_events.c.case_id, t.case_events.c.data).where(
                t.case_events.c.type == "tasks_planned"
            )
        ).all()
    assert len(events) == result.cases == len({r.case_id for r in task_rows(engine)})
    assert all('"run_id":"R1"' in data for _case, data in events)


def test_a_case_takes_its_most_urgent_accounts_treatment_and_all_eligibilities(
    engine, portfolio
) -> None:
    with engine.begin() as conn:  # a second account for borrower B0001
        add_account(conn, "A9001", "B0001", "示例银行", "licensed_bank", 100_000, date(2025, 1, 1))
    plans = [
        plan_row("R1", 1, "calls", priority=4, dpd=10),
        plan_row("R1", 1, "lawyers_letter", account_id="A9001", priority=3, dpd=200),
        plan_row("R1", 2, "calls", priority=4, dpd=10),
    ]
    plans[0]["agency_placement"] = True
    save_run(engine, "R1", AS_OF, plans)

    dispatch(SqlUnitOfWork(engine), "R1", NOW)

    mine = task_rows(engine, case_id="C-B0001")
    assert {r.treatment for r in mine} == {"lawyers_letter"}
    assert {r.dpd for r in mine} == {200}
    # the treatment's own actions, then the other account's eligibility as a candidate
    assert [r.kind for r in mine] == ["lawyers_letter", "call", "agency_placement"]


def test_held_and_closed_cases_get_no_tasks(engine, portfolio) -> None:
    with engine.begin() as conn:
        conn.execute(update(t.cases).where(t.cases.c.id == "C-B0001").values(holds="complaint"))
        conn.execute(update(t.cases).where(t.cases.c.id == "C-B0002").values(status="closed"))
    save_run(engine, "R1", AS_OF, [plan_row("R1", i, "calls") for i in (1, 2, 3)])

    result = dispatch(SqlUnitOfWork(engine), "R1", NOW)

    assert {r.case_id for r in task_rows(engine)} == {"C-B0003"}
    assert result.skipped == {"on hold": 1, "closed": 1}


def test_a_replacing_run_supersedes_the_old_runs_open_tasks_only(engine, portfolio) -> None:
    save_run(engine, "R1", AS_OF, [plan_row("R1", i, "calls") for i in (1, 2)])
    dispatch(SqlUnitOfWork(engine), "R1", NOW)
    with engine.begin() as conn:  # one task already worked: history, not superseded
        conn.execute(
            update(tasks)
            .where(tasks.c.case_id == "C-B0001", tasks.c.kind == "sms")
            .values(status="done")
        )
    save_run(engine, "R2", AS_OF, [plan_row("R2", i, "calls") for i in (1, 2)], supersedes="R1")

    result = dispatch(SqlUnitOfWork(engine), "R2", NOW + timedelta(hours=1))

    old = {(r.case_id, r.kind): r.status for r in task_rows(engine, run_id="R1")}
    assert old[("C-B0001", "sms")] == "done"
    assert {s for k, s in old.items() if k != ("C-B0001", "sms")} == {"superseded"}
    assert result.superseded == 3
    assert {r.status for r in task_rows(engine, run_id="R2")} == {"open"}
    with pytest.raises(FairdebtError, match="superseded"):
        dispatch(SqlUnitOfWork(engine), "R1", NOW)


def test_placement_goes_to_the_least_loaded_agency_and_the_tasks_follow(engine, portfolio) -> None:
    placed_before = {a: len(c) for a, c in portfolio.agency_cases.items()}
    free = [i for i in range(20) if console_data.agency_of(i) is None][:4]
    save_run(engine, "R1", AS_OF, [plan_row("R1", i, "agency") for i in free])
    dispatch(SqlUnitOfWork(engine), "R1", NOW)

    placed = place_with_agencies(
        SqlUnitOfWork(engine), ["AG-EAST", "AG-WEST"], NOW, "supervisor:test"
    )

    assert placed.total == 4
    assert placed.kept == {}
    load = {a: placed_before[a] + placed.placed.get(a, 0) for a in placed_before}
    assert abs(load["AG-EAST"] - load["AG-WEST"]) <= 1
    with engine.connect() as conn:
        kinds = conn.execute(
            select(t.cases.c.assignee_kind).where(t.cases.c.id.in_([f"C-B{i:04d}" for i in free]))
        ).scalars()
        assert set(kinds) == {"agency"}
        assigned = conn.scalar(
            select(func.count())
            .select_from(t.case_events)
            .where(
                t.case_events.c.type == "case_assigned", t.case_events.c.actor == "supervisor:test"
            )
        )
    assert assigned == 4
    assert {r.status for r in task_rows(engine, kind="agency_placement")} == {"done"}
    again = place_with_agencies(SqlUnitOfWork(engine), ["AG-EAST"], NOW, "x")
    assert (again.placed, again.kept) == ({}, {})  # nothing open is left


def _call_task(engine, case_id: str = "C-B0003") -> int:
    save_run(engine, "R1", AS_OF, [plan_row("R1", 3, "calls")])
    dispatch(SqlUnitOfWork(engine), "R1", NOW)
    return next(r.id for r in task_rows(engine, case_id=case_id) if r.kind == "sms")


def _deliver(engine, channels, now: datetime, name: str | None = None) -> Summary:  # type: ignore[no-untyped-def]
    """What `fairdebt worker --once` does: deliver every due outbox message."""
    return Worker(SqlUnitOfWork(engine), channels, PACKS, name=name).drain(lambda: now)


def test_an_allowed_task_is_queued_with_its_decision_and_sent_by_the_worker(
    engine, portfolio
) -> None:
    task_id = _call_task(engine)
    sms = ConsoleChannel()

    done = execute(SqlUnitOfWork(engine), task_id, "system:test", MORNING, PACKS, {"sms": sms})

    assert done.status == "queued" and sms.outbox == []  # nothing leaves inside the transaction
    assert task_rows(engine, id=task_id)[0].status == "queued"
    with engine.connect() as conn:
        queued = [e.type for e in SqlEventLog(conn).events("C-B0003")][-2:]
    assert queued == ["gate_decision", "contact_queued"]  # committed together

    assert _deliver(engine, {"sms": sms}, MORNING).counts == {"sent": 1}

    assert len(sms.outbox) == 1
    assert "逾期" in sms.outbox[0].body  # the pack's reminder, filled in
    with engine.connect() as conn:
        types = [e.type for e in SqlEventLog(conn).events("C-B0003")]
    # the gate was asked again just before sending
    assert types[-4:] == [
        "contact_queued",
        "gate_decision",
        "contact_attempted",
        "contact_recorded",
    ]
    row = task_rows(engine, id=task_id)[0]
    assert (row.status, row.decision_id) == ("done", done.decision.id)


def test_a_task_run_at_23_00_china_time_is_deferred_to_the_morning_and_not_sent(
    engine, portfolio
) -> None:
    task_id = _call_task(engine)
    sms = ConsoleChannel()
    late = datetime(2026, 6, 30, 23, 0, tzinfo=SHANGHAI)

    result = execute(
        SqlUnitOfWork(engine), task_id, "system:test", late.astimezone(UTC), PACKS, {"sms": sms}
    )

    assert result.status == "deferred"
    assert "CBA26-TIME" in result.note
    assert result.decision.allowed_from.astimezone(SHANGHAI).hour == 8
    assert result.due_on == date(2026, 7, 1)
    assert sms.outbox == []
    row = task_rows(engine, id=task_id)[0]
    assert (row.status, row.due_on) == ("deferred", date(2026, 7, 1))
    with engine.connect() as conn:  # a runner does not ask again before 08:00
        tasks = SqlTaskRepository(conn)
        before = tasks.listing(TaskFilter(ready_at=late + timedelta(hours=8, minutes=59)), 200)
        after = tasks.listing(TaskFilter(ready_at=late + timedelta(hours=9)), 200)
    assert task_id not in {r["id"] for r in before}
    assert task_id in {r["id"] for r in after}


def test_a_task_of_a_case_put_on_hold_after_dispatch_is_refused_with_the_rule(
    engine, portfolio
) -> None:
    task_id = _call_task(engine)
    with engine.begin() as conn:
        conn.execute(update(t.cases).where(t.cases.c.id == "C-B0003").values(holds="dispute"))
    sms = ConsoleChannel()

    result = execute(SqlUnitOfWork(engine), task_id, "system:test", NOW, PACKS, {"sms": sms})

    assert result.status == "refused"
    assert "FD-HOLD.dispute" in result.note
    assert sms.outbox == []


def test_a_candidate_or_finished_task_cannot_be_executed(engine, portfolio) -> None:
    save_run(engine, "R1", AS_OF, [plan_row("R1", 3, "agency")])
    dispatch(SqlUnitOfWork(engine), "R1", NOW)
    placement = task_rows(engine, kind="agency_placement")[0].id

    with pytest.raises(FairdebtError, match="not a contact"):
        execute(SqlUnitOfWork(engine), placement, "x", NOW, PACKS, {"sms": ConsoleChannel()})
    with pytest.raises(FairdebtError, match="no task"):
        execute(SqlUnitOfWork(engine), 999_999, "x", NOW, PACKS, {"sms": ConsoleChannel()})


plan_rows = st.lists(
    st.tuples(
        st.integers(1, 3),  # borrower
        st.integers(1, 9),  # priority
        st.integers(1, 400),  # dpd
        st.sampled_from(("calls", "agency", "lawyers_letter", "field_visit", "reminder_sms")),
        st.lists(st.sampled_from(ELIGIBILITIES), max_size=2),
    ),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=plan_rows, day=st.integers(0, 10_000))
def test_a_case_always_takes_the_most_urgent_treatment_and_the_or_of_eligibilities(
    engine, portfolio, rows, day
) -> None:
    run_id = f"H{day}"
    as_of = AS_OF + timedelta(days=day)
    with engine.connect() as conn:  # examples share the database: each its own run and day
        if conn.scalar(select(func.count()).where(strategy_runs.c.id == run_id)):
            return
    plans = [
        plan_row(run_id, b, treatment, account_id=f"A{b}-{n}", priority=p, dpd=d)
        | dict.fromkeys(flags, True)
        for n, (b, p, d, treatment, flags) in enumerate(rows)
    ]
    save_run(engine, run_id, as_of, plans)

    dispatch(SqlUnitOfWork(engine), run_id, NOW)

    made = task_rows(engine, run_id=run_id)
    for b in {r[0] for r in rows}:
        mine = [p for p in plans if p["borrower_id"] == f"B{b:04d}"]
        urgent = min(mine, key=lambda p: (p["priority"], -p["dpd"], p["account_id"]))
        eligible = {k for p in mine for k in ELIGIBILITIES if p[k]}
        tasks_of_case = [r for r in made if r.case_id == f"C-B{b:04d}"]
        assert {(r.treatment, r.dpd) for r in tasks_of_case} == {
            (urgent["treatment"], urgent["dpd"])
        }
        assert eligible <= {r.kind for r in tasks_of_case}


def test_placement_keeps_a_case_with_its_agency_and_waits_on_a_held_case(engine, portfolio) -> None:
    east = portfolio.agency_cases["AG-EAST"][0]  # C-B0000: placed with AG-EAST by the builder
    save_run(engine, "R1", AS_OF, [plan_row("R1", i, "agency") for i in (0, 2)])
    dispatch(SqlUnitOfWork(engine), "R1", NOW)
    with engine.begin() as conn:  # held after dispatch: no new work while the hold lasts
        conn.execute(update(t.cases).where(t.cases.c.id == "C-B0002").values(holds="hardship"))

    placed = place_with_agencies(SqlUnitOfWork(engine), ["AG-WEST"], NOW, "supervisor:test")

    assert (placed.placed, placed.kept) == ({}, {"AG-EAST": 1})  # it stayed: none changed hands
    with engine.connect() as conn:
        kept = conn.scalar(select(t.cases.c.assignee_id).where(t.cases.c.id == east))
    assert kept == "AG-EAST"
    statuses = {r.case_id: r.status for r in task_rows(engine, kind="agency_placement")}
    assert statuses == {east: "done", "C-B0002": "open"}


def _letter_task(engine, case_id: str = "C-B0003") -> int:
    """The case's planned SMS made a collection notice (the plan's letter templates are the
    strategy's business; this test is about what a letter says)."""
    task_id = _call_task(engine, case_id)
    with engine.begin() as conn:
        conn.execute(
            update(tasks)
            .where(tasks.c.id == task_id)
            .values(kind="letter", template="collection_notice")
        )
    return task_id


def _send_letter(engine) -> tuple[Executed, OutboundMessage]:
    """Execute C-B0003's planned collection notice on a weekday morning: the result and the
    letter the post carried."""
    post = ConsoleChannel()
    done = execute(
        SqlUnitOfWork(engine), _letter_task(engine), "system:test", MORNING, PACKS, {"letter": post}
    )
    assert done.status == "queued", done.note
    assert _deliver(engine, {"letter": post}, MORNING).counts == {"sent": 1}
    return done, post.outbox[0]


def _above_the_cap(engine, account_id: str = "A0003") -> None:
    """Private lending at 24 % a year: above the 4 x LPR cap, so part of its interest may not
    be demanded (CN-RATE-29, 《最高人民法院关于审理民间借贷案件适用法律若干问题的规定》
    第二十九条)."""
    with engine.begin() as conn:
        conn.execute(
            update(t.accounts)
            .where(t.accounts.c.id == account_id)
            .values(lender_type="private", interest_rate="0.24")
        )


def _yuan(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def test_a_planned_letter_states_the_accounts_demandable_amounts_and_is_sent(
    engine, portfolio
) -> None:
    _above_the_cap(engine)

    done, letter = _send_letter(engine)

    body = letter.body
    assert body.startswith("催收通知函")
    assert letter.to == "深圳市朝阳路4号"  # the borrower's address
    nid = console_data.national_id(3)
    assert f"证件号后四位 {nid[-4:]}" in body and nid not in body  # the tail, never the number
    assert "您于 2025-01-01 在示例消费金融有限公司办理的借款（合同编号 A0003）" in body
    found = re.search(
        r"合计 ([\d,.]+) 元，其中本金 ([\d,.]+) 元、\s*利息 ([\d,.]+) 元、费用 ([\d,.]+) 元", body
    )
    total, principal, interest, fees = (_yuan(x) for x in found.groups())
    # four unpaid instalments of 1,720.11 principal; the third's 258.01 interest is due
    assert principal == Decimal("6880.44")
    charges = account_charges(SqlUnitOfWork(engine), "A0003", AS_OF, DEFAULT_ORDER)
    assert interest == charges.breakdown.line("interest").lawful < Decimal("258.01")
    assert total == principal + interest + fees == charges.demandable
    assert charges.breakdown.excluded > 0  # the above-cap part is left out, not stated
    with engine.connect() as conn:
        types = [e.type for e in SqlEventLog(conn).events("C-B0003")]
    assert types[-3:] == ["gate_decision", "contact_attempted", "contact_recorded"]
    assert task_rows(engine, id=done.task_id)[0].status == "done"


def test_a_letter_to_a_borrower_without_an_id_number_goes_to_review_naming_it(
    engine, portfolio
) -> None:
    task_id = _letter_task(engine)
    with engine.begin() as conn:
        conn.execute(
            update(t.borrowers).where(t.borrowers.c.id == "B0003").values(national_id=None)
        )
    post = ConsoleChannel()

    done = execute(SqlUnitOfWork(engine), task_id, "system:test", NOW, PACKS, {"letter": post})

    assert done.status == "review" and done.decision is None
    assert "id_tail" in done.note and "ID number" in done.note
    assert post.outbox == []
    assert task_rows(engine, id=task_id)[0].note == done.note


def test_the_deployments_phone_and_portal_reach_the_reminder(
    engine, portfolio, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAIRDEBT_CONTACT_PHONE", "95588-321")
    monkeypatch.setenv("FAIRDEBT_PORTAL_URL", "https://collect.example.cn/verify/")
    sender = Sender.of(load_settings())
    task_id = _call_task(engine)
    sms = ConsoleChannel()

    done = execute(
        SqlUnitOfWork(engine), task_id, "system:test", MORNING, PACKS, {"sms": sms}, sender=sender
    )

    assert done.status == "queued", done.note
    _deliver(engine, {"sms": sms}, MORNING)
    assert "95588-321" in sms.outbox[0].body and "400-000-0000" not in sms.outbox[0].body
    assert sender.portal_url == "https://collect.example.cn/verify"


def test_a_letter_names_one_account_and_its_own_amounts_when_the_case_has_two(
    engine, portfolio
) -> None:
    with engine.begin() as conn:  # a second account, fully overdue, for the same borrower
        lender = ("另一家银行", "consumer_finance")
        add_account(conn, "A9003", "B0003", *lender, 500_000, date(2025, 2, 1))
        conn.execute(
            insert(t.instalments).values(
                account_id="A9003",
                seq=1,
                due_on=date(2026, 1, 1),
                principal_cents=500_000,
                interest_cents=7_500,
                fee_cents=0,
            )
        )

    _done, letter = _send_letter(engine)

    body = letter.body
    assert "合同编号 A0003" in body and "A9003" not in body and "另一家银行" not in body
    total = _yuan(re.search(r"合计 ([\d,.]+) 元", body).group(1))
    assert total == account_charges(SqlUnitOfWork(engine), "A0003", AS_OF, DEFAULT_ORDER).demandable


def test_a_us_reminder_of_a_case_no_agency_holds_goes_to_review_naming_the_agency(
    engine, portfolio
) -> None:
    task_id = _call_task(engine)  # C-B0003 is collected in-house
    with engine.begin() as conn:
        conn.execute(update(t.accounts).where(t.accounts.c.id == "A0003").values(currency="USD"))
    sms = ConsoleChannel()

    done = execute(SqlUnitOfWork(engine), task_id, "system:test", NOW, PACKS, {"sms": sms})

    assert done.status == "review"
    assert done.note.startswith("template us.reminder_sms v1:") and "(agency)" in done.note
    assert sms.outbox == []


# --- claims: two workers, one contact ---------------------------------------------------------


class SlowChannel(ConsoleChannel):
    """A provider that takes a moment, so a second worker arrives while the first is sending."""

    def deliver(self, message: OutboundMessage):  # type: ignore[no-untyped-def]
        import time

        time.sleep(0.3)
        return super().deliver(message)


def _contacts(engine, case_id: str) -> list[str]:
    with engine.connect() as conn:
        return [e.type for e in SqlEventLog(conn).events(case_id) if e.type.startswith("contact")]


def test_two_threads_executing_one_task_make_one_contact(engine, portfolio) -> None:
    """Two workers execute one task, then both deliver the outbox at once: one message."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    task_id = _call_task(engine)
    sms = SlowChannel()
    start = threading.Barrier(2)
    deliver = threading.Barrier(2)

    def work(n: int) -> str:
        start.wait()
        try:
            status = execute(
                SqlUnitOfWork(engine), task_id, "system:t", MORNING, PACKS, {"sms": sms}
            ).status
        except FairdebtError as exc:
            status = f"error: {exc.cause}"
        deliver.wait()
        _deliver(engine, {"sms": sms}, MORNING, name=f"worker-{n}")
        return status

    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(work, range(2)))

    assert len(sms.outbox) == 1
    assert _contacts(engine, "C-B0003") == [
        "contact_queued",
        "contact_attempted",
        "contact_recorded",
    ]
    assert statuses[0] in ("busy", f"error: task {task_id} is queued") and statuses[1] == "queued"
    assert task_rows(engine, id=task_id)[0].status == "done"


def test_two_processes_executing_one_task_make_one_contact(engine, portfolio) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from claim_worker import execute_once

    task_id = _call_task(engine)
    url = engine.url.render_as_string(hide_password=False)
    spawn = multiprocessing.get_context("spawn")
    with spawn.Manager() as manager:
        start = manager.Barrier(2)
        with ProcessPoolExecutor(2, mp_context=spawn) as pool:
            runs = [
                pool.submit(execute_once, url, task_id, MORNING.isoformat(), start)
                for _ in range(2)
            ]
            statuses = sorted(r.result(timeout=120) for r in runs)

    assert statuses.count("queued") == 1, statuses
    assert _contacts(engine, "C-B0003") == [
        "contact_queued",
        "contact_attempted",
        "contact_recorded",
    ]
    with engine.connect() as conn:
        attempts = conn.scalar(
            select(func.count()).select_from(t.metadata.tables["contact_attempts"])
        )
    assert attempts == 1


def test_a_claim_blocks_a_second_worker_until_it_goes_stale(engine, portfolio) -> None:
    from fairdebt.services.worklist_execute import CLAIM_LEASE

    task_id = _call_task(engine)
    with SqlUnitOfWork(engine) as uow:  # a worker took it and died (kill -9): no release
        assert uow.tasks.claim(task_id, "worker-a", MORNING, MORNING + CLAIM_LEASE)
        uow.commit()
    sms = ConsoleChannel()

    soon = execute(
        SqlUnitOfWork(engine), task_id, "system:b", MORNING + timedelta(minutes=1), PACKS,
        {"sms": sms},
    )  # fmt: skip
    _deliver(engine, {"sms": sms}, MORNING + timedelta(minutes=1))
    sent_while_claimed = len(sms.outbox)
    later = execute(
        SqlUnitOfWork(engine), task_id, "system:b", MORNING + CLAIM_LEASE + timedelta(seconds=1),
        PACKS, {"sms": sms},
    )  # fmt: skip
    _deliver(engine, {"sms": sms}, MORNING + CLAIM_LEASE + timedelta(seconds=1))

    assert (soon.status, sent_while_claimed) == ("busy", 0)
    assert later.status == "queued" and len(sms.outbox) == 1


def _write_lock(engine):  # type: ignore[no-untyped-def]
    """(an engine that gives up on a lock at once, a connection that can take the lock that
    makes recording a contact fail, a function that gives it back)."""
    from sqlalchemy import create_engine

    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "sqlite":
        import sqlite3

        from fairdebt.adapters.db.engine import make_engine

        holder = sqlite3.connect(engine.url.database, timeout=5, isolation_level=None)
        take = lambda: holder.execute("BEGIN EXCLUSIVE")  # noqa: E731
        return make_engine(url, timeout=0.2), take, lambda: holder.execute("ROLLBACK")
    import psycopg

    fast = create_engine(url, connect_args={"options": "-c lock_timeout=200"})
    holder = psycopg.connect(engine.url.set(drivername="postgresql").render_as_string(False))
    take = lambda: holder.execute("LOCK TABLE case_events IN ACCESS EXCLUSIVE MODE")  # noqa: E731
    return fast, take, holder.rollback


def test_a_commit_failure_after_delivery_is_reconciled_not_repeated(engine, portfolio) -> None:
    """Another connection takes a lock from the moment the provider has the message, so
    recording its outcome fails. The contact is neither lost (the attempt is on the record and
    counts for the gate) nor repeated (the next worker asks the provider by the same key)."""
    from fairdebt.errors import DatabaseError

    task_id = _call_task(engine)
    assert (
        execute(
            SqlUnitOfWork(engine), task_id, "t", MORNING, PACKS, {"sms": ConsoleChannel()}
        ).status
        == "queued"
    )
    fast, take_lock, give_back = _write_lock(engine)

    class LockingChannel(ConsoleChannel):
        def deliver(self, message: OutboundMessage):  # type: ignore[no-untyped-def]
            delivery = super().deliver(message)
            take_lock()
            return delivery

    sms = LockingChannel()
    with pytest.raises(DatabaseError):
        Worker(SqlUnitOfWork(fast), {"sms": sms}, PACKS).deliver_due(MORNING)
    give_back()
    fast.dispose()

    assert len(sms.outbox) == 1
    assert _contacts(engine, "C-B0003")[-1] == "contact_attempted"  # sent, outcome not recorded
    retry = _deliver(engine, {"sms": sms}, MORNING + LEASE + timedelta(seconds=1))

    assert retry.counts == {"sent": 1}
    assert len(sms.outbox) == 1  # never twice
    assert _contacts(engine, "C-B0003") == [
        "contact_queued",
        "contact_attempted",
        "contact_recorded",
    ]
    assert task_rows(engine, id=task_id)[0].status == "done"
