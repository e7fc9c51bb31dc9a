"""Use case: the compliance desk's decisions besides complaints (services.complaints).

- Reviews: a task the gate or the executor sent to `review` (a person must decide; its note
  names the rules) is approved — it is workable again (`open`), and its `review_approved` event
  names the decision that asked for review and that decision's review rule ids: when the task
  runs again, a review for only those rules counts as allow (services.review_approval; a deny
  still denies) — or rejected — `refused`, it will not run. Both need a reason and are case
  events.
- Gate decisions: the logged decisions searched by case, collector, rule id and time, and the
  denials counted by rule and day for the desk's chart.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from fairdebt.domain.events import NewEvent
from fairdebt.errors import FairdebtError
from fairdebt.services.complaints import DESK_ROLES, MAX_REASON
from fairdebt.services.ports import UnitOfWork
from fairdebt.services.ports.complaints import DecisionFilter
from fairdebt.services.ports.identity import User
from fairdebt.services.ports.worklist import TaskFilter
from fairdebt.services.review_approval import review_rule_ids

REVIEW_OUTCOMES = {"approve": "open", "reject": "refused"}


class DeskError(FairdebtError):
    """A desk decision cannot be made as asked (nothing was written)."""


def decide_review(
    uow: UnitOfWork, task_id: int, verdict: str, reason: str, by: User, now: datetime
) -> str:
    """Approve (the task may run: `open`) or reject (`refused`) a task in review; the case id."""
    if not by.active or by.role not in DESK_ROLES:
        raise DeskError(f"{by.role.value} {by.username} may not decide reviews")
    status = REVIEW_OUTCOMES.get(verdict)
    if status is None:
        raise DeskError(f"unknown verdict {verdict[:20]!r}", hint="approve or reject")
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON or "\x00" in reason:
        raise DeskError("a review decision needs a reason", hint=f"1 to {MAX_REASON} characters")
    actor = f"{by.role.value}:{by.username}"
    with uow:
        reviewed = _reviewed(uow, task_id)
        case_id = uow.desk.settle_review(task_id, status, f"{verdict}d by {actor}: {reason}", now)
        if case_id is None:
            raise DeskError(f"task {task_id} is not waiting for review", hint="decided already?")
        data: dict[str, object] = {"task": task_id, "status": status, "reason": reason}
        if verdict == "approve":  # what the approval covers when the task runs again
            data |= reviewed
        uow.events.append(case_id, NewEvent(f"review_{verdict}d", actor, data), now)
        uow.commit()
    return case_id


def _reviewed(uow: UnitOfWork, task_id: int) -> dict[str, object]:
    """The decision that sent the task to review and its review rule ids (none when no gate
    decision did: a missing address, an unconfirmed contact — an approval then covers no rule)."""
    rows = uow.tasks.listing(TaskFilter(statuses=("review",), task_id=task_id), 1)
    decision_id = str(rows[0].get("decision_id") or "") if rows else ""
    if not decision_id:
        return {"decision_id": None, "rules": []}
    logged = next(
        (
            e
            for e in reversed(uow.events.events(str(rows[0]["case_id"])))
            if e.type == "gate_decision" and e.data.get("decision_id") == decision_id
        ),
        None,
    )
    rules = review_rule_ids(logged.data.get("decision") or {}) if logged is not None else []
    return {"decision_id": decision_id, "rules": rules}


def decisions(uow: UnitOfWork, flt: DecisionFilter, limit: int = 500) -> list[dict[str, object]]:
    with uow:
        return uow.desk.decisions(flt, limit)


def denials_by_rule(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """Denied decisions counted by (day, rule): the chart's data, by day then rule."""
    counts: Counter[tuple[str, str]] = Counter()
    for row in rows:
        if row["verdict"] != "deny":
            continue
        day = str(row["at"])[:10]
        for rule in row["rules"]:  # type: ignore[attr-defined]
            counts[(day, str(rule))] += 1
    return [{"day": d, "rule": r, "denials": n} for (d, r), n in sorted(counts.items())]
