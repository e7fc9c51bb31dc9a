"""A `services.access.CaseScope` as a SQL condition on the cases table.

It lives with the tables so that the repositories (the call queue's task listing) and the
console's read side (web.queries, which re-exports it) filter by the one rule the same way.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, true

from fairdebt.adapters.db.tables import cases
from fairdebt.services.access import CaseScope


def scope_condition(scope: CaseScope) -> ColumnElement[bool]:
    """The cases of `scope` (services.access.visible_cases) as SQL: every one, or those assigned
    to its assignee (ix_cases_assignee) or named by id; an empty scope matches nothing."""
    if scope.everything:
        return true()
    parts: list[ColumnElement[bool]] = []
    if scope.assignee is not None:
        kind, who = scope.assignee.kind.value, scope.assignee.id
        parts.append(and_(cases.c.assignee_kind == kind, cases.c.assignee_id == who))
    if scope.case_ids:
        parts.append(cases.c.id.in_(sorted(scope.case_ids)))
    return or_(*parts) if parts else false()
