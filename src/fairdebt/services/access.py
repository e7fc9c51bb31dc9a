"""Who may see which case, and who may see a borrower's personal data on it: the one rule.

Minimum necessary access: a staff member sees the cases their work needs and no other
(《个人信息保护法》第六条: processing limited to the smallest scope the purpose needs; 第五十一条:
operating permissions set per role). Every console query and page goes through this module:
`visible_cases(uow, user, now)` is the scope of a list (web.queries turns it into SQL),
`may_see(uow, user, case_id, now)` the check of one case; a case outside the scope answers 404,
so its existence is not disclosed either.

Who sees which cases (docs/security.md):
- supervisor, compliance, admin: every case (oversight, review, administration);
- collector: the cases assigned to them (the case's assignee is `collector:<user name>`) and the
  cases a supervisor granted them for a period (`grant`, a `case_access_granted` event, until it
  expires);
- agency: the cases placed with its agency (assignee `agency:<agency id>`);
- field agent: the cases of the visits of their teams that are planned and not yet reported;
- anyone else (a borrower at the console): none.

Who sees the borrower's contact details (name, phones, e-mail, address) on a case they may see:
collectors, who call the borrower, see them; supervisors and compliance see them masked and may
unmask one field with a reason (`record_view`: a `personal_data_viewed` event, then the value is
shown for that one answer); agencies, field agents and administrators see them masked (the field
agent's visit pages show the approved address to the team that visits).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fairdebt.domain.case import Assignee, AssigneeKind, Case
from fairdebt.domain.events import CaseEvent, NewEvent, format_instant
from fairdebt.errors import FairdebtError
from fairdebt.services.ports import UnitOfWork
from fairdebt.services.ports.identity import Role, User

GRANTED = "case_access_granted"
VIEWED = "personal_data_viewed"
MAX_GRANT_DAYS = 30  # a grant is for a task at hand: longer work is an assignment
MAX_REASON = 500
SEE_ALL_ROLES = frozenset({Role.SUPERVISOR, Role.COMPLIANCE, Role.ADMIN})
GRANT_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})  # who may grant a case to a collector
CONTACT_ROLES = frozenset({Role.COLLECTOR})  # see contact details on the cases they may see
UNMASK_ROLES = frozenset({Role.SUPERVISOR, Role.COMPLIANCE})  # masked; may unmask with a reason
UNMASK_FIELDS = ("name", "phones", "email", "address")
# A field agent's visits while the team has work to do at the door (services.visits' statuses).
ACTIVE_VISITS = ("scheduled", "noticed", "checked_in", "checked_out")

__all__ = [
    "ALL_CASES",
    "CONTACT_ROLES",
    "GRANTED",
    "GRANT_ROLES",
    "MAX_GRANT_DAYS",
    "NO_CASES",
    "SEE_ALL_ROLES",
    "UNMASK_FIELDS",
    "UNMASK_ROLES",
    "VIEWED",
    "AccessError",
    "CaseScope",
    "Grant",
    "active_grants",
    "grant",
    "may_see",
    "may_unmask",
    "record_view",
    "shows_contact",
    "visible_cases",
]


class AccessError(FairdebtError):
    """A grant or an unmasking refused (bad input, a role without the right, no such case)."""


@dataclass(frozen=True, slots=True)
class CaseScope:
    """The cases a user may see: every one, or those assigned to `assignee` plus `case_ids`.
    An empty scope (neither) sees none."""

    everything: bool = False
    assignee: Assignee | None = None
    case_ids: frozenset[str] = field(default_factory=frozenset)

    def covers(self, case: Case) -> bool:
        if self.everything or case.id in self.case_ids:
            return True
        return self.assignee is not None and case.assignee == self.assignee

    @property
    def empty(self) -> bool:
        return not self.everything and self.assignee is None and not self.case_ids


ALL_CASES = CaseScope(everything=True)
NO_CASES = CaseScope()


@dataclass(frozen=True, slots=True)
class Grant:
    """A supervisor's grant of one case to one collector, from `at` until `until`."""

    case_id: str
    to: str  # the collector's user name
    at: datetime
    until: datetime
    reason: str
    by: str


def visible_cases(uow: UnitOfWork, user: User, now: datetime) -> CaseScope:
    """The scope of every list the user sees (module docstring: who sees which cases)."""
    if not user.active:
        return NO_CASES
    if user.role in SEE_ALL_ROLES:
        return ALL_CASES
    if user.role is Role.COLLECTOR:
        granted = frozenset(g.case_id for g in active_grants(uow, now, to=user.username))
        return CaseScope(assignee=Assignee(AssigneeKind.COLLECTOR, user.username), case_ids=granted)
    if user.role is Role.AGENCY:
        if not user.agency_id:  # cannot be created; if one appears, it sees nothing
            return NO_CASES
        return CaseScope(assignee=Assignee(AssigneeKind.AGENCY, user.agency_id))
    if user.role is Role.FIELD_AGENT:
        return CaseScope(case_ids=_visit_cases(uow, user))
    return NO_CASES


def may_see(uow: UnitOfWork, user: User, case_id: str, now: datetime) -> bool:
    """Whether the user may open this case (False for a case that does not exist): the same
    rule as `visible_cases`, read for one case only."""
    with uow:
        case = uow.cases.get(case_id)
        if case is None or not user.active:
            return False
        if user.role in SEE_ALL_ROLES:
            return True
        if user.role is Role.COLLECTOR:
            mine = Assignee(AssigneeKind.COLLECTOR, user.username)
            return case.assignee == mine or _granted(uow, case_id, user.username, now)
        if user.role is Role.AGENCY:
            placed = Assignee(AssigneeKind.AGENCY, user.agency_id or "")
            return bool(user.agency_id) and case.assignee == placed
        if user.role is Role.FIELD_AGENT:
            return case_id in _visit_cases(uow, user, case_id)
    return False


def _visit_cases(uow: UnitOfWork, user: User, case_id: str | None = None) -> frozenset[str]:
    """The cases of the active visits of the teams this field agent is a member of."""
    with uow:
        teams = {t.id for t in uow.teams.all() if user.id in t.members}
        if not teams:
            return frozenset()
        visits = uow.visits.listing(statuses=ACTIVE_VISITS, case_id=case_id)
    return frozenset(v.case_id for v in visits if v.team_id in teams)


# --- grants ----------------------------------------------------------------------------------


def grant(
    uow: UnitOfWork,
    case_id: str,
    to: str,
    days: int,
    reason: str,
    actor: str,
    now: datetime,
) -> Grant:
    """Let collector `to` see case `case_id` for `days` days (1..MAX_GRANT_DAYS), for a reason;
    recorded as a `case_access_granted` event on the case. The caller checked the actor's role
    (GRANT_ROLES on the console; the command line is the operator's)."""
    why = _reason(reason)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_GRANT_DAYS:
        raise AccessError(
            f"a grant lasts 1 to {MAX_GRANT_DAYS} days", hint="longer work is an assignment"
        )
    name = (to or "").strip().lower()[:64]
    with uow:
        case = uow.cases.get(case_id)
        if case is None:
            raise AccessError(f"no case {case_id[:64]!r}", hint="check the case id")
        user = uow.users.by_name(name)
        if user is None or not user.active or user.role is not Role.COLLECTOR:
            raise AccessError(
                f"{name!r} is not an active collector", hint="a case is granted to a collector"
            )
        if case.assignee == Assignee(AssigneeKind.COLLECTOR, name):
            raise AccessError(f"{case_id} is assigned to {name} already", hint="nothing to grant")
        until = now + timedelta(days=days)
        data = {"collector": name, "days": days, "until": format_instant(until), "reason": why}
        uow.events.append(case_id, NewEvent(GRANTED, actor, data), now)
        uow.commit()
    return Grant(case_id, name, now, until, why, actor)


def active_grants(uow: UnitOfWork, now: datetime, to: str | None = None) -> list[Grant]:
    """The grants in force at `now` (of collector `to`, when given), oldest first. Only the last
    MAX_GRANT_DAYS of grant events can hold one, so the read stays small."""
    with uow:
        events = uow.events.of_type(GRANTED, now - timedelta(days=MAX_GRANT_DAYS))
    found = (_grant_of(e) for e in events)
    return [g for g in found if g is not None and g.until > now and to in (None, g.to)]


def _granted(uow: UnitOfWork, case_id: str, to: str, now: datetime) -> bool:
    return any(g.case_id == case_id for g in active_grants(uow, now, to=to))


def _grant_of(event: CaseEvent) -> Grant | None:
    data = event.data
    try:
        until = datetime.fromisoformat(str(data["until"]))
        at = datetime.fromisoformat(event.at.replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return None  # a damaged event grants nothing
    if until.tzinfo is None:
        return None
    to, why = str(data.get("collector", "")), str(data.get("reason", ""))
    return Grant(event.case, to, at, until, why, event.actor)


def _reason(reason: str) -> str:
    text = " ".join((reason or "").split())
    if not text or len(text) > MAX_REASON or not text.isprintable():
        raise AccessError(
            "a reason is required", hint=f"say why, in at most {MAX_REASON} printable characters"
        )
    return text


# --- personal data ---------------------------------------------------------------------------


def shows_contact(user: User) -> bool:
    """Whether the case page shows this user the borrower's contact details unmasked."""
    return user.role in CONTACT_ROLES


def may_unmask(user: User) -> bool:
    """Whether this user may unmask a field of a case they may see, with a reason."""
    return user.role in UNMASK_ROLES


def record_view(
    uow: UnitOfWork, user: User, case_id: str, what: str, reason: str, now: datetime
) -> CaseEvent:
    """Log that `user` views field `what` of the case's borrower, and why: the event is written
    before the value is shown. Refused for a role that may not unmask, a field not in
    UNMASK_FIELDS, an empty reason, or a case the user may not see (the web answers 404)."""
    if not may_unmask(user):
        raise AccessError("your role does not unmask personal data", hint="ask a supervisor")
    if what not in UNMASK_FIELDS:
        raise AccessError(f"not a field to unmask: {what[:32]!r}", hint=", ".join(UNMASK_FIELDS))
    why = _reason(reason)
    with uow:
        if not may_see(uow, user, case_id, now):
            raise AccessError(f"no case {case_id[:64]!r}", hint="check the case id")
        data = {"field": what, "reason": why, "role": user.role.value}
        event = uow.events.append(case_id, NewEvent(VIEWED, user.username, data), now)
        uow.commit()
    return event
