"""Use case: execute a planned contact task — the gate first, the channel only if it allows.

`execute` builds a services.contact.ContactRequest from the task and the case's record (the
debtor, the borrower's first phone, e-mail or address by channel, the message rendered from the
pack's template for that channel), calls services.contact.ask — which logs the decision in the
case's event log BEFORE anything is sent — and then:

- allow: the message goes out through ContactGuard.send with that decision's id (the guard
  re-checks the logged decision and records the contact); the task is `done`;
- deny with `allowed_from` (a quiet hour, a frequency cap): the task is `deferred`, due on the
  borrower's local day of that instant, and nothing is sent;
- deny without it: `refused`, with the cited rule ids in the note;
- review: `review`, with the cited rule ids; a person decides.

A planned contact is never sent any other way: a plan is a wish, the gate decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine

from fairdebt.adapters.channels.base import Channel, ChannelError, OutboundMessage
from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.worklist_tables import tasks
from fairdebt.compliance.pack import Packs
from fairdebt.compliance.types import Decision, Verdict
from fairdebt.errors import FairdebtError
from fairdebt.services.contact import ContactGuard, ContactRequest, ask
from fairdebt.services.worklist import CONTACT_KINDS, WORKABLE

PACK_BY_CURRENCY = {"USD": "us-regf"}  # other currencies: the deployment's default pack
LANGUAGE_BY_PACK = {"us-regf": "en"}  # other packs: Chinese
RENDERED_KINDS = ("sms", "email", "letter")  # a call's script is spoken, not sent
IN_HOUSE = "in-house"  # the gate's `collector` (the contacting entity) when no agency has it


@dataclass(frozen=True, slots=True)
class Sender:
    """What the messages say about who sends them (the template's phone and portal)."""

    phone: str = "400-000-0000"
    portal_url: str = "http://127.0.0.1:8000/verify"


@dataclass(frozen=True, slots=True)
class Executed:
    task_id: int
    status: str  # done | deferred | refused | review
    decision: Decision | None  # None when the gate was not asked (no address on record)
    note: str
    due_on: date | None = None
    outcome: str | None = None  # the channel's, when sent


def execute(
    engine: Engine,
    task_id: int,
    actor: str,
    now: datetime,
    packs: Packs,
    channels: Mapping[str, Channel],
    *,
    default_pack: str = "cn",
    sender: Sender | None = None,
) -> Executed:
    """Ask the gate for one contact task and act on its answer (module docstring)."""
    with engine.connect() as conn:
        task = _task(conn, task_id)
    if task["kind"] not in channels:
        raise FairdebtError(f"no {task['kind']} channel here", hint=f"channels: {sorted(channels)}")
    pack = PACK_BY_CURRENCY.get(task["currency"] or "", default_pack)
    to = _address(task)
    if not to:
        return _finish(engine, task, now, "review", f"no {task['kind']} address on record")
    try:
        content, purpose = _message(task, pack, sender or Sender())
    except FairdebtError as exc:  # a template this case cannot fill: a person writes it
        return _finish(engine, task, now, "review", exc.cause)
    request = ContactRequest(
        task["case_id"], task["kind"], "debtor", purpose, to, _collector(task), actor, content
    )
    asked = ask(engine, request, now, packs, pack)
    return _act(engine, task, asked.decision, now, (to, content or "", channels, actor))


def _act(
    engine: Engine, task: dict[str, Any], decision: Decision, now: datetime, send: tuple[Any, ...]
) -> Executed:
    rules = ", ".join(r.id for r in decision.rules)
    if decision.decision is Verdict.REVIEW:
        return _finish(engine, task, now, "review", rules, decision)
    if decision.decision is Verdict.DENY:
        if decision.allowed_from is None:
            return _finish(engine, task, now, "refused", rules, decision)
        return _defer(engine, task, now, rules, decision, decision.allowed_from)
    to, body, channels, actor = send
    message = OutboundMessage(task["case_id"], task["kind"], to, body, decision.id)
    try:
        outcome = ContactGuard(engine, dict(channels)).send(message, now, actor)
    except ChannelError as exc:  # the decision stays logged; a person looks at why
        return _finish(engine, task, now, "review", exc.cause, decision)
    done = _finish(engine, task, now, "done", outcome, decision)
    return Executed(done.task_id, done.status, decision, done.note, done.due_on, outcome)


def _defer(
    engine: Engine,
    task: dict[str, Any],
    now: datetime,
    rules: str,
    decision: Decision,
    allowed_from: datetime,
) -> Executed:
    """Due again on the borrower's local day of `allowed_from`, and not asked before it."""
    day = allowed_from.astimezone(ZoneInfo(task["timezone"])).date()
    note = f"{rules}; allowed from {allowed_from.isoformat()}"
    done = _finish(engine, task, now, "deferred", note, decision, day)
    with engine.begin() as conn:
        conn.execute(
            update(tasks)
            .where(tasks.c.id == task["id"], tasks.c.status == "deferred")
            .values(not_before=allowed_from.astimezone(UTC).isoformat())
        )
    return done


def _finish(
    engine: Engine,
    task: dict[str, Any],
    now: datetime,
    status: str,
    note: str,
    decision: Decision | None = None,
    due_on: date | None = None,
) -> Executed:
    """Record the outcome on the task, if nobody else has finished it meanwhile."""
    values: dict[str, Any] = {"status": status, "note": note, "updated_at": now.isoformat()}
    if decision is not None:
        values["decision_id"] = decision.id
    if due_on is not None:
        values["due_on"] = due_on
    with engine.begin() as conn:
        conn.execute(
            update(tasks)
            .where(tasks.c.id == task["id"], tasks.c.status.in_(WORKABLE))
            .values(**values)
        )
    return Executed(task["id"], status, decision, note, due_on)


def _task(conn: Connection, task_id: int) -> dict[str, Any]:
    """The task with what a contact needs: the borrower's addresses, the case's placement and
    balance, one of its accounts (for the message), and the currency that picks the pack."""
    k, c, b = tasks.c, t.cases.c, t.borrowers.c
    joined = tasks.join(t.cases, c.id == k.case_id).join(t.borrowers, b.id == c.borrower_id)
    query = (
        select(
            k.id, k.case_id, k.kind, k.template, k.status, k.dpd, k.as_of, c.borrower_id,
            c.assignee_kind, c.assignee_id, c.overdue_cents, b.name, b.phones, b.email,
            b.address, b.timezone,
        )
        .select_from(joined)
        .where(k.id == task_id)
    )  # fmt: skip
    row = conn.execute(query).mappings().first()
    if row is None:
        raise FairdebtError(f"no task {task_id}", hint="list them with `fairdebt tasks list`")
    if row["kind"] not in CONTACT_KINDS:
        raise FairdebtError(
            f"task {task_id} is a {row['kind']}, not a contact",
            hint="only call, sms, email, letter and voicemail tasks go through the gate",
        )
    if row["status"] not in WORKABLE:
        raise FairdebtError(f"task {task_id} is {row['status']}", hint="only open or deferred run")
    return dict(row) | _first_account(conn, row["borrower_id"])


def _first_account(conn: Connection, borrower_id: str) -> dict[str, Any]:
    """The account a message names; USD sorts before CNY, so a mixed case gets the stricter
    pack (us-regf)."""
    a = t.accounts.c
    found = (
        conn.execute(
            select(a.id.label("account_id"), a.lender, a.currency)
            .where(a.borrower_id == borrower_id)
            .order_by(a.currency.desc(), a.id)
            .limit(1)
        )
        .mappings()
        .first()
    )
    return dict(found or {"account_id": "", "lender": "", "currency": ""})


def _address(task: dict[str, Any]) -> str:
    if task["kind"] == "email":
        return str(task["email"] or "")
    if task["kind"] == "letter":
        return str(task["address"] or "")
    return next((p for p in (task["phones"] or "").split(";") if p), "")


def _collector(task: dict[str, Any]) -> str:
    return str(task["assignee_id"]) if task["assignee_kind"] == "agency" else IN_HOUSE


def _message(task: dict[str, Any], pack: str, sender: Sender) -> tuple[str | None, str]:
    """The rendered text and its purpose: the pack's template named by the task, else the
    pack's template for the channel. Calls carry no text; their purpose is to collect."""
    from jinja2 import UndefinedError

    from fairdebt.messages.catalog import render_template, templates

    if task["kind"] not in RENDERED_KINDS:
        return None, "collect"
    named = {f"{pack}.{task['template']}", str(task["template"])}
    mine = [x for x in templates() if x.pack == pack and x.channel == task["kind"]]
    chosen = next((x for x in mine if x.id in named), None) or next(
        (x for x in mine if x.party == "debtor" and x.purpose in ("remind", "collect")), None
    )
    if chosen is None:
        return None, "collect"
    language = LANGUAGE_BY_PACK.get(pack, "zh-CN")
    try:
        return render_template(chosen, language, _context(task, sender)), chosen.purpose
    except UndefinedError as exc:
        raise FairdebtError(f"template {chosen.id}: {exc.message}", hint="") from None


def _context(task: dict[str, Any], sender: Sender) -> dict[str, Any]:
    """The values a reminder or notice states; amounts from integer cents through Decimal."""
    amount = Decimal(task["overdue_cents"] or 0).scaleb(-2)
    return {
        "creditor": task["lender"] or "",
        "borrower_name": task["name"],
        "account_tail": str(task["account_id"] or "")[-4:],
        "amount": f"{amount:,.2f}",
        "dpd": task["dpd"],
        "as_of": task["as_of"].isoformat(),
        "case_ref": task["case_id"],
        "phone": sender.phone,
        "portal_url": sender.portal_url,
        "unsubscribe_url": f"{sender.portal_url}/unsubscribe",
    }
