"""Use case: execute a planned contact task — the gate first, the channel only if it allows.

`execute` builds a services.contact.ContactRequest from the task and the case's record (the
debtor, the borrower's first phone, e-mail or address by channel, the message rendered from the
pack's template for that channel), calls services.contact.ask — which logs the decision in the
case's event log BEFORE anything is sent — and then:

The message's values come from the case's record (`_context`): the debtor's name, the overdue
amount and DPD for reminders; for a letter that states them, the account it names (the first:
USD before CNY, then by id) — its number, disbursement date, the borrower's ID number's last four
and what may be demanded of it, split into principal, interest and fees (services.charges, above-
cap parts excluded), whose sum is then the `amount`. A value the case lacks sends the task to
review with a note naming it; nothing is sent with a gap.

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
from functools import cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine

from fairdebt.adapters.channels.base import Channel, ChannelError, OutboundMessage
from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.worklist_tables import tasks
from fairdebt.compliance.pack import Packs
from fairdebt.compliance.types import Decision, Verdict
from fairdebt.domain.money import CENT
from fairdebt.errors import FairdebtError
from fairdebt.services.contact import DEFAULT_ORDER, ContactGuard, ContactRequest, ask
from fairdebt.services.payments import Order
from fairdebt.services.worklist import CONTACT_KINDS, WORKABLE
from fairdebt.services.worklist_queries import with_case_and_borrower

if TYPE_CHECKING:
    from fairdebt.messages.catalog import Template

PACK_BY_CURRENCY = {"USD": "us-regf"}  # other currencies: the deployment's default pack
LANGUAGE_BY_PACK = {"us-regf": "en"}  # other packs: Chinese
RENDERED_KINDS = ("sms", "email", "letter")  # a call's script is spoken, not sent
IN_HOUSE = "in-house"  # the gate's `collector` (the contacting entity) when no agency has it
ZERO = Decimal(0)
AMOUNT_FIELDS = frozenset({"principal", "interest", "fees"})
ACCOUNT_FIELDS = AMOUNT_FIELDS | {"id_tail", "loan_date", "contract_no"}
# Why a template's placeholder has no value: the review note says it, so a person can fix it.
MISSING = {
    "id_tail": "no ID number on record (borrowers.national_id)",
    "loan_date": "no account on record",
    "contract_no": "no account on record",
    "agency": "the case is not placed with an agency",
    # us.validation_notice (Reg F model notice): not derived yet (docs/worklist.md)
    "agency_address": "no agency address on record",
    "original_creditor": "not derived yet",
    "account_no": "not derived yet",
    "itemization_date": "no itemization date chosen (Reg F 1006.34(b)(3))",
    "itemized_amount": "no itemization date chosen (Reg F 1006.34(b)(3))",
    "paid": "no itemization date chosen (Reg F 1006.34(b)(3))",
    "dispute_deadline": "no validation period computed (Reg F 1006.34(b)(5))",
}


@dataclass(frozen=True, slots=True)
class Sender:
    """What the messages say about who sends them (the templates' phone and portal). The
    defaults are for tests; the CLI and the console build it from Settings (`contact_phone`,
    `portal_url`) with `Sender.of`."""

    phone: str = "400-000-0000"
    portal_url: str = "http://127.0.0.1:8000/verify"

    @classmethod
    def of(cls, settings: Any) -> Sender:
        """From the deployment's Settings (typed Any: services do not import settings)."""
        return cls(phone=settings.contact_phone, portal_url=settings.portal_url)


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
    order: Order = DEFAULT_ORDER,
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
        content, purpose = _message(engine, task, pack, sender or Sender(), order)
    except FairdebtError as exc:  # a template this case cannot fill: a person writes it
        return _finish(engine, task, now, "review", exc.cause)
    request = ContactRequest(
        task["case_id"], task["kind"], "debtor", purpose, to, _collector(task), actor, content
    )
    asked = ask(engine, request, now, packs, pack, order=order)
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
    query = (
        select(
            k.id, k.case_id, k.kind, k.template, k.status, k.dpd, k.as_of, c.borrower_id,
            c.assignee_kind, c.assignee_id, c.overdue_cents, b.name, b.phones, b.email,
            b.address, b.timezone,
        )
        .select_from(with_case_and_borrower())
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


def _message(
    engine: Engine, task: dict[str, Any], pack: str, sender: Sender, order: Order
) -> tuple[str | None, str]:
    """The rendered text and its purpose: the pack's template named by the task, else the
    pack's template for the channel. Calls carry no text; their purpose is to collect."""
    from jinja2 import UndefinedError

    from fairdebt.messages.catalog import render_template

    chosen = _template_for(task, pack) if task["kind"] in RENDERED_KINDS else None
    if chosen is None:
        return None, "collect"
    language = LANGUAGE_BY_PACK.get(pack, "zh-CN")
    wanted = _placeholders(chosen.text.get(language, ""))
    context = _context(task, sender)
    if wanted & ACCOUNT_FIELDS:  # a letter's account details: read only when a template names them
        with engine.connect() as conn:
            context |= _account_details(conn, task, wanted, order)
    missing = sorted(wanted - context.keys())
    if missing:
        why = "; ".join(MISSING.get(name, "nothing on record") + f" ({name})" for name in missing)
        raise FairdebtError(f"template {chosen.id}: {why}", hint="a person writes this one")
    try:
        return render_template(chosen, language, context), chosen.purpose
    except UndefinedError as exc:
        raise FairdebtError(f"template {chosen.id}: {exc.message}", hint="") from None


def _template_for(task: dict[str, Any], pack: str) -> Template | None:
    """The pack's template the strategy named — ids carry a short pack prefix (`us.` for
    us-regf), strategies name them without it — else the pack's ordinary debtor template for
    the channel (never one written for time-barred debts: that is only ever chosen by name)."""
    from fairdebt.messages.catalog import templates

    name = str(task["template"] or "")
    mine = [x for x in templates() if x.pack == pack and x.channel == task["kind"]]
    return next((x for x in mine if name in (x.id, x.id.split(".", 1)[-1])), None) or next(
        (
            x
            for x in mine
            if x.party == "debtor" and x.purpose in ("remind", "collect") and not x.time_barred
        ),
        None,
    )


@cache
def _placeholders(source: str) -> frozenset[str]:
    """The names a template's text fills in (Jinja2's own parse, not a regex)."""
    from jinja2 import Environment, meta

    return frozenset(meta.find_undeclared_variables(Environment().parse(source)))


def _context(task: dict[str, Any], sender: Sender) -> dict[str, Any]:
    """The values every reminder or notice may state; amounts from integer cents through Decimal.
    A value the case does not have is left out, so the template's need names it (MISSING)."""
    context = {
        "creditor": task["lender"] or "",
        "borrower_name": task["name"],
        "account_tail": str(task["account_id"] or "")[-4:],
        "amount": _money(Decimal(task["overdue_cents"] or 0).scaleb(-2)),
        "dpd": task["dpd"],
        "as_of": task["as_of"].isoformat(),
        "case_ref": task["case_id"],
        "phone": sender.phone,
        "portal_url": sender.portal_url,
        "unsubscribe_url": f"{sender.portal_url}/unsubscribe",
    }
    if task["assignee_kind"] == "agency":  # in-house, there is no agency to name
        context["agency"] = task["assignee_id"]
    return context


def _account_details(
    conn: Connection, task: dict[str, Any], wanted: frozenset[str], order: Order
) -> dict[str, Any]:
    """The account the message names: the borrower's ID tail, its date and number, and — when
    the template states them — its amounts, of which `amount` is then the sum."""
    if not task["account_id"]:
        return {}
    b, a = t.borrowers.c, t.accounts.c
    row = conn.execute(
        select(b.national_id, a.disbursed_on)
        .join(t.accounts, a.borrower_id == b.id)
        .where(a.id == task["account_id"])
    ).one()
    details: dict[str, Any] = {
        "loan_date": row.disbursed_on.isoformat(),
        "contract_no": task["account_id"],
    }
    if (row.national_id or "").strip():
        details["id_tail"] = row.national_id.strip()[-4:]
    if wanted & AMOUNT_FIELDS:
        details |= _demandable_amounts(conn, task["account_id"], task["as_of"], order)
    return details


def _demandable_amounts(
    conn: Connection, account_id: str, as_of: date, order: Order
) -> dict[str, str]:
    """What may be demanded of the account on `as_of` (above-cap parts excluded: RULES.md
    CN-RATE-29), exact to the cent. The letter has three lines: overdue interest counts as
    interest, the penalty as a fee (CN-RATE-29 caps penalty and fees together)."""
    from fairdebt.adapters.db.uow import SqlUnitOfWork
    from fairdebt.services.charges import account_charges

    lawful = {
        line.component: line.lawful
        for line in account_charges(
            SqlUnitOfWork(conn.engine), account_id, as_of, order
        ).breakdown.lines
    }
    principal = lawful.get("principal", ZERO)
    interest = lawful.get("interest", ZERO) + lawful.get("overdue_interest", ZERO)
    fees = lawful.get("fees", ZERO) + lawful.get("penalty", ZERO)
    return {
        "principal": _money(principal),
        "interest": _money(interest),
        "fees": _money(fees),
        "amount": _money(principal + interest + fees),  # the sum the letter states as the total
    }


def _money(value: Decimal) -> str:
    """Grouped, two decimals, exact: the amounts are whole cents already (never float)."""
    return f"{value.quantize(CENT):,.2f}"
