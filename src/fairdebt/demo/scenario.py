"""The demo scenario: a generated portfolio, cases given to collectors, two strategy runs a
month apart (so the console's strategy reports have roll and cure rates), the latest plan
dispatched into tasks and its agency placements made (so the call queue has work and agencies
have the cases the plan chose), a user per role (and the field agents of fairdebt.demo.field).

The plans are made for yesterday (PLAN_LAG): a nightly run plans from the day's closed books and
the work is done the next day, so the plan's day-1 calls are in today's queue.

Idempotent: running it again imports nothing new, assigns nothing twice, runs no as_of twice,
dispatches and places nothing twice, and gives the demo users fresh passwords.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.domain.case import Assignee, AssigneeKind

AGENCIES = ("AG-01", "AG-02")
COLLECTORS = ("collector", "collector2")
STRATEGY_GAP = timedelta(days=30)  # the two demo runs: a month apart
PLAN_LAG = timedelta(days=1)  # the latest plan is last night's, for yesterday's books


@dataclass(frozen=True, slots=True)
class DemoUser:
    username: str
    role: str
    password: str
    display_name: str
    agency_id: str | None = None
    borrower_id: str | None = None


def ensure_portfolio(folder: Path, accounts: int, as_of: date, seed: int = 2026) -> bool:
    """Generate the demo portfolio once; return True when it was generated now."""
    from fairdebt.demo.generate import generate_portfolio

    if (folder / "accounts.parquet").exists():
        return False
    generate_portfolio(accounts, folder, seed=seed, as_of=as_of)
    return True


def run_strategy_twice(engine: Engine, as_of: date) -> list[str]:
    """The shipped strategy at as_of - STRATEGY_GAP, then at as_of; an as_of already run is
    kept. Returns the ids of the runs made now."""
    from fairdebt.adapters.db.uow import SqlUnitOfWork
    from fairdebt.strategy import store
    from fairdebt.strategy.run import RunOptions, run_strategy

    uow = SqlUnitOfWork(engine)
    made = []
    for day in (as_of - STRATEGY_GAP, as_of):
        if store.current_run(uow, day):
            continue
        made.append(run_strategy(uow, RunOptions(as_of=day)).record.run_id)
    return made


def plan_day(today: date) -> date:
    """The as_of of the latest demo plan."""
    return today - PLAN_LAG


def assign_cases(engine: Engine, now: datetime, actor: str = "demo") -> int:
    """Give every unassigned delinquent case to a collector (alternately), once. Agencies get
    theirs from the plan (`plan_work`), not from a bucket rule here."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.cases.c.id)
            .where(t.cases.c.assignee_kind.is_(None), t.cases.c.bucket != "M0")
            .order_by(t.cases.c.id)
        ).scalars()
        free = list(rows)
    assigned = 0
    with SqlUnitOfWork(engine) as uow:
        for i, case_id in enumerate(free):
            case = uow.cases.get(case_id)
            if case is None:
                continue
            who = Assignee(AssigneeKind.COLLECTOR, COLLECTORS[i % 2])
            case, event = case.assign(who, actor)
            uow.cases.save(case)
            uow.events.append(case_id, event, now)
            assigned += 1
        uow.commit()
    return assigned


def plan_work(engine: Engine, as_of: date, now: datetime) -> tuple[int, dict[str, int]]:
    """Dispatch the current plan of `as_of` into tasks and place the cases it marks for an
    agency with the demo agencies. Returns (tasks made now, cases placed per agency now)."""
    from fairdebt.adapters.db.uow import SqlUnitOfWork
    from fairdebt.services.worklist import dispatch, place_with_agencies, run_for_day

    uow = SqlUnitOfWork(engine)
    run_id = run_for_day(uow, as_of)
    made = dispatch(uow, run_id, now, actor="demo")
    placed = place_with_agencies(uow, AGENCIES, now, "demo", run_id)
    return sum(made.kinds.values()), placed.placed


def new_password() -> str:
    """A fresh demo password (printed once, never stored in clear)."""
    return secrets.token_urlsafe(9)


def demo_users(engine: Engine) -> list[DemoUser]:
    with engine.connect() as conn:
        borrower = conn.execute(
            text("SELECT borrower_id FROM cases WHERE bucket != 'M0' ORDER BY dpd DESC, id LIMIT 1")
        ).scalar()

    return [
        DemoUser("admin", "admin", new_password(), "系统管理员 Admin"),
        DemoUser("supervisor", "supervisor", new_password(), "催收主管 Supervisor"),
        DemoUser("collector", "collector", new_password(), "催收员 Collector"),
        DemoUser("field", "field_agent", new_password(), "外访员 Field agent"),
        DemoUser("compliance", "compliance", new_password(), "合规官 Compliance"),
        DemoUser(
            "agency", "agency", new_password(), "委外机构 Agency AG-01", agency_id=AGENCIES[0]
        ),
        DemoUser("borrower", "borrower", new_password(), "借款人 Borrower", borrower_id=borrower),
    ]
