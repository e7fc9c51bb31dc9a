"""Use cases: field visits (上门催收 / 外访) as a regulated workflow, from the plan to the report.

1. `candidates`: the plan's open `field_visit` tasks no visit was made from yet.
2. `approve` / `reject`: a supervisor decides, with a reason, many at once. Approval asks the
   gate (services.contact.ask, channel `visit`): what it knows of the case decides now (DPD and
   balance minimums, holds, who may be contacted); what depends on the day (the agents, the
   prior notice, the address, the clock) is left to check-in, where the gate is asked again
   with the real facts. A visit the gate refuses is refused with its reasons, nothing written.
3. `register_agent` / `form_team`: certified field agents (certificate number, issuer, expiry,
   photo in the evidence store), in teams of at least the pack's minimum (CBA26-VISIT: two),
   working only inside the pack's contact hours.
4. `plan_day`: the day's approved visits → routes per team (fairdebt.visits.routing), each
   visit a window of `window_hours` inside its team's hours; what no team can serve is
   reported, not dropped.
5. `send_notice`: the prior notice through the outbox (SMS, or a letter without a phone), at
   least `hours_before` hours before the window (FD-VISIT.notice): date, window, purpose, the
   agents' names and certificate numbers, the official phone and a verify code for /verify;
   a letter is the `visit_notice` kind (fairdebt.letters.visit_notice: a QR code of /verify).
6. `check_in`: only within `radius_m` of the approved address (FD-VISIT.address), inside the
   notified window, and only if the gate allows it then; a refusal is logged.
7. `check_out`, then `record_outcome`: who was met, reasons for arrears, ability and
   willingness to pay, a promise (services.promises) or a plan proposal. The notes are screened
   for money at the door (fairdebt.visits.money_words; NIFA18-19): a hit raises
   `visit_money_alert`. There is no way to record money received.

Every change of a visit is also an event in its case's log (the `visit_*` types). Time is a
parameter everywhere; services never read a clock.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from fairdebt.compliance.localtime import parse_clock
from fairdebt.compliance.pack import Packs
from fairdebt.compliance.types import Agent, Verdict
from fairdebt.compliance.types import Visit as GateVisit
from fairdebt.domain.events import NewEvent
from fairdebt.errors import FairdebtError
from fairdebt.services.contact import ContactRequest, ask
from fairdebt.services.ports import UnitOfWork
from fairdebt.services.ports.evidence import EvidenceStore
from fairdebt.services.ports.identity import Role, User
from fairdebt.services.ports.visits import NEXT, FieldAgent, Team, Visit
from fairdebt.services.ports.worklist import ContactTask, TaskFilter, TaskOutcome

DEFAULT_NOTICE_HOURS = 24  # FD-VISIT.notice's default; the pack's value wins when higher
DEFAULT_RADIUS_M = 200.0
DEFAULT_WINDOW_HOURS = 2
DEFAULT_SERVICE_MINUTES = 45
CHECK_IN_GRACE = timedelta(minutes=30)  # traffic: a little early or late is still the window
APPROVERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
MIN_TEAM = 2  # no pack may make a team of one (CBA26-VISIT)
MAX_REASON = 2_000
MAX_NOTES = 10_000
MAX_PHOTO = 5 * 1024 * 1024
MAX_CAPACITY = 50
OUTCOMES = ("borrower_present", "relative_present", "nobody_home", "refused_entry", "wrong_address")
ABILITY = ("none", "partial", "full", "unknown")
WILLINGNESS = ("refuses", "hesitant", "willing", "unknown")
PACK_BY_CURRENCY = {"USD": "us-regf"}  # as services.worklist_execute
# Rules about the day of the visit, asked at check-in, not at approval.
DAY_FAMILIES = frozenset({"time_window", "frequency", "inconvenient"})
DAY_REQUIREMENTS = frozenset(
    {"agents", "certified", "id_shown", "approved", "notice", "recording", "address"}
    | {"home_entry", "no_cash"}
)
_CLOCK = re.compile(r"^[0-2][0-9]:[0-5][0-9]$")


def _refuse(cause: str, hint: str = "") -> FairdebtError:
    return FairdebtError(cause, hint=hint)


# --- the pack's visit policy ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VisitPolicy:
    """What a pack says of visits: the fewest agents, the contact hours (seconds of the local
    day), the prior notice in hours, and which rules concern the day rather than the case."""

    min_agents: int
    hours: tuple[int, int]
    notice_hours: int
    day_rules: frozenset[str]


def policy(packs: Packs, pack: str) -> VisitPolicy:
    """The visit policy of `pack` (its latest version when no version is named)."""
    resolved = packs.resolve(pack)
    agents, notice, start, end = 0, 0, 0, 86_400
    day_rules: set[str] = set()
    for rule in resolved.rules:
        spec = rule.spec
        if spec.channels and "visit" not in spec.channels:
            continue
        params = dict(spec.params or {})
        if spec.family in DAY_FAMILIES:
            day_rules.add(spec.id)
        if spec.family == "time_window" and "allowed" in params:
            lo, hi = (parse_clock(t) for t in params["allowed"])
            start, end = max(start, lo), min(end, hi)
        if spec.family == "visit":
            value = int(Decimal(str(params.get("value", 0))))
            if params.get("require") in DAY_REQUIREMENTS:
                day_rules.add(spec.id)
            if params.get("require") == "agents":
                agents = max(agents, value)
            if params.get("require") == "notice":
                notice = max(notice, value)
    return VisitPolicy(max(agents, MIN_TEAM), (start, end), notice, frozenset(day_rules))


# --- candidates and approval ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Candidate:
    """A plan's field_visit task that no visit was made from yet."""

    visit_id: str  # the id its visit will have: V-<task id>
    task_id: int
    case_id: str
    dpd: int
    due_on: date
    name: str
    address: str
    city: str


def visit_id_of(task_id: int) -> str:
    return f"V-{task_id}"


def candidates(uow: UnitOfWork, limit: int = 10_000) -> list[Candidate]:
    """The open field_visit tasks of the plan without a visit, most urgent first."""
    with uow:
        made = uow.visits.task_ids()
        rows = uow.tasks.listing(TaskFilter(kinds=("field_visit",), statuses=("open",)), limit)
        found = []
        for row in rows:
            if row["id"] in made:
                continue
            task = uow.tasks.contact_task(row["id"])
            if task is None:
                continue
            person = uow.directory.person(task.borrower_id)
            found.append(
                Candidate(
                    visit_id=visit_id_of(task.id),
                    task_id=task.id,
                    case_id=task.case_id,
                    dpd=task.dpd,
                    due_on=row.get("due_on") or task.as_of,
                    name=task.name,
                    address=person.address or task.address or "",
                    city=person.city or "",
                )
            )
    return found


@dataclass(frozen=True, slots=True)
class Decided:
    """What `approve` or `reject` did: the visits written, and the ids refused with why."""

    visits: tuple[Visit, ...]
    refused: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def task_id_of(ref: str) -> int:
    """`V-17`, `v-17` or `17` → 17; FairdebtError for anything else."""
    text = str(ref).strip()
    digits = text[2:] if text[:2].upper() == "V-" else text
    if not digits.isdigit() or len(digits) > 12:
        raise _refuse(f"{text[:40]!r} is not a visit or task id", "e.g. V-17 or 17")
    return int(digits)


def _check_decider(by: User, reason: str) -> str:
    if by.role not in APPROVERS or not by.active:
        raise _refuse(
            f"{by.username} may not decide visits", "a supervisor approves or rejects a visit"
        )
    text = (reason or "").strip()
    if not text:
        raise _refuse("a reason is required", "say why the visit is approved or rejected")
    if len(text) > MAX_REASON or "\x00" in text:
        raise _refuse(f"the reason is too long or not text (at most {MAX_REASON} characters)")
    return text


def approve(
    uow: UnitOfWork,
    ids: Sequence[str],
    reason: str,
    by: User,
    now: datetime,
    *,
    packs: Packs,
    default_pack: str = "cn",
) -> Decided:
    """Approve the visits of these task or visit ids, with one reason (module docstring, 2)."""
    text = _check_decider(by, reason)
    from fairdebt.visits.geocode import geocode

    done: list[Visit] = []
    refused: dict[str, tuple[str, ...]] = {}
    for ref in _unique(ids):
        try:
            task = _open_task(uow, ref)
            pack = PACK_BY_CURRENCY.get(task.currency, default_pack)
            visit_policy = policy(packs, pack)
            with uow:
                asked = ask(uow, _request(task, by.username), now, packs, pack)
                blocking = [
                    f"{r.id}: {r.message}"
                    for r in asked.decision.rules
                    if r.severity.value == "deny" and r.id not in visit_policy.day_rules
                ]
                if blocking:
                    refused[ref] = tuple(blocking)
                    continue  # leaving the unit without commit: nothing written
                address, city = _address(uow, task)
                place = geocode(city, address)
                visit = replace(
                    _decided_visit(task, "approved", address, city, text, by, now),
                    decision_id=asked.decision_id,
                    lat=place.lat,
                    lon=place.lon,
                    visit_date=_due_on(uow, task.id),
                )
                _add(uow, visit, task, by, now, "done")
                deferred = sorted(
                    r.id for r in asked.decision.rules if r.id in visit_policy.day_rules
                )
                data = _event_data(visit) | {"reason": text, "left_for_the_day": deferred}
                data["decision_id"] = asked.decision_id
                _event(uow, visit, "visit_approved", by.username, data, now)
                uow.commit()
            done.append(visit)
        except FairdebtError as exc:
            refused[ref] = (exc.cause,)
    return Decided(tuple(done), refused)


def _decided_visit(
    task: Any, status: str, address: str, city: str, reason: str, by: User, now: datetime
) -> Visit:
    """The visit a supervisor's decision on a field_visit task makes (approved or rejected)."""
    return Visit(
        id=visit_id_of(task.id),
        case_id=task.case_id,
        task_id=task.id,
        status=status,
        address=address,
        city=city,
        created_at=now,
        updated_at=now,
        reason=reason,
        decided_by=by.id,
        decided_at=now,
    )


def reject(uow: UnitOfWork, ids: Sequence[str], reason: str, by: User, now: datetime) -> Decided:
    """Reject the visits of these task or visit ids, with one reason; their tasks are refused."""
    text = _check_decider(by, reason)
    done: list[Visit] = []
    refused: dict[str, tuple[str, ...]] = {}
    for ref in _unique(ids):
        try:
            task = _open_task(uow, ref)
            with uow:
                address, city = _address(uow, task)
                visit = _decided_visit(task, "rejected", address, city, text, by, now)
                _add(uow, visit, task, by, now, "refused")
                _event(uow, visit, "visit_rejected", by.username, {"reason": text}, now)
                uow.commit()
            done.append(visit)
        except FairdebtError as exc:
            refused[ref] = (exc.cause,)
    return Decided(tuple(done), refused)


def _unique(ids: Iterable[str]) -> list[str]:
    seen: dict[int | str, str] = {}
    for ref in ids:
        try:
            key: int | str = task_id_of(ref)
        except FairdebtError:
            key = ref
        seen.setdefault(key, ref)
    return list(seen.values())


def _open_task(uow: UnitOfWork, ref: str) -> ContactTask:
    task_id = task_id_of(ref)
    with uow:
        task = uow.tasks.contact_task(task_id)
        made = task_id in uow.visits.task_ids()
    if task is None or task.kind != "field_visit":
        raise _refuse(f"no field-visit task {task_id}", "list them with `fairdebt visits list`")
    if made:
        raise _refuse(f"task {task_id} was decided already (visit {visit_id_of(task_id)})")
    if task.status != "open":
        raise _refuse(f"task {task_id} is {task.status}", "only an open task can become a visit")
    return task


def _due_on(uow: UnitOfWork, task_id: int) -> date | None:
    rows = uow.tasks.listing(TaskFilter(statuses=(), task_id=task_id), 1)
    return rows[0].get("due_on") or rows[0].get("as_of") if rows else None


def _address(uow: UnitOfWork, task: ContactTask) -> tuple[str, str]:
    person = uow.directory.person(task.borrower_id)
    address = person.address or task.address or ""
    if not address.strip():
        raise _refuse(f"case {task.case_id} has no address to visit")
    return address, person.city or ""


def _request(task: ContactTask, actor: str, visit: GateVisit | None = None) -> ContactRequest:
    collector = task.assignee_id if task.assignee_kind == "agency" and task.assignee_id else None
    return ContactRequest(
        case_id=task.case_id,
        channel="visit",
        party="debtor",
        purpose="collect",
        to=task.address or task.case_id,
        collector=collector or "in-house",
        actor=actor,
        visit=visit,
    )


def _add(
    uow: UnitOfWork, visit: Visit, task: ContactTask, by: User, now: datetime, st: str
) -> None:
    if not uow.visits.add(visit):
        raise _refuse(f"task {task.id} was decided meanwhile (visit {visit.id})")
    note = f"visit {visit.id} {visit.status} by {by.username}"
    uow.tasks.finish(task.id, None, TaskOutcome(st, note, now, visit.decision_id))


def _event_data(visit: Visit) -> dict[str, Any]:
    return {
        "visit_id": visit.id,
        "task_id": visit.task_id,
        "address": visit.address,
        "visit_date": visit.visit_date.isoformat() if visit.visit_date else None,
    }


def _event(
    uow: UnitOfWork, visit: Visit, kind: str, actor: str, data: Mapping[str, Any], now: datetime
) -> None:
    uow.events.append(visit.case_id, NewEvent(kind, actor, {"visit_id": visit.id, **data}), now)


def _move(uow: UnitOfWork, visit: Visit, to: str, now: datetime, **changes: Any) -> Visit:
    """The visit in status `to`, written if nobody moved it since it was read."""
    if to not in NEXT[visit.status]:
        raise _refuse(f"visit {visit.id} is {visit.status}; it cannot become {to}")
    moved = replace(visit, status=to, updated_at=now, **changes)
    if not uow.visits.update(moved, visit.status):
        raise _refuse(f"visit {visit.id} was changed meanwhile", "read it again and retry")
    return moved


def get_visit(uow: UnitOfWork, visit_id: str) -> Visit:
    ref = str(visit_id).strip()
    with uow:
        found = uow.visits.get(visit_id_of(int(ref)) if ref.isdigit() else ref[:64].upper())
    if found is None:
        raise _refuse(f"no visit {str(visit_id)[:40]!r}", "list them with `fairdebt visits list`")
    return found


def cancel(uow: UnitOfWork, visit_id: str, reason: str, by: User, now: datetime) -> Visit:
    """A supervisor calls a visit off before anyone is at the door."""
    text = _check_decider(by, reason)
    with uow:
        visit = get_visit(uow, visit_id)
        moved = _move(uow, visit, "cancelled", now)
        _event(uow, moved, "visit_cancelled", by.username, {"reason": text}, now)
        uow.commit()
    return moved


# --- agents and teams -----------------------------------------------------------------------


_PHOTO_TYPES = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))


def register_agent(
    uow: UnitOfWork,
    username: str,
    certificate_no: str,
    issuer: str,
    expires_on: date,
    now: datetime,
    *,
    photo: bytes | None = None,
    evidence: EvidenceStore | None = None,
) -> FieldAgent:
    """Certify a FIELD_AGENT user: certificate number, issuer, expiry; the photo (JPEG or PNG)
    goes into the evidence store, the agent keeps its reference."""
    cert = (certificate_no or "").strip()
    if not cert or len(cert) > 64 or not cert.isprintable():
        raise _refuse("a certificate number is required (at most 64 printable characters)")
    who = (issuer or "").strip()
    if not who or len(who) > 200 or not who.isprintable():
        raise _refuse("the certificate's issuer is required (at most 200 characters)")
    if expires_on < now.date():
        raise _refuse(f"certificate {cert} expired on {expires_on}", "renew it first")
    photo_ref = _photo(photo, evidence)
    with uow:
        user = uow.users.by_name((username or "").strip().lower())
        if user is None or user.role is not Role.FIELD_AGENT or not user.active:
            raise _refuse(
                f"{str(username)[:40]!r} is not an active field agent",
                "add one with `fairdebt users add NAME --role field_agent`",
            )
        agent = FieldAgent(user.id, cert, who, expires_on, now, photo_ref)
        uow.field_agents.add(agent)
        uow.commit()
    return agent


def _photo(photo: bytes | None, evidence: EvidenceStore | None) -> str | None:
    if photo is None:
        return None
    if len(photo) > MAX_PHOTO:
        raise _refuse(f"the photo is larger than {MAX_PHOTO // (1024 * 1024)} MB")
    media = next((t for magic, t in _PHOTO_TYPES if photo.startswith(magic)), None)
    if media is None:
        raise _refuse("the photo is not a JPEG or PNG image")
    if evidence is None:
        raise _refuse("no evidence store to keep the photo in")
    return evidence.put(photo, media)


def form_team(
    uow: UnitOfWork,
    name: str,
    members: Sequence[str],
    base: tuple[float, float, str],
    capacity: int,
    hours: tuple[str, str],
    now: datetime,
    *,
    packs: Packs,
    pack: str = "cn",
) -> Team:
    """A team of certified agents (user names), its base (lat, lon, label), its daily capacity
    and working hours; refused when a certificate has expired, when it has fewer agents than
    the pack's minimum, or when its hours leave the pack's contact hours."""
    label = (name or "").strip()
    if not label or len(label) > 128 or not label.isprintable():
        raise _refuse("a team name is required (at most 128 printable characters)")
    visit_policy = policy(packs, pack)
    names = list(dict.fromkeys(m.strip().lower() for m in members if m.strip()))
    if len(names) < visit_policy.min_agents:
        raise _refuse(
            f"a team needs at least {visit_policy.min_agents} agents ({len(names)} given)",
            "CBA26-VISIT: a field visit is made by no fewer than two collectors",
        )
    start, end = _hours(hours, visit_policy)
    lat, lon, base_label = _place(base)
    if not 1 <= capacity <= MAX_CAPACITY:
        raise _refuse(f"capacity must be 1 to {MAX_CAPACITY} visits a day")
    with uow:
        ids = [_certified(uow, n, now.date()).user_id for n in names]
        team = Team(
            f"T-{uuid.uuid4().hex[:10]}", label, tuple(ids), lat, lon, base_label,
            capacity, start, end, now,
        )  # fmt: skip
        uow.teams.add(team)
        uow.commit()
    return team


def _hours(hours: tuple[str, str], visit_policy: VisitPolicy) -> tuple[str, str]:
    start, end = (str(h).strip() for h in hours)
    if not (_CLOCK.match(start) and _CLOCK.match(end)):
        raise _refuse("working hours are HH:MM-HH:MM", "e.g. 09:00-18:00")
    lo, hi = parse_clock(start), parse_clock(end)
    if not lo < hi <= 86_400:
        raise _refuse(f"working hours {start}-{end} must start before they end")
    allowed_lo, allowed_hi = visit_policy.hours
    if lo < allowed_lo or hi > allowed_hi:
        raise _refuse(
            f"working hours {start}-{end} leave the contact hours "
            f"{_clock(allowed_lo)}-{_clock(allowed_hi)}",
            "CBA26-TIME: no visits 22:00-08:00 without the debtor's consent",
        )
    return start, end


def _place(base: tuple[float, float, str]) -> tuple[float, float, str]:
    lat, lon, label = base
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise _refuse("the base is not a place on Earth (latitude -90..90, longitude -180..180)")
    text = (label or "").strip()
    if not text or len(text) > 200:
        raise _refuse("the base needs a label (at most 200 characters)")
    return float(lat), float(lon), text


def _certified(uow: UnitOfWork, username: str, day: date) -> FieldAgent:
    user = uow.users.by_name(username)
    agent = uow.field_agents.get(user.id) if user is not None else None
    if user is None or agent is None or not user.active or user.role is not Role.FIELD_AGENT:
        raise _refuse(
            f"{username[:40]!r} is not a certified field agent",
            "register them with `fairdebt visits agents add`",
        )
    if not agent.valid_on(day):
        raise _refuse(
            f"{username}'s certificate {agent.certificate_no} expired on {agent.expires_on}",
            "FD-VISIT.certified: only certified agents visit",
        )
    return agent


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


# --- planning the day -----------------------------------------------------------------------


OUT_OF_REACH = "no team can get there and back within its hours"


def _reachable(stop: Any, fleet: Sequence[Any]) -> bool:
    """Could some team, on an empty day, leave its base, serve `stop` and be back within its
    hours? If none could, "no team is free" would send a planner looking for a free team
    when the address is simply too far from every team's base (another city)."""
    from fairdebt.visits import routing

    if stop is None:
        return True
    reach = routing.Haversine()
    for team in fleet:
        _metres, seconds = reach.matrix([team.base, stop.place])
        start, end = team.shift
        if seconds[0][1] + stop.service + seconds[1][0] <= end - start:
            return True
    return False


@dataclass(frozen=True, slots=True)
class TeamDay:
    team_id: str
    name: str
    stops: tuple[Visit, ...]  # in order, each with its window


@dataclass(frozen=True, slots=True)
class DayPlan:
    day: date
    teams: tuple[TeamDay, ...]
    unassigned: Mapping[str, str]  # visit id → why no team serves it
    distance_m: int


def plan_day(
    uow: UnitOfWork,
    day: date,
    now: datetime,
    seconds: float = 2.0,
    *,
    window_hours: int = DEFAULT_WINDOW_HOURS,
    service_minutes: int = DEFAULT_SERVICE_MINUTES,
    actor: str = "planner",
) -> DayPlan:
    """Route the approved (or re-plan the scheduled, not yet notified) visits of `day` over the
    teams whose agents are all certified that day; each visit gets a team, an order and a
    window of `window_hours` inside the team's hours (module docstring, 4)."""
    from fairdebt.visits import routing

    if not 1 <= window_hours <= 12 or not 5 <= service_minutes <= 480:
        raise _refuse("a window is 1 to 12 hours, a stop 5 to 480 minutes")
    with uow:
        visits = uow.visits.listing(("approved", "scheduled"), day)
        teams, unfit = _teams_of_day(uow, day)
    unassigned: dict[str, str] = {}
    stops: list[routing.Stop] = []
    service = service_minutes * 60
    span = (min((parse_clock(t.hours_start) for t in teams), default=0), 86_400)
    for visit in visits:
        if visit.lat is None or visit.lon is None:
            unassigned[visit.id] = "no coordinates for the approved address"
            continue
        place = routing.Place(visit.lat, visit.lon)
        stops.append(routing.Stop(visit.id, place, span, service))
    shifts = {t.id: (parse_clock(t.hours_start), parse_clock(t.hours_end)) for t in teams}
    fleet = [
        routing.Team(t.id, routing.Place(t.base_lat, t.base_lon), t.capacity, shifts[t.id])
        for t in teams
    ]
    plan = routing.plan_routes(stops, fleet, seconds=seconds)
    by_id = {v.id: v for v in visits}
    why = "no team is free" + (f" ({'; '.join(unfit)})" if unfit else "")
    by_stop = {stop.key: stop for stop in stops}
    for key in plan.unassigned:
        unassigned[key] = why if _reachable(by_stop.get(key), fleet) else OUT_OF_REACH
    team_days = _write_plan(uow, plan, by_id, teams, shifts, (day, now, window_hours * 3600, actor))
    _write_unassigned(uow, [by_id[k] for k in unassigned if k in by_id], unassigned, now, actor)
    return DayPlan(day, team_days, unassigned, plan.distance_m)


def _teams_of_day(uow: UnitOfWork, day: date) -> tuple[list[Team], list[str]]:
    fit, unfit = [], []
    for team in uow.teams.all():
        agents = [uow.field_agents.get(m) for m in team.members]
        if all(a is not None and a.valid_on(day) for a in agents):
            fit.append(team)
        else:
            unfit.append(f"team {team.name}: a certificate has expired")
    return fit, unfit


def _write_plan(
    uow: UnitOfWork,
    plan: Any,
    by_id: Mapping[str, Visit],
    teams: Sequence[Team],
    shifts: Mapping[str, tuple[int, int]],
    how: tuple[date, datetime, int, str],
) -> tuple[TeamDay, ...]:
    day, now, window, actor = how
    names = {t.id: t.name for t in teams}
    out = []
    with uow:
        for route in plan.routes:
            stops = []
            lo, hi = shifts[route.team]
            for n, stop in enumerate(route.visits, start=1):
                start = max(lo, min(stop.start // 3600 * 3600, hi - window))
                visit = by_id[stop.stop]
                moved = _move(
                    uow, visit, "scheduled", now,
                    visit_date=day, team_id=route.team, stop_order=n,
                    window_start=_clock(start), window_end=_clock(min(start + window, hi)),
                )  # fmt: skip
                data = {
                    "visit_date": day.isoformat(),
                    "team_id": route.team,
                    "team": names[route.team],
                    "window": f"{moved.window_start}-{moved.window_end}",
                    "order": n,
                }
                _event(uow, moved, "visit_scheduled", actor, data, now)
                stops.append(moved)
            out.append(TeamDay(route.team, names[route.team], tuple(stops)))
        uow.commit()
    return tuple(out)


def _write_unassigned(
    uow: UnitOfWork, visits: Sequence[Visit], why: Mapping[str, str], now: datetime, actor: str
) -> None:
    with uow:
        for visit in visits:
            if visit.status == "scheduled":  # it had a place in an earlier plan: no longer
                clear = {"team_id": None, "stop_order": None, "window_start": None}
                visit = _move(uow, visit, "approved", now, window_end=None, **clear)
            _event(uow, visit, "visit_unassigned", actor, {"reason": why[visit.id]}, now)
        uow.commit()


# --- prior notice ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Notice:
    visit_id: str
    channel: str  # sms | letter
    code: str  # the verify code, as shown (only the borrower's message carries it)
    verify_url: str
    text: str
    outbox_id: int


@dataclass(frozen=True, slots=True)
class NoticeSender:
    """Who the notice says it is from: the official phone and the verify page (Settings)."""

    phone: str = "400-000-0000"
    portal_url: str = "http://127.0.0.1:8000/verify"


def window_of(visit: Visit, zone: str) -> tuple[datetime, datetime]:
    """The visit's window as aware instants in the borrower's zone."""
    if visit.visit_date is None or visit.window_start is None or visit.window_end is None:
        raise _refuse(f"visit {visit.id} has no day and window yet", "plan the day first")
    tz = ZoneInfo(zone)
    start = datetime.combine(visit.visit_date, time.fromisoformat(visit.window_start), tz)
    end = datetime.combine(visit.visit_date, time.fromisoformat(visit.window_end), tz)
    return start, end


def send_notice(
    uow: UnitOfWork,
    visit_id: str,
    now: datetime,
    *,
    packs: Packs,
    default_pack: str = "cn",
    sender: NoticeSender | None = None,
    hours_before: int = DEFAULT_NOTICE_HOURS,
    actor: str = "visits",
) -> Notice:
    """Queue the prior notice of a scheduled visit (module docstring, 5); refused when it is
    later than `hours_before` (or the pack's FD-VISIT.notice hours, if more) before the window,
    or when the gate does not allow the message."""
    from fairdebt.services.outbox import enqueue, new_key
    from fairdebt.services.ports.outbox import NewMessage
    from fairdebt.services.verify import issue

    who = sender or NoticeSender()
    with uow:
        visit = get_visit(uow, visit_id)
        task = _task_of(uow, visit)
        pack = PACK_BY_CURRENCY.get(task.currency, default_pack)
        hours = max(hours_before, policy(packs, pack).notice_hours)
        start, end = window_of(visit, task.timezone)
        if visit.status != "scheduled":
            raise _refuse(f"visit {visit.id} is {visit.status}", "only a scheduled visit")
        if now > start - timedelta(hours=hours):
            raise _refuse(
                f"too late for the notice of visit {visit.id}: it must reach the borrower "
                f"{hours} h before {start.isoformat(timespec='minutes')}",
                "plan the visit for a later day (FD-VISIT.notice)",
            )
        agents = visitors(uow, visit)
        phone = next((p for p in (task.phones or "").split(";") if p.strip()), "")
        channel, to = ("sms", phone) if phone else ("letter", visit.address)
        names = "、".join(f"{n}（{c}）" for n, c, _ in agents)
        code = issue(
            uow, visit.case_id, User("visit", "visit", names, Role.FIELD_AGENT), None, now,
            end + timedelta(days=7) - now, visit_id=visit.id, collector_name=names,
        )  # fmt: skip
        english = pack == "us-regf"
        text = _notice_text(english, task.lender, visit, agents, code, who)
        request = replace(_request(task, actor), channel=channel, to=to, purpose="remind")
        request = replace(request, content=text)
        asked = ask(uow, request, now, packs, pack)
        if asked.decision.decision is not Verdict.ALLOW:
            rules = "; ".join(f"{r.id}: {r.message}" for r in asked.decision.rules)
            raise _refuse(f"the gate did not allow the notice: {rules}")
        message = NewMessage(
            key=new_key(), case_id=visit.case_id, task_id=None, channel=channel,
            party="debtor", purpose="remind", collector=request.collector, actor=actor,
            pack=pack, to=to, subject="Notice of a visit" if english else "上门拜访通知",
            body=text, language="en" if english else "zh-CN",
            document="visit_notice" if channel == "letter" else "",  # letters.visit_notice
            decision_id=asked.decision_id, due_at=now, created_at=now,
        )  # fmt: skip
        outbox_id = enqueue(uow, message)
        moved = _move(uow, visit, "noticed", now, notice_at=now)
        data = {
            "channel": channel,
            "visit_date": visit.visit_date.isoformat() if visit.visit_date else None,
            "window": f"{visit.window_start}-{visit.window_end}",
            "agents": [{"name": n, "certificate_no": c} for n, c, _ in agents],
            "outbox_id": outbox_id,
            "decision_id": asked.decision_id,
        }
        _event(uow, moved, "visit_noticed", actor, data, now)
        uow.commit()
    url = f"{who.portal_url}?code={code}"
    return Notice(visit.id, channel, code, url, text, outbox_id)


def _task_of(uow: UnitOfWork, visit: Visit) -> ContactTask:
    task = uow.tasks.contact_task(visit.task_id) if visit.task_id is not None else None
    if task is None:
        raise _refuse(f"visit {visit.id} has no task with the borrower's contact details")
    return task


def visitors(uow: UnitOfWork, visit: Visit) -> list[tuple[str, str, str]]:
    """(display name, certificate number, issuer) of the visit's team, in the team's order."""
    team = uow.teams.get(visit.team_id) if visit.team_id else None
    if team is None:
        raise _refuse(f"visit {visit.id} has no team yet", "plan the day first")
    out = []
    for member in team.members:
        user, agent = uow.users.get(member), uow.field_agents.get(member)
        if user is None or agent is None:
            raise _refuse(f"team {team.name} has a member who is no longer an agent")
        out.append((user.display_name, agent.certificate_no, agent.issuer))
    return out


def _notice_text(
    english: bool,
    lender: str,
    visit: Visit,
    agents: Sequence[tuple[str, str, str]],
    code: str,
    who: NoticeSender,
) -> str:
    window = f"{visit.visit_date} {visit.window_start}-{visit.window_end}"
    if english:
        people = ", ".join(f"{n} (certificate {c})" for n, c, _ in agents)
        return (
            f"{lender}: notice of a visit. {people} will visit your registered address on "
            f"{window} to discuss the repayment of your overdue account. They will show their "
            "certificates and record the visit; they accept no money: pay only through the "
            f"official channels. Check them with code {code} at {who.portal_url} or call "
            f"{who.phone}."
        )
    people = "、".join(f"{n}（证书编号 {c}）" for n, c, _ in agents)
    return (
        f"【{lender}】上门拜访通知：我司工作人员{people}将于 {window} 到访您的登记地址，"
        "目的：与您沟通逾期账款的还款安排。到访人员将出示工作证件并全程录音录像，不收取任何款项，"
        f"请只通过官方渠道还款。核验码 {code}，可在 {who.portal_url} 核验，"
        f"或致电官方电话 {who.phone}。"
    )


# --- at the door ----------------------------------------------------------------------------


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres (haversine, mean Earth radius)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(h)))


def _member(uow: UnitOfWork, visit: Visit, agent: User) -> Team:
    team = uow.teams.get(visit.team_id) if visit.team_id else None
    if team is None or agent.id not in team.members or agent.role is not Role.FIELD_AGENT:
        raise _refuse(f"{agent.username} is not in the team of visit {visit.id}")
    return team


def check_in(
    uow: UnitOfWork,
    visit_id: str,
    agent: User,
    lat: float,
    lon: float,
    now: datetime,
    *,
    packs: Packs,
    default_pack: str = "cn",
    radius_m: float = DEFAULT_RADIUS_M,
) -> Visit:
    """The team is at the door (module docstring, 6). A refusal is logged as
    `visit_check_in_refused` (with the distance or the gate's rules) and raised."""
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise _refuse("the position is not a place on Earth")
    with uow:
        visit = get_visit(uow, visit_id)
        team = _member(uow, visit, agent)
        if visit.status != "noticed":
            raise _refuse(
                f"visit {visit.id} is {visit.status}",
                "only a visit whose borrower was notified (FD-VISIT.notice) can start",
            )
        task = _task_of(uow, visit)
        pack = PACK_BY_CURRENCY.get(task.currency, default_pack)
        here = distance_m((visit.lat or 0.0, visit.lon or 0.0), (lat, lon))
        start, end = window_of(visit, task.timezone)
        base = {"agent": agent.username, "distance_m": round(here), "radius_m": radius_m}
        problem = None
        if visit.lat is None or here > radius_m:
            problem = f"{round(here)} m from the approved address (at most {radius_m:g} m)"
        elif not start - CHECK_IN_GRACE <= now <= end + CHECK_IN_GRACE:
            problem = f"outside the notified window {visit.window_start}-{visit.window_end}"
        if problem is None:
            facts = _gate_visit(uow, team, visit, start.date())
            asked = ask(uow, _request(task, agent.username, facts), now, packs, pack)
            base["decision_id"] = asked.decision_id
            if asked.decision.decision is not Verdict.ALLOW:
                problem = "the gate: " + "; ".join(
                    f"{r.id}: {r.message}" for r in asked.decision.rules
                )
        if problem is not None:
            _event(
                uow, visit, "visit_check_in_refused", agent.username, base | {"why": problem}, now
            )
            uow.commit()
        else:
            moved = _move(
                uow, visit, "checked_in", now, checked_in_at=now, check_in_lat=lat,
                check_in_lon=lon, check_in_distance_m=here,
            )  # fmt: skip
            _event(uow, moved, "visit_checked_in", agent.username, base, now)
            uow.commit()
    if problem is not None:
        raise _refuse(f"check-in refused: {problem}", "the refusal is in the case's log")
    return moved


def _gate_visit(uow: UnitOfWork, team: Team, visit: Visit, day: date) -> GateVisit:
    agents = tuple(
        Agent(m, certified=bool((a := uow.field_agents.get(m)) and a.valid_on(day)))
        for m in team.members
    )
    return GateVisit(
        agents=agents,
        notice_sent_at=visit.notice_at,
        approved=visit.decided_by is not None,
        address_matches_approved=True,  # checked here against the radius
    )


def check_out(uow: UnitOfWork, visit_id: str, agent: User, now: datetime) -> Visit:
    """The team has left the door."""
    with uow:
        visit = get_visit(uow, visit_id)
        _member(uow, visit, agent)
        moved = _move(uow, visit, "checked_out", now, checked_out_at=now)
        minutes = round((now - (visit.checked_in_at or now)).total_seconds() / 60)
        _event(uow, moved, "visit_checked_out", agent.username, {"minutes": minutes}, now)
        uow.commit()
    return moved


@dataclass(frozen=True, slots=True)
class Report:
    """What the agents found (module docstring, 7). `promise`: (account id, amount, due day,
    official channel); `plan_proposal`: free text of a plan the borrower proposed."""

    outcome: str
    relationship: str | None = None
    sealed_letter_left: bool = False
    arrears_reason: str = ""
    ability: str = "unknown"
    willingness: str = "unknown"
    promise: tuple[str, str, date, str] | None = None
    plan_proposal: str = ""
    notes: str = ""


def record_outcome(
    uow: UnitOfWork, visit_id: str, agent: User, report: Report, now: datetime
) -> Visit:
    """The visit's report; a promise goes through services.promises. Notes that mention money
    at the door raise `visit_money_alert` for the supervisor and compliance."""
    from fairdebt.services.promises import add_promise
    from fairdebt.visits.money_words import money_mentions

    data = _report_data(report)
    with uow:
        visit = get_visit(uow, visit_id)
        _member(uow, visit, agent)
        moved = _move(uow, visit, "reported", now, outcome=report.outcome, outcome_data=data)
        _event(uow, moved, "visit_reported", agent.username, data, now)
        words = money_mentions("\n".join((report.notes, report.plan_proposal)))
        if words:
            alert = {"words": words, "agent": agent.username, "for": ["supervisor", "compliance"]}
            _event(uow, moved, "visit_money_alert", "money-screen", alert, now)
        if report.promise is not None:
            account, amount, due, channel = report.promise
            try:
                value = Decimal(amount)
            except InvalidOperation:
                raise _refuse(f"{amount[:20]!r} is not an amount") from None
            add_promise(uow, account, now.date(), due, value, channel, agent.username, now)
        uow.commit()
    return moved


def _report_data(report: Report) -> dict[str, Any]:
    if report.outcome not in OUTCOMES:
        raise _refuse(f"unknown outcome {report.outcome[:30]!r}", "one of " + ", ".join(OUTCOMES))
    if report.outcome == "relative_present" and not (report.relationship or "").strip():
        raise _refuse("say who the adult co-resident relative is (relationship)")
    if report.outcome == "nobody_home" and not report.sealed_letter_left:
        raise _refuse("nobody home: leave the sealed letter (非本人请勿拆阅) and say so")
    if report.ability not in ABILITY or report.willingness not in WILLINGNESS:
        raise _refuse("ability is " + "/".join(ABILITY) + "; willingness " + "/".join(WILLINGNESS))
    texts = (report.notes, report.arrears_reason, report.plan_proposal, report.relationship or "")
    if any(len(t) > MAX_NOTES or "\x00" in t for t in texts):
        raise _refuse(f"a note is too long or not text (at most {MAX_NOTES} characters)")
    return {
        "outcome": report.outcome,
        "relationship": (report.relationship or "").strip() or None,
        "sealed_letter_left": report.sealed_letter_left,
        "arrears_reason": report.arrears_reason.strip(),
        "ability": report.ability,
        "willingness": report.willingness,
        "promise": None
        if report.promise is None
        else {"account": report.promise[0], "amount": report.promise[1]}
        | {"due_on": report.promise[2].isoformat(), "channel": report.promise[3]},
        "plan_proposal": report.plan_proposal.strip(),
        "notes": report.notes.strip(),
    }


def listing(
    uow: UnitOfWork, statuses: tuple[str, ...] = (), day: date | None = None
) -> list[Visit]:
    """Visits by status and day (services.ports.visits.VisitRepository.listing)."""
    with uow:
        return uow.visits.listing(statuses, day)


@dataclass(frozen=True, slots=True)
class VisitingAgent:
    """One agent as /verify shows them to the borrower at the door."""

    name: str
    certificate_no: str
    issuer: str
    photo: bytes | None


@dataclass(frozen=True, slots=True)
class PublicVisit:
    """What a valid visit code tells the borrower: who comes, when, and whether they are
    checked in at the approved address now (the field app's check-in within the radius)."""

    agents: tuple[VisitingAgent, ...]
    window: tuple[datetime, datetime] | None
    checked_in_now: bool
    checked_in_distance_m: float | None


def public_view(
    uow: UnitOfWork, evidence: EvidenceStore | None, visit_id: str, zone: str
) -> PublicVisit | None:
    """The visit behind a /verify code, for the borrower (None when it no longer exists or has
    no team): names, certificate numbers and photos of the team, the notified window, and
    whether the agents are checked in nearby now. Nothing about the debt."""
    with uow:
        visit = uow.visits.get(visit_id)
        if visit is None or visit.team_id is None:
            return None
        team = uow.teams.get(visit.team_id)
        if team is None:
            return None
        agents = []
        for member in team.members:
            user, cert = uow.users.get(member), uow.field_agents.get(member)
            if user is None or cert is None:
                continue
            photo = None
            if cert.photo_ref and evidence is not None and evidence.check(cert.photo_ref) == "ok":
                photo = evidence.get(cert.photo_ref)
            agents.append(VisitingAgent(user.display_name, cert.certificate_no, cert.issuer, photo))
    window = None
    if visit.visit_date and visit.window_start and visit.window_end:
        window = window_of(visit, zone)
    here = visit.status == "checked_in"
    return PublicVisit(tuple(agents), window, here, visit.check_in_distance_m if here else None)
