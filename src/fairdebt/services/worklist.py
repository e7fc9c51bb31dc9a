"""Use cases: the plan feeds the work — dispatch a strategy run into tasks, place with agencies.

A strategy run's plan has one row per account; the worklist has rows per *case* (one borrower).
`dispatch` merges a borrower's plan rows: the case takes the treatment of its most urgent account
(lowest priority number, then highest DPD, then account id, so the choice is stable) and the OR
of its accounts' eligibilities. Each action of that treatment becomes a task due `as_of + day`;
each eligibility (agency placement, field visit, lawyer's letter, litigation review) no action
of the treatment already covers becomes a candidate task due on as_of. Cases on hold or closed
get nothing: no new work while a hold lasts (the packs' FD-HOLD rules: a dispute, a
bankruptcy, a complaint under review).

Dispatching is idempotent per (run, case): a case that already has tasks of the run gets no
more, so a second dispatch of the same run adds nothing and a case whose hold was released
since gets its tasks on the next dispatch. A run's plan replaces older plans: the still-open
(open or deferred) tasks of every other run of the same or an earlier as_of are marked
`superseded` in the same transaction that writes the new tasks. One `tasks_planned` event per
case goes through the case event log in that transaction too.

Contact tasks are executed through the gate by services.worklist_execute; the queues and the
candidates for the visit and letter workflows are read through the task repository
(`uow.tasks.listing`, `count_by_kind`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from fairdebt.domain.case import Assignee, AssigneeKind, CaseStatus
from fairdebt.domain.events import NewEvent
from fairdebt.errors import FairdebtError
from fairdebt.services.ports import UnitOfWork
from fairdebt.services.ports.worklist import WORKABLE, CasePlanRow

CONTACT_KINDS = ("call", "sms", "email", "letter", "voicemail")  # executed through the gate
AUTOMATED_KINDS = ("sms", "email", "letter", "voicemail")  # `fairdebt tasks run` may send these
CANDIDATE_KINDS = ("field_visit", "lawyers_letter", "litigation_review")  # other workflows' input
PLACEMENT = "agency_placement"
ELIGIBILITIES = (PLACEMENT, *CANDIDATE_KINDS)
KINDS = (*CONTACT_KINDS, "app_push", *ELIGIBILITIES)
STATUSES = ("open", "queued", "done", "deferred", "refused", "review", "superseded")
__all__ = ["WORKABLE", "Dispatched", "dispatch", "place_with_agencies", "run_for_day"]


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
    uow: UnitOfWork, run_id: str | None, now: datetime, actor: str = "strategy"
) -> Dispatched:
    """Turn a run's plan into tasks (the latest current run when `run_id` is None)."""
    with uow:
        run = _run(uow, run_id)
        superseded = uow.tasks.supersede(run["id"], run["as_of"], now)
        skipped: Counter[str] = Counter()
        rows, events = _new_tasks(uow, run, now, actor, skipped)
        uow.tasks.add_many(rows)
        uow.events.append_many(events, now)
        uow.commit()
    made = dict(Counter(r["kind"] for r in rows))
    return Dispatched(run["id"], run["as_of"], len(events), made, superseded, dict(skipped))


def _new_tasks(
    uow: UnitOfWork, run: dict[str, Any], now: datetime, actor: str, skipped: Counter[str]
) -> tuple[list[dict[str, Any]], list[tuple[str, NewEvent]]]:
    """Task rows and `tasks_planned` events of the cases the run has not dispatched yet."""
    treatments = _treatments(run["strategy_yaml"], run["id"])
    already = uow.tasks.dispatched_cases(run["id"])
    rows: list[dict[str, Any]] = []
    events: list[tuple[str, NewEvent]] = []
    for plan in _case_plans(uow.directory.case_plans(run["id"]), skipped):
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


def _run(uow: UnitOfWork, run_id: str | None) -> dict[str, Any]:
    row = uow.strategy_runs.info(run_id)
    if row is None:
        what = f"no strategy run {run_id}" if run_id else "no strategy run yet"
        raise FairdebtError(what, hint="make one with `fairdebt strategy run --as-of DAY`")
    if row["status"] != "current":
        raise FairdebtError(
            f"run {row['id']} was superseded", hint=f"dispatch the current run of {row['as_of']}"
        )
    return row


def run_for_day(uow: UnitOfWork, as_of: date) -> str:
    """The id of the current run of `as_of`, or a FairdebtError saying there is none."""
    with uow:
        found = uow.strategy_runs.current(as_of)
    if found is None:
        raise FairdebtError(
            f"no strategy run for {as_of}", hint=f"run `fairdebt strategy run --as-of {as_of}`"
        )
    return found


def _treatments(text: str, run_id: str) -> dict[str, tuple[Any, ...]]:
    """Each treatment's ordered actions, from the YAML the run kept (the eligibilities are in
    the plan rows already, per account)."""
    from fairdebt.strategy.config import validate_source
    from fairdebt.strategy.yamlsource import parse

    strategy, problems = validate_source(parse(text, f"run {run_id}"))
    if strategy is None:  # the run was made from a valid file: this is a damaged row
        raise FairdebtError(f"run {run_id}'s strategy no longer loads: {problems[0]}", hint="")
    return {name: tuple(treatment.actions) for name, treatment in strategy.treatments.items()}


def _case_plans(rows: Iterable[CasePlanRow], skipped: Counter[str]) -> Iterable[_CasePlan]:
    """The run's plan rows merged per case, most urgent account first within each case."""
    first: CasePlanRow | None = None
    eligible: set[str] = set()
    for row in rows:
        if first is not None and row.case_id != first.case_id:
            yield from _kept(first, eligible, skipped)
            first, eligible = None, set()
        first = first or row
        eligible |= row.eligible
    if first is not None:
        yield from _kept(first, eligible, skipped)


def _kept(row: CasePlanRow, eligible: set[str], skipped: Counter[str]) -> Iterable[_CasePlan]:
    if row.holds:
        skipped["on hold"] += 1
        return
    if row.case_status in (CaseStatus.CLOSED.value, CaseStatus.ON_HOLD.value):
        skipped[row.case_status] += 1
        return
    assignee = (row.assignee_kind, row.assignee_id)
    yield _CasePlan(row.case_id, row.treatment, row.dpd, frozenset(eligible), assignee)


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


@dataclass(frozen=True, slots=True)
class Placed:
    """What a placement did: cases newly placed per agency, and the cases that already were
    with one of the agencies (their placement task is done; nothing changed hands)."""

    placed: dict[str, int]
    kept: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.placed.values())


def place_with_agencies(
    uow: UnitOfWork,
    agencies: Sequence[str],
    now: datetime,
    actor: str,
    run_id: str | None = None,
) -> Placed:
    """Place every case with an open agency_placement task (of `run_id`, or of any run) with the
    least-loaded agency (ties: the order given), through Case.assign and its event; the placement
    task is done and the case's open tasks follow it to the agency. A case already placed with
    an agency stays there (counted in `kept`, not `placed`)."""
    if not agencies:
        raise FairdebtError("no agencies to place with", hint="name at least one agency id")
    placed: Counter[str] = Counter()
    kept: Counter[str] = Counter()
    with uow:
        load = Counter(uow.directory.agency_loads(agencies))
        events: list[tuple[str, NewEvent]] = []
        for task_id, case_id in uow.tasks.open_placements(run_id):
            agency, moved = _place(uow, case_id, agencies, load, events, actor)
            if agency is not None:
                uow.tasks.follow_placement(task_id, case_id, agency, now)
                (placed if moved else kept)[agency] += 1
        uow.events.append_many(events, now)
        uow.commit()
    return Placed(dict(placed), dict(kept))


def _place(
    uow: UnitOfWork,
    case_id: str,
    agencies: Sequence[str],
    load: Counter[str],
    events: list[tuple[str, NewEvent]],
    actor: str,
) -> tuple[str | None, bool]:
    """The agency the case is with, and whether it was placed now; (None, False) when the case
    may not be worked now: its placement task stays open until it may."""
    case = uow.cases.get(case_id)
    if case is None or case.status is CaseStatus.CLOSED or case.is_on_hold:
        return None, False
    if case.assignee is not None and case.assignee.kind is AssigneeKind.AGENCY:
        return case.assignee.id, False  # a plan does not move a case between agencies
    agency = min(agencies, key=lambda a: (load[a], agencies.index(a)))
    case, event = case.assign(Assignee(AssigneeKind.AGENCY, agency), actor)
    uow.cases.save(case)
    events.append((case_id, event))
    load[agency] += 1
    return agency, True
