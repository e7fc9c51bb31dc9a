"""Use case: a person's approval of a task in review counts when the task runs again.

The gate answers `review` when a review rule objects and no deny rule does (compliance/engine.py;
services.contact adds its own review rules, e.g. an unknown limitation period). The compliance
desk approves such a task (services.desk.decide_review): a `review_approved` case event naming
the task, the decision that sent it to review and that decision's review rule ids.

When the task runs again — executed (services.worklist_execute) or its queued message re-asked
by the outbox worker (services.outbox) — services.contact asks the gate as always, then:

- `review`, every review rule id covered by one recent (APPROVAL_WINDOW) approval of THIS task:
  treated as `allow`; the logged `gate_decision` says `allow`, keeps every rule that fired, and
  records `approved_by` and `approval_seq` (the approval event's seq in the case log);
- `review` for a rule no such approval names: `review` again — a person looks at the new rule;
- `deny`: denied. A person cannot approve past a deny (a complaint hold, an opt-out, a cap).

A rejection after an approval withdraws it: only approvals logged after the task's newest
`review_rejected` count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from fairdebt.compliance.types import Decision, Severity, Verdict

APPROVAL_WINDOW = timedelta(hours=24)
"""How long a desk approval counts for its task. The person approved the case as it stood then
(its holds, contacts, the debt's state); a day later the task is planned afresh and a review is
a person's to decide again."""


@dataclass(frozen=True, slots=True)
class Approval:
    """A `review_approved` event of a task: who, when, and the review rule ids it covers."""

    seq: int
    by: str
    at: datetime
    rules: frozenset[str]


def review_rule_ids(decision: Mapping[str, Any]) -> list[str]:
    """The ids of the rules that asked for review in a logged decision (`decision.to_dict()`)."""
    rules = decision.get("rules") or []
    return [str(r["id"]) for r in rules if isinstance(r, dict) and r.get("severity") == "review"]


def approvals(events: Iterable[Any], task_id: int, now: datetime) -> list[Approval]:
    """The task's approvals that count at `now`, newest first: logged within APPROVAL_WINDOW
    before `now` (not after it), and after the task's newest rejection."""
    found: list[Approval] = []
    for event in events:
        if event.type not in ("review_approved", "review_rejected"):
            continue
        if _task_of(event.data) != task_id:
            continue
        if event.type == "review_rejected":
            found = []
            continue
        at = _instant(event.at)
        if at <= now and now - at <= APPROVAL_WINDOW:
            rules = frozenset(str(r) for r in event.data.get("rules") or ())
            found.append(Approval(event.seq, event.actor, at, rules))
    return sorted(found, key=lambda a: a.seq, reverse=True)


def apply_approval(
    decision: Decision, events: Iterable[Any], task_id: int | None, now: datetime
) -> tuple[Decision, dict[str, Any]]:
    """The decision to act on for a run of `task_id`, and what the logged decision adds: a
    `review` covered by an approval of this task becomes `allow` (module docstring)."""
    if task_id is None or decision.decision is not Verdict.REVIEW:
        return decision, {}
    asking = {r.id for r in decision.rules if r.severity is Severity.REVIEW}
    if not asking or any(r.severity is Severity.DENY for r in decision.rules):
        return decision, {}
    approval = next((a for a in approvals(events, task_id, now) if asking <= a.rules), None)
    if approval is None:
        return decision, {}
    allowed = replace(decision, decision=Verdict.ALLOW, allowed_from=None)
    return allowed, {"approved_by": approval.by, "approval_seq": approval.seq}


def _task_of(data: Mapping[str, Any]) -> int | None:
    task = data.get("task")
    if isinstance(task, bool) or not isinstance(task, int | str):
        return None
    try:
        return int(task)
    except ValueError:
        return None


def _instant(at: str | datetime) -> datetime:
    if isinstance(at, datetime):
        return at
    return datetime.fromisoformat(at.replace("Z", "+00:00"))
