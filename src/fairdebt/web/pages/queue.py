"""The call queue in the console: /console/queue, and its "Check with the gate" button.

What the strategy's plan made a call task (services.worklist) shows here, most urgent first
(priority, then DPD), due today or earlier in the deployment's zone:
- who sees which task is the one rule of who may see a case (services.access.visible_cases,
  docs/security.md), read on the case now, not on the assignee copied onto the task when the
  plan made it: a collector sees the tasks of the cases assigned to them and of those granted
  to them while the grant lasts (a reassigned case's tasks leave the old collector's queue); an
  agency user, the tasks of the cases placed with its agency now; a supervisor or administrator,
  every one, with an assignee filter and the counts of the candidates other workflows will take
  (visits, lawyer's letters, litigation review, placements). Other staff get 403, borrowers
  403, anonymous visitors the login page. A task of a case the user may not see is not listed
  and its routes answer 404, as a task that does not exist.
- a granted case's calls are placed by its assignee (services.calls.may_dial): its tasks are
  listed for the collector it is granted to, without the button.
- the button (a same-origin POST form with the session's CSRF token) asks the gate for a call on
  that task (services.calls.check, through web.pages.calls): the decision is logged before
  anything happens, and the browser goes to the call's page — the decision with its reasons in
  the page's language, then the script with a verify code, "Start call" and the outcome. Nothing
  is dialled and nothing is recorded as a contact by asking; the task stays in the queue until
  its call's outcome is recorded.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import Response

from fairdebt.domain.borrower import mask_phone
from fairdebt.domain.case import Assignee, AssigneeKind
from fairdebt.services.access import CaseScope, visible_cases
from fairdebt.services.ports import UnitOfWork
from fairdebt.services.ports.worklist import TaskFilter
from fairdebt.services.users import Role, User
from fairdebt.services.worklist import CANDIDATE_KINDS, PLACEMENT
from fairdebt.web.auth import ConsoleUser, services_of
from fairdebt.web.i18n import N_, gettext_for, locale_of
from fairdebt.web.rendering import render

router = APIRouter(prefix="/console", include_in_schema=False)

QUEUE_ROLES = frozenset({Role.COLLECTOR, Role.AGENCY, Role.SUPERVISOR, Role.ADMIN})
ALL_TASKS_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})
QUEUE_SIZE = 200
NOT_YOUR_QUEUE = N_("The call queue is for collectors, agencies, supervisors and administrators.")
NO_SUCH_TASK = N_("There is no such task in your queue.")
# Task ids are database integers: a bigger number in the URL is a 422, not an overflow (500).
TaskId = Annotated[int, Path(ge=1, le=2**62)]


def queue_user(request: Request, user: ConsoleUser) -> User:
    if user.role not in QUEUE_ROLES:
        gettext = gettext_for(locale_of(request))
        raise HTTPException(status_code=403, detail=gettext(NOT_YOUR_QUEUE))
    return user


QueueUser = Annotated[User, Depends(queue_user)]


def _today(request: Request) -> Any:
    zone = ZoneInfo(request.app.state.settings.timezone)
    return request.app.state.clock.now().astimezone(zone).date()


def _filter(user: User, request: Request, assignee: str, scope: CaseScope) -> TaskFilter:
    """The user's own slice of the call tasks due by today: the tasks of the cases in their
    scope (services.access.visible_cases); a supervisor or administrator may narrow by the
    task's assignee."""
    base = TaskFilter(kinds=("call",), due_by=_today(request), scope=scope)
    if user.role in ALL_TASKS_ROLES:
        return replace(base, assignee_id=assignee or None)
    return base


def _scope(uow: UnitOfWork, user: User, request: Request) -> CaseScope:
    return visible_cases(uow, user, services_of(request).clock.now())


@router.get("/queue", name="console_queue")
def queue(request: Request, user: QueueUser, assignee: str = "") -> Response:
    """Call tasks due by today, most urgent first; supervisors also see candidate counts."""
    assignee = assignee.strip()[:64]
    with services_of(request).uow() as uow:
        scope = _scope(uow, user, request)
        flt = _filter(user, request, assignee, scope)
        listed = uow.tasks.listing(flt, QUEUE_SIZE)
        lent = _granted_only(uow, user, scope, {r["case_id"] for r in listed})
        rows = [_shown(r) | {"callable": r["case_id"] not in lent} for r in listed]
        everyone = user.role in ALL_TASKS_ROLES
        candidates = _candidates(uow) if everyone else {}
        assignees = uow.tasks.assignees("call") if everyone else []
    context = {
        "rows": rows,
        "today": flt.due_by,
        "everyone": everyone,
        "candidates": candidates,
        "assignees": assignees,
        "assignee": assignee,
    }
    return render(request, "console/queue.html", context)


def _granted_only(uow: UnitOfWork, user: User, scope: CaseScope, shown: set[str]) -> set[str]:
    """The listed cases a collector sees by a grant and not by assignment: the assignee places
    their calls (services.calls.may_dial), so these rows have no gate button."""
    if user.role is not Role.COLLECTOR:
        return set()
    mine = Assignee(AssigneeKind.COLLECTOR, user.username)
    granted = shown & scope.case_ids
    return {c for c in granted if (case := uow.cases.get(c)) is None or case.assignee != mine}


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    """A queue row as shown: the first phone masked (the case page reveals it to those who may
    call), the name left out."""
    phone = next((p for p in (row.pop("phones") or "").split(";") if p), "")
    row.pop("name", None)
    return row | {"phone": mask_phone(phone) if phone else ""}


def _candidates(uow: UnitOfWork) -> dict[str, int]:
    flt = TaskFilter(kinds=(*CANDIDATE_KINDS, PLACEMENT), statuses=("open",))
    counts = uow.tasks.count_by_kind(flt)
    return {k: counts.get(k, 0) for k in (*CANDIDATE_KINDS, PLACEMENT)}


@router.post("/queue/tasks/{task_id}/check", name="console_queue_check")
def check_with_the_gate(request: Request, task_id: TaskId, user: QueueUser) -> Response:
    """Ask the gate for this call (web.pages.calls): nothing is dialled by asking."""
    from fairdebt.web.pages.calls import run_check

    services = services_of(request)
    with services.uow() as uow:
        # The user's own scope narrowed to the task: what they may not see is not there (404).
        flt = _filter(user, request, "", _scope(uow, user, request))
        mine = uow.tasks.listing(replace(flt, task_id=task_id), 1)
    if not mine:
        gettext = gettext_for(locale_of(request))
        raise HTTPException(status_code=404, detail=gettext(NO_SUCH_TASK))
    return run_check(request, user, task_id=task_id, case_id=mine[0]["case_id"])
