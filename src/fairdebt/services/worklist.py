"""Use cases: the plan feeds the work — dispatch a strategy run into tasks, place with agencies.

A strategy run's plan has one row per account; the worklist has rows per *case* (one borrower).
`dispatch` merges a borrower's plan rows: the case takes the treatment of its most urgent account
(lowest priority number, then highest DPD, then account id, so the choice is stable) and the OR
of its accounts' eligibilities. Each action of that treatment becomes a task due `as_of + day`;
each eligibility (agency placement, field visit, lawyer's letter, litigation review) no action
of the treatment already covers becomes a candidate task due on as_of. Cases on hold or closed
get nothing: no new work while a hold lasts (RULES.md FD-HOLD.*).

Dispatching is idempotent per (run, case): a case that already has tasks of the run gets no
more, so a second dispatch of the same run adds nothing and a case whose hold was released
since gets its tasks on the next dispatch. A run's plan replaces older plans: the still-open
(open or deferred) tasks of every other run of the same or an earlier as_of are marked
`superseded` in the same transaction that writes the new tasks. One `tasks_planned` event per
case goes through the case event log in that transaction too.

Contact tasks are executed through the gate by services.worklist_execute; the queues and the
candidates for the visit and letter workflows are read through services.worklist_queries.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.strategy_tables import strategy_current, strategy_plans, strategy_runs
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.adapters.db.worklist_tables import tasks
from fairdebt.domain.case import Assignee, AssigneeKind, CaseStatus
from fairdebt.domain.events import NewEvent
from fairdebt.errors import FairdebtError

CONTACT_KINDS = ("call", "sms", "email", "letter", "voicemail")  # executed through the gate
AUTOMATED_KINDS = ("sms", "email", "letter", "voicemail")  # `fairdebt tasks run` may send these
CANDIDATE_KINDS = ("field_visit", "lawyers_letter", "litigation_review")  # other workflows' input
PLACEMENT = "agency_placement"
ELIGIBILITIES = (PLACEMENT, *CANDIDATE_KINDS)
KINDS = (*CONTACT_KINDS, "app_push", *ELIGIBILITIES)
STATUSES = ("open", "done", "deferred", "refused", "review", "superseded")
WORKABLE = ("open", "deferred")  # what a newer plan supersedes and a runner may execute


@dataclass(frozen=True, slots=True)
class Dispatched:
    run_id: str
    as_of: date
    cases: int  # cases that got tasks now
    kinds: dict[str, int]  # tasks made now, per kind
    superseded: int  # older tasks marked superseded
    skipped: dict[str, int] = field(default_factory=dict)  # cases left out, per reason


@dataclass(frozen=True, slots=True)
class _CasePlan:
    """A case's merged plan: its most urgent account's treatment and DPD, OR'd eligibilities."""

    case_id: str
    treatment: str
    dpd: int
    eligible: frozenset[str]
    assignee: tuple[str | None, str | None]


def dispatch(
    engine: Engine, run_id: str | None, now: datetime, actor: str = "strategy"
) -> Dispatched:
    """Turn a run's plan into tasks (the latest current run when `run_id` is None)."""
    with SqlUnitOfWork(engine) as uow:
        run = _run(uow.conn, run_id)
        superseded = _supersede(uow.conn, run, now)
        skipped: Counter[str] = Counter()
        rows, events = _new_tasks(uow.conn, run, now, actor, skipped)
        _insert(uow.conn, rows, run["id"])
        uow.events.append_many(events, now)
        uow.commit()
    made = dict(Counter(r["kind"] for r in rows))
    return Dispatched(run["id"], run["as_of"], len(events), made, superseded, dict(skipped))


def _new_tasks(
    conn: Connection, run: dict[str, Any], now: datetime, actor: str, skipped: Counter[str]
) -> tuple[list[dict[str, Any]], list[tuple[str, NewEvent]]]:
    """Task rows and `tasks_planned` events of the cases the run has not dispatched yet."""
    treatments = _treatments(run["strategy_yaml"], run["id"])
    already = set(conn.scalars(select(tasks.c.case_id).where(tasks.c.run_id == run["id"])))
    rows: list[dict[str, Any]] = []
    events: list[tuple[str, NewEvent]] = []
    for plan in _case_plans(conn, run["id"], skipped):
        if plan.case_id in already:
            skipped["already dispatched"] += 1
            continue
        made = _tasks_of(plan, treatments.get(plan.treatment, ()), run, now)
        if made:
            rows += made
            kinds = [r["kind"] for r in made]
            data = {"run_id": run["id"], "as_of": run["as_of"].isoformat(), "kinds": kinds}
            events.append((plan.case_id, NewEvent("tasks_planned", actor, data)))
    return rows, events


def _insert(conn: Connection, rows: list[dict[str, Any]], run_id: str) -> None:
    """Insert the tasks; the (run, case, action) key makes a concurrent dispatch of the same
    run fail here instead of doubling the work."""
    if not rows:
        return
    try:
        conn.execute(insert(tasks), rows)
    except IntegrityError:
        raise FairdebtError(
            f"run {run_id} was being dispatched by another process meanwhile",
            hint="dispatch again: what is already there is kept",
        ) from None


def _run(conn: Connection, run_id: str | None) -> dict[str, Any]:
    from fairdebt.adapters.db.strategy_repos import SqlStrategyRunRepository

    row = SqlStrategyRunRepository(conn).info(run_id)
    if row is None:
        what = f"no strategy run {run_id}" if run_id else "no strategy run yet"
        raise FairdebtError(what, hint="make one with `fairdebt strategy run --as-of DAY`")
    if row["status"] != "current":
        raise FairdebtError(
            f"run {row['id']} was superseded", hint=f"dispatch the current run of {row['as_of']}"
        )
    return dict(row)


def run_for_day(engine: Engine, as_of: date) -> str:
    """The id of the current run of `as_of`, or a FairdebtError saying there is none."""
    with engine.connect() as conn:
        found = conn.scalar(
            select(strategy_current.c.run_id).where(strategy_current.c.as_of == as_of)
        )
    if found is None:
        raise FairdebtError(
            f"no strategy run for {as_of}", hint=f"run `fairdebt strategy run --as-of {as_of}`"
        )
    return str(found)


def _treatments(text: str, run_id: str) -> dict[str, tuple[Any, ...]]:
    """Each treatment's ordered actions, from the YAML the run kept (the eligibilities are in
    the plan rows already, per account)."""
    from fairdebt.strategy.config import validate_source
    from fairdebt.strategy.yamlsource import parse

    strategy, problems = validate_source(parse(text, f"run {run_id}"))
    if strategy is None:  # the run was made from a valid file: this is a damaged row
        raise FairdebtError(f"run {run_id}'s strategy no longer loads: {problems[0]}", hint="")
    return {name: tuple(treatment.actions) for name, treatment in strategy.treatments.items()}


def _supersede(conn: Connection, run: dict[str, Any], now: datetime) -> int:
    older = select(strategy_runs.c.id).where(
        strategy_runs.c.as_of <= run["as_of"], strategy_runs.c.id != run["id"]
    )
    result = conn.execute(
        update(tasks)
        .where(tasks.c.run_id.in_(older), tasks.c.status.in_(WORKABLE))
        .values(status="superseded", note=f"superseded by run {run['id']}", updated_at=_iso(now))
    )
    return int(result.rowcount or 0)


def _case_plans(conn: Connection, run_id: str, skipped: Counter[str]) -> Iterable[_CasePlan]:
    """The run's plan rows merged per case, most urgent account first within each case."""
    p, c = strategy_plans.c, t.cases.c
    query = (
        select(
            c.id, c.status, c.holds, c.assignee_kind, c.assignee_id, p.treatment, p.dpd,
            p.agency_placement, p.field_visit, p.lawyers_letter, p.litigation_review,
        )
        .select_from(strategy_plans.join(t.cases, c.borrower_id == p.borrower_id))
        .where(p.run_id == run_id)
        .order_by(c.id, p.priority, p.dpd.desc(), p.account_id)
    )  # fmt: skip
    first: Any = None
    eligible: set[str] = set()
    for row in conn.execute(query):
        if first is not None and row.id != first.id:
            yield from _kept(first, eligible, skipped)
            first, eligible = None, set()
        first = first or row
        eligible |= {k for k in ELIGIBILITIES if getattr(row, k)}
    if first is not None:
        yield from _kept(first, eligible, skipped)


def _kept(row: Any, eligible: set[str], skipped: Counter[str]) -> Iterable[_CasePlan]:
    if row.holds:
        skipped["on hold"] += 1
        return
    if row.status in (CaseStatus.CLOSED.value, CaseStatus.ON_HOLD.value):
        skipped[row.status] += 1
        return
    assignee = (row.assignee_kind, row.assignee_id)
    yield _CasePlan(row.id, row.treatment, row.dpd, frozenset(eligible), assignee)


def _tasks_of(
    plan: _CasePlan, actions: tuple[Any, ...], run: dict[str, Any], now: datetime
) -> list[dict[str, Any]]:
    """One row per action of the treatment, then one per eligibility no action covers."""
    base = {
        "run_id": run["id"],
        "as_of": run["as_of"],
        "case_id": plan.case_id,
        "treatment": plan.treatment,
        "dpd": plan.dpd,
        "assignee_kind": plan.assignee[0],
        "assignee_id": plan.assignee[1],
        "status": "open",
        "decision_id": None,
        "note": None,
        "updated_at": _iso(now),
    }
    rows = [base | _action(n, a, run["as_of"]) for n, a in enumerate(actions)]
    covered = {a.channel for a in actions}
    urgent = min((a.priority for a in actions), default=5)
    for kind in (k for k in ELIGIBILITIES if k in plan.eligible and k not in covered):
        candidate = {"kind": kind, "template": None, "time_window": None, "priority": urgent}
        rows.append(base | candidate | {"action_no": len(rows), "due_on": run["as_of"]})
    return rows


def _action(n: int, action: Any, as_of: date) -> dict[str, Any]:
    return {
        "action_no": n,
        "kind": action.channel,
        "template": action.template,
        "due_on": as_of + timedelta(days=action.day),
        "time_window": action.window,
        "priority": action.priority,
    }


def _iso(now: datetime) -> str:
    return now.isoformat()


# --- agency placement -----------------------------------------------------------------------


def place_with_agencies(
    engine: Engine,
    agencies: Sequence[str],
    now: datetime,
    actor: str,
    run_id: str | None = None,
) -> dict[str, int]:
    """Place every case with an open agency_placement task (of `run_id`, or of any run) with the
    least-loaded agency (ties: the order given), through Case.assign and its event; the placement
    task is done and the case's open tasks follow it to the agency. Returns cases per agency
    (a case already placed with an agency stays there and counts there)."""
    if not agencies:
        raise FairdebtError("no agencies to place with", hint="name at least one agency id")
    placed: Counter[str] = Counter()
    with SqlUnitOfWork(engine) as uow:
        load = _loads(uow.conn, agencies)
        events: list[tuple[str, NewEvent]] = []
        for task_id, case_id in _open_placements(uow.conn, run_id):
            agency = _place(uow, case_id, agencies, load, events, actor)
            if agency is not None:
                _follow(uow.conn, task_id, case_id, agency, now)
                placed[agency] += 1
        uow.events.append_many(events, now)
        uow.commit()
    return dict(placed)


def _place(
    uow: SqlUnitOfWork,
    case_id: str,
    agencies: Sequence[str],
    load: Counter[str],
    events: list[tuple[str, NewEvent]],
    actor: str,
) -> str | None:
    """The agency the case is placed with (assigning it now if it has none), or None when the
    case may not be worked now: its placement task stays open until it may."""
    case = uow.cases.get(case_id)
    if case is None or case.status is CaseStatus.CLOSED or case.is_on_hold:
        return None
    if case.assignee is not None and case.assignee.kind is AssigneeKind.AGENCY:
        return case.assignee.id  # already placed: a plan does not move a case between agencies
    agency = min(agencies, key=lambda a: (load[a], agencies.index(a)))
    case, event = case.assign(Assignee(AssigneeKind.AGENCY, agency), actor)
    uow.cases.save(case)
    events.append((case_id, event))
    load[agency] += 1
    return agency


def _loads(conn: Connection, agencies: Sequence[str]) -> Counter[str]:
    c = t.cases.c
    rows = conn.execute(
        select(c.assignee_id, func.count())
        .where(c.assignee_kind == AssigneeKind.AGENCY.value, c.assignee_id.in_(agencies))
        .group_by(c.assignee_id)
    )
    load: Counter[str] = Counter(dict.fromkeys(agencies, 0))
    load.update({r[0]: r[1] for r in rows})
    return load


def _open_placements(conn: Connection, run_id: str | None) -> list[tuple[int, str]]:
    query = select(tasks.c.id, tasks.c.case_id).where(
        tasks.c.kind == PLACEMENT, tasks.c.status == "open"
    )
    if run_id:
        query = query.where(tasks.c.run_id == run_id)
    return [(r.id, r.case_id) for r in conn.execute(query.order_by(tasks.c.case_id, tasks.c.id))]


def _follow(conn: Connection, task_id: int, case_id: str, agency: str, now: datetime) -> None:
    """The placement task is done; the case's workable tasks are now the agency's."""
    conn.execute(
        update(tasks)
        .where(tasks.c.case_id == case_id, tasks.c.status.in_(WORKABLE))
        .values(assignee_kind=AssigneeKind.AGENCY.value, assignee_id=agency, updated_at=_iso(now))
    )
    conn.execute(
        update(tasks)
        .where(tasks.c.id == task_id)
        .values(status="done", note=f"placed with {agency}", updated_at=_iso(now))
    )
