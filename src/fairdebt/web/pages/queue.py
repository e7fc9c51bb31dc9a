"""The call queue in the console: /console/queue, and its "Check with the gate" button.

What the strategy's plan made a call task (services.worklist) shows here, most urgent first
(priority, then DPD), due today or earlier in the deployment's zone:
- a collector sees the tasks dispatched to them; an agency user, the tasks of the cases placed
  with its agency now; a supervisor or administrator, every one, with an assignee filter and the
  counts of the candidates other workflows will take (visits, lawyer's letters, litigation
  review, placements). Other staff get 403, borrowers 403, anonymous visitors the login page.
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
from fairdebt.services.ports import UnitOfWork
from fairdebt.services.ports.worklist import TaskFilter
from fairdebt.services.users import Role, User
from fairdebt.services.worklist import CANDIDATE_KINDS, PLACEMENT
from fairdebt.web.auth import ConsoleUser, agency_scope, services_of
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


def _filter(user: User, request: Request, assignee: str) -> TaskFilter:
    """The user's own slice of the call tasks due by today."""
    base = TaskFilter(kinds=("call",), due_by=_today(request))
    if user.role in ALL_TASKS_ROLES:
        return replace(base, assignee_id=assignee or None)
    if user.role is Role.AGENCY:
        return replace(base, agency_id=agency_scope(user))
    # A collector's tasks are those dispatched to their user name (the case's assignee id).
    return replace(base, assignee_kind="collector", assignee_id=user.username)


@router.get("/queue", name="console_queue")
def queue(request: Request, user: QueueUser, assignee: str = "") -> Response:
    """Call tasks due by today, most urgent first; supervisors also see candidate counts."""
    assignee = assignee.strip()[:64]
    flt = _filter(user, request, assignee)
    with services_of(request).uow() as uow:
        rows = [_shown(r) for r in uow.tasks.listing(flt, QUEUE_SIZE)]
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
        # The user's own filter narrowed to the task: what they may not see is not there (404).
        mine = uow.tasks.listing(replace(_filter(user, request, ""), task_id=task_id), 1)
    if not mine:
        gettext = gettext_for(locale_of(request))
        raise HTTPException(status_code=404, detail=gettext(NO_SUCH_TASK))
    return run_check(request, user, task_id=task_id, case_id=mine[0]["case_id"])
