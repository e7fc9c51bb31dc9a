"""A small, known portfolio for the console tests (API, queries, browser), built with Core inserts.

60 borrowers with one case each: DPD spread over every bucket, three products, some cases placed
with agency AG-EAST or AG-WEST, schedules with paid and unpaid instalments, payments, and a
hash-chained event log written through the real SqlEventLog. The snapshot is computed by the
real refresh_snapshot, so the DPD the console shows is the system's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, update
from sqlalchemy.engine import Connection, Engine
from stdnum.cn import ric

from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.repositories import SqlEventLog
from fairdebt.adapters.db.snapshot import refresh_snapshot
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.domain.events import NewEvent
from fairdebt.services.users import create_user

AS_OF = date(2026, 6, 30)
NOW = datetime(2026, 6, 30, 9, 30, tzinfo=UTC)
PRODUCTS = ("credit_card", "consumer_loan", "micro_loan")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("伟", "芳", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳")
CITIES = ("北京", "上海", "广州", "深圳", "成都", "杭州", "武汉", "西安")
# Days past due wanted for case i (cycled): every bucket from M0 to M7+.
DPD_PLAN = (0, 5, 17, 29, 35, 47, 62, 75, 95, 110, 130, 160, 175, 200, 260, 400)
PASSWORD = "correct-horse-9"
COUNT = 60


@dataclass(frozen=True, slots=True)
class Portfolio:
    case_ids: tuple[str, ...]
    agency_cases: dict[str, tuple[str, ...]]
    names: dict[str, str]  # case id -> borrower's full name
    phones: dict[str, str]  # case id -> first phone (E.164)


def national_id(i: int) -> str:
    body = f"110105{1960 + i % 40:04d}{1 + i % 12:02d}{1 + i % 28:02d}{100 + i:03d}"[:17]
    return body + ric.calc_check_digit(body)


def _borrower(i: int) -> dict[str, object]:
    return {
        "id": f"B{i:04d}",
        "name": SURNAMES[i % len(SURNAMES)] + GIVEN[i % len(GIVEN)],
        "national_id": national_id(i),
        "phones": f"+86138{i:04d}{(7 * i) % 10000:04d}",
        "email": f"b{i}@example.cn",
        "address": f"{CITIES[i % len(CITIES)]}市朝阳路{i + 1}号",
        "city": CITIES[i % len(CITIES)],
        "lat": None,
        "lon": None,
        "timezone": "Asia/Shanghai",
    }


def instalment_cents(i: int) -> tuple[int, int]:
    """Principal and interest of each instalment of account i: varied, like a real book."""
    principal = 60_000 + (i * 37_337) % 540_000
    return principal, principal * 3 // 20


def _account(i: int) -> tuple[dict[str, object], list[dict[str, object]], list[dict[str, object]]]:
    """One account whose oldest unpaid instalment fell due DPD_PLAN[i] days before AS_OF."""
    aid, dpd = f"A{i:04d}", DPD_PLAN[i % len(DPD_PLAN)]
    account = {
        "id": aid,
        "borrower_id": f"B{i:04d}",
        "product": PRODUCTS[i % len(PRODUCTS)],
        "lender": "示例消费金融有限公司",
        "lender_type": "consumer_finance",
        "currency": "CNY",
        "principal_cents": 6 * instalment_cents(i)[0],
        "interest_rate": "0.18",
        "penalty_rate": "0.0005",
        "fee_rate": "0",
        "contract_date": date(2025, 1, 1),
        "disbursed_on": date(2025, 1, 1),
    }
    first_unpaid = AS_OF - timedelta(days=dpd) if dpd else AS_OF + timedelta(days=10)
    dues = [first_unpaid + timedelta(days=30 * k) for k in range(-2, 4)]
    schedule = [
        {
            "account_id": aid,
            "seq": k + 1,
            "due_on": due,
            "principal_cents": instalment_cents(i)[0],
            "interest_cents": instalment_cents(i)[1],
            "fee_cents": 0,
        }
        for k, due in enumerate(dues)
    ]
    paid = sum(int(s["principal_cents"]) + int(s["interest_cents"]) for s in schedule[:2])
    pays = [
        {
            "id": f"P{i:04d}-{k}",
            "account_id": aid,
            "paid_on": dues[k] - timedelta(days=1),
            "amount_cents": paid // 2,
            "channel": "bank_transfer",
            "channel_ref": "",
        }
        for k in range(2)
    ]
    return account, schedule, pays


def agency_of(i: int) -> str | None:
    return {0: "AG-EAST", 1: "AG-WEST"}.get(i % 5)


def build(conn: Connection, count: int = COUNT) -> Portfolio:
    """Insert the portfolio, compute the snapshot, write each case's event log."""
    rows = [_account(i) for i in range(count)]
    conn.execute(insert(t.borrowers), [_borrower(i) for i in range(count)])
    conn.execute(insert(t.accounts), [a for a, _s, _p in rows])
    conn.execute(insert(t.instalments), [s for _a, sched, _p in rows for s in sched])
    conn.execute(insert(t.payments), [p for _a, _s, pays in rows for p in pays])
    cases = [
        {"id": f"C-B{i:04d}", "borrower_id": f"B{i:04d}", "status": "open", "holds": ""}
        for i in range(count)
    ]
    conn.execute(insert(t.cases), [c | {"opened_on": AS_OF} for c in cases])
    refresh_snapshot(conn, AS_OF)
    log = SqlEventLog(conn)
    agencies: dict[str, list[str]] = {}
    for i, case in enumerate(cases):
        log.append(
            case["id"], NewEvent("case_opened", "import", {"borrower": case["borrower_id"]}), NOW
        )
        agency = agency_of(i)
        if agency:
            conn.execute(
                update(t.cases)
                .where(t.cases.c.id == case["id"])
                .values(status="placed", assignee_kind="agency", assignee_id=agency)
            )
            log.append(
                case["id"],
                NewEvent("case_assigned", "supervisor", {"kind": "agency", "assignee": agency}),
                NOW + timedelta(hours=1),
            )
            agencies.setdefault(agency, []).append(case["id"])
    return Portfolio(
        case_ids=tuple(c["id"] for c in cases),
        agency_cases={k: tuple(v) for k, v in agencies.items()},
        names={f"C-B{i:04d}": str(_borrower(i)["name"]) for i in range(count)},
        phones={f"C-B{i:04d}": str(_borrower(i)["phones"]) for i in range(count)},
    )


PERSONAS = {
    "supervisor": {"role": "supervisor"},
    "collector": {"role": "collector"},
    "fieldagent": {"role": "field_agent"},
    "east": {"role": "agency", "agency_id": "AG-EAST"},
    "borrower": {"role": "borrower", "borrower_id": "B0001"},
}


def add_personas(engine: Engine) -> None:
    """One user per persona, all with PASSWORD."""
    uow = SqlUnitOfWork(engine)
    for username, fields in PERSONAS.items():
        create_user(
            uow,
            username,
            password=PASSWORD,
            display_name=f"{username.title()} 测试",
            **fields,  # type: ignore[arg-type]
        )


def planned_database(folder: Path, filename: str, zone: str | None = None) -> str:
    """A SQLite database of this portfolio with the personas, every unplaced case given to the
    collector, the strategy run for AS_OF and its plan dispatched as tasks (the browser tests'
    world); `zone`: every borrower's time zone. Its URL."""
    from sqlalchemy import select

    from fairdebt.adapters.db.engine import make_engine
    from fairdebt.adapters.db.migrate import upgrade
    from fairdebt.domain.case import Assignee, AssigneeKind
    from fairdebt.services.worklist import dispatch
    from fairdebt.strategy.run import RunOptions, run_strategy

    url = f"sqlite:///{folder / filename}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        build(conn)
        if zone is not None:
            conn.execute(update(t.borrowers).values(timezone=zone))
    add_personas(engine)
    with SqlUnitOfWork(engine) as uow:
        free = uow.conn.scalars(select(t.cases.c.id).where(t.cases.c.assignee_kind.is_(None)))
        for case_id in list(free):
            case, event = uow.cases.get(case_id).assign(
                Assignee(AssigneeKind.COLLECTOR, "collector"), "supervisor"
            )
            uow.cases.save(case)
            uow.events.append(case_id, event, NOW)
        uow.commit()
    run_strategy(SqlUnitOfWork(engine), RunOptions(as_of=AS_OF))
    dispatch(SqlUnitOfWork(engine), None, datetime.now(UTC))
    engine.dispose()
    return url
