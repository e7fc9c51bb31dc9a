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
- review: `review`, with the cited rule ids; a person decides. Once a person approved the task
  at the desk, a review of only the rules they approved counts as allow
  (services.review_approval): the logged decision names who approved it.

A planned contact is never sent any other way: a plan is a wish, the gate decides.

Two workers never execute one task: `execute` first claims it (a conditional update whose row
count is checked; the claim lasts `CLAIM_LEASE` and a stale one may be taken over). A worker
that finds it claimed answers `busy` and does nothing. A task whose earlier execution was
interrupted after its contact was handed to the provider (an attempt still `sending`) is not
asked again: the attempt is reconciled first (services.contact.reconcile) — done if the provider
knew it, review if nobody can tell.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from fairdebt.adapters.channels.base import Channel, ChannelError, OutboundMessage
from fairdebt.compliance.pack import Packs
from fairdebt.compliance.types import Decision, Verdict
from fairdebt.domain.money import CENT
from fairdebt.errors import DatabaseError, FairdebtError
from fairdebt.services.contact import (
    DEFAULT_ORDER,
    ContactGuard,
    ContactRequest,
    ask,
    reconcile,
)
from fairdebt.services.outbox import OUTBOX_KINDS, enqueue, new_key
from fairdebt.services.payments import Order
from fairdebt.services.ports import UnitOfWork
from fairdebt.services.ports.outbox import NewMessage
from fairdebt.services.ports.worklist import WORKABLE, TaskOutcome
from fairdebt.services.worklist import CONTACT_KINDS

if TYPE_CHECKING:
    from fairdebt.messages.catalog import Template

PACK_BY_CURRENCY = {"USD": "us-regf"}  # other currencies: the deployment's default pack
LANGUAGE_BY_PACK = {"us-regf": "en"}  # other packs: Chinese
RENDERED_KINDS = ("sms", "email", "letter")  # a call's script is spoken, not sent
IN_HOUSE = "in-house"  # the gate's `collector` (the contacting entity) when no agency has it
ZERO = Decimal(0)
CLAIM_LEASE = timedelta(minutes=5)  # a claim older than this was abandoned: it may be taken over
AMOUNT_FIELDS = frozenset({"principal", "interest", "fees"})
# us.validation_notice's itemization (fairdebt.letters.itemization, Reg F 12 CFR 1006.34(c)(2))
ITEMIZED_FIELDS = frozenset(
    {
        "original_creditor",
        "account_no",
        "itemization_date",
        "itemized_amount",
        "paid",
        "dispute_deadline",
    }
)
ACCOUNT_FIELDS = AMOUNT_FIELDS | ITEMIZED_FIELDS | {"id_tail", "loan_date", "contract_no"}
# Why a template's placeholder has no value: the review note says it, so a person can fix it.
MISSING = {
    "id_tail": "no ID number on record (borrowers.national_id)",
    "loan_date": "no account on record",
    "contract_no": "no account on record",
    "agency": "the case is not placed with an agency",
    "agency_address": "no mailing address for the agency (FAIRDEBT_AGENCY_ADDRESSES)",
    # us.validation_notice's itemization is derived from the account (ITEMIZED_FIELDS)
    **dict.fromkeys(ITEMIZED_FIELDS, "no account on record"),
}


@dataclass(frozen=True, slots=True)
class Sender:
    """What the messages say about who sends them (the templates' phone and portal). The
    defaults are for tests; the CLI and the console build it from Settings (`contact_phone`,
    `portal_url`) with `Sender.of`."""

    phone: str = "400-000-0000"
    portal_url: str = "http://127.0.0.1:8000/verify"
    # Letters (fairdebt.letters): the deployment's own postal address (a sealed cover's neutral
    # return address; where an in-house notice asks to be written to), the law firm a lawyer's
    # letter comes from, and each agency's mailing address (agency id -> address).
    mailing_address: str = "北京市朝阳区建国路 88 号 100022"
    law_firm: str = "示例律师事务所"
    law_firm_address: str = "北京市东城区示例大街 1 号 100010"
    agency_addresses: tuple[tuple[str, str], ...] = ()
    # The e-mail unsubscribe link: the deployment's outside origin and the key that signs the
    # link's token (the web app checks it: POST /api/v1/inbound/email/unsubscribe).
    public_base: str = "http://127.0.0.1:8000"
    signing_key: str = field(default="changethis", repr=False)

    @classmethod
    def of(cls, settings: Any) -> Sender:
        """From the deployment's Settings (typed Any: services do not import settings)."""
        return cls(
            phone=settings.contact_phone,
            portal_url=settings.portal_url,
            mailing_address=settings.mailing_address,
            law_firm=settings.law_firm,
            law_firm_address=settings.law_firm_address,
            agency_addresses=tuple(settings.agency_address_map.items()),
            public_base=settings.public_base,
            signing_key=settings.secret_key.get_secret_value(),
        )

    def unsubscribe_url(self, case_id: str, address: str) -> str:
        """The signed one-click unsubscribe link of this case's e-mail to `address`."""
        from fairdebt.adapters.channels.unsubscribe import link

        return link(self.public_base, self.signing_key, case_id, address)

    def agency_address(self, agency: str) -> str | None:
        """The mailing address of the agency, if the deployment configured one."""
        return dict(self.agency_addresses).get(agency)


@dataclass(frozen=True, slots=True)
class Executed:
    task_id: int
    status: str  # queued | done | deferred | refused | review | busy (another worker has it)
    decision: Decision | None  # None when the gate was not asked (no address on record)
    note: str
    due_on: date | None = None
    outcome: str | None = None  # the channel's, when sent


def execute(
    uow: UnitOfWork,
    task_id: int,
    actor: str,
    now: datetime,
    packs: Packs,
    channels: Mapping[str, Channel],
    *,
    default_pack: str = "cn",
    sender: Sender | None = None,
    order: Order = DEFAULT_ORDER,
    worker: str | None = None,
) -> Executed:
    """Claim one contact task, ask the gate for it and act on its answer (module docstring)."""
    with uow:
        task = _task(uow, task_id)
        if task["kind"] not in channels:
            raise FairdebtError(
                f"no {task['kind']} channel here", hint=f"channels: {sorted(channels)}"
            )
        me = worker or f"{actor}#{uuid.uuid4().hex[:12]}"
        if not uow.tasks.claim(task_id, me, now, now + CLAIM_LEASE):
            return Executed(task_id, "busy", None, "another worker is executing this task")
        uow.commit()
    task["worker"] = me
    try:
        return _claimed(uow, task, actor, now, packs, channels, (default_pack, sender, order))
    finally:
        _release(uow, task_id, me)


def _release(uow: UnitOfWork, task_id: int, worker: str) -> None:
    """Free the task at once (a no-op once it is finished). If the database refuses now, the
    claim simply runs out after CLAIM_LEASE; the error that brought us here is the one to see."""
    with contextlib.suppress(DatabaseError), uow:
        uow.tasks.release(task_id, worker)
        uow.commit()


def _claimed(
    uow: UnitOfWork,
    task: dict[str, Any],
    actor: str,
    now: datetime,
    packs: Packs,
    channels: Mapping[str, Channel],
    options: tuple[str, Sender | None, Order],
) -> Executed:
    default_pack, sender, order = options
    interrupted = _interrupted(uow, task, channels, now)
    if interrupted is not None:
        return interrupted
    pack = PACK_BY_CURRENCY.get(task["currency"] or "", default_pack)
    to = _address(task)
    if not to:
        return _finish(uow, task, now, "review", f"no {task['kind']} address on record")
    try:
        content, purpose = _message(uow, task, pack, sender or Sender(), order)
    except FairdebtError as exc:  # a template this case cannot fill: a person writes it
        return _finish(uow, task, now, "review", exc.cause)
    request = ContactRequest(
        task["case_id"], task["kind"], "debtor", purpose, to, _collector(task), actor, content,
        task_id=task["id"],
    )  # fmt: skip
    if task["kind"] in OUTBOX_KINDS:
        return _queue(uow, task, request, now, (packs, pack, order))
    asked = ask(uow, request, now, packs, pack, order=order)
    return _act(uow, task, asked.decision, now, (to, content or "", channels, actor))


def _queue(
    uow: UnitOfWork,
    task: dict[str, Any],
    request: ContactRequest,
    now: datetime,
    gate: tuple[Packs, str, Order],
) -> Executed:
    """Ask the gate and, if it allows, queue the message in the same transaction as the logged
    decision (services.outbox): the worker delivers it. A denial or review is as in `_act`."""
    packs, pack, order = gate
    note = ""
    with uow:
        decision = ask(uow, request, now, packs, pack, order=order).decision
        if decision.decision is Verdict.ALLOW:
            queued = enqueue(uow, _queued(uow, task, request, now, pack, decision.id))
            note = f"queued for delivery (outbox {queued})"
            outcome = TaskOutcome("queued", note, now, decision.id)
            uow.tasks.finish(task["id"], task.get("worker"), outcome)
        uow.commit()
    if decision.decision is not Verdict.ALLOW:
        return _act(uow, task, decision, now, ())
    return Executed(task["id"], "queued", decision, note)


def _queued(
    uow: UnitOfWork,
    task: dict[str, Any],
    request: ContactRequest,
    now: datetime,
    pack: str,
    decision_id: str,
) -> NewMessage:
    language = LANGUAGE_BY_PACK.get(pack, "zh-CN")
    return NewMessage(
        key=new_key(),
        case_id=task["case_id"],
        task_id=task["id"],
        channel=task["kind"],
        party=request.party,
        purpose=request.purpose,
        collector=request.collector,
        actor=request.actor,
        pack=pack,
        to=request.to,
        subject=_subject(task, language),
        body=request.content or "",
        language=language,
        document=_document(uow, task, pack),
        decision_id=decision_id,
        due_at=now,
        created_at=now,
    )


def _subject(task: dict[str, Any], language: str) -> str:
    """An e-mail's subject: who writes and about what, naming no amount."""
    lender = task["lender"] or ""
    if language == "en":
        return f"About your account with {lender}".strip()
    return f"{lender}账户还款提醒".strip()


def _document(uow: UnitOfWork, task: dict[str, Any], pack: str) -> str:
    """A letter's kind: its template's id without the pack prefix (collection_notice, ...)."""
    if task["kind"] != "letter":
        return ""
    chosen = _template_for(uow, task, pack)
    return chosen.id.split(".", 1)[-1] if chosen is not None else ""


def _interrupted(
    uow: UnitOfWork, task: dict[str, Any], channels: Mapping[str, Channel], now: datetime
) -> Executed | None:
    """An earlier execution of the task handed a contact to the provider and never recorded
    its outcome: find out before anything else (never a second contact)."""
    with uow:
        earlier = [a for a in uow.attempts.of_task(task["id"]) if a.status == "sending"]
    if not earlier:
        return None
    found = reconcile(uow, channels, now, task_id=task["id"])
    if found.unconfirmed:
        note = "an earlier contact attempt was never confirmed by the provider; check it"
        return _finish(uow, task, now, "review", note)
    return _finish(uow, task, now, "done", "an earlier attempt was delivered (reconciled)")


def _act(
    uow: UnitOfWork, task: dict[str, Any], decision: Decision, now: datetime, send: tuple[Any, ...]
) -> Executed:
    rules = ", ".join(r.id for r in decision.rules)
    if decision.decision is Verdict.REVIEW:
        return _finish(uow, task, now, "review", rules, decision)
    if decision.decision is Verdict.DENY:
        if decision.allowed_from is None:
            return _finish(uow, task, now, "refused", rules, decision)
        return _defer(uow, task, now, rules, decision, decision.allowed_from)
    to, body, channels, actor = send
    message = OutboundMessage(task["case_id"], task["kind"], to, body, decision.id)
    try:
        outcome = ContactGuard(uow, channels).send(message, now, actor, task_id=task["id"])
    except ChannelError as exc:  # the decision stays logged; a person looks at why
        return _finish(uow, task, now, "review", exc.cause, decision)
    done = _finish(uow, task, now, "done", outcome, decision)
    return Executed(done.task_id, done.status, decision, done.note, done.due_on, outcome)


def _defer(
    uow: UnitOfWork,
    task: dict[str, Any],
    now: datetime,
    rules: str,
    decision: Decision,
    allowed_from: datetime,
) -> Executed:
    """Due again on the borrower's local day of `allowed_from`, and not asked before it."""
    day = allowed_from.astimezone(ZoneInfo(task["timezone"])).date()
    note = f"{rules}; allowed from {allowed_from.isoformat()}"
    return _finish(uow, task, now, "deferred", note, decision, day, allowed_from)


def _finish(
    uow: UnitOfWork,
    task: dict[str, Any],
    now: datetime,
    status: str,
    note: str,
    decision: Decision | None = None,
    due_on: date | None = None,
    not_before: datetime | None = None,
) -> Executed:
    """Record the outcome on the task, if it is still this worker's (and workable)."""
    outcome = TaskOutcome(status, note, now, decision.id if decision else None, due_on, not_before)
    with uow:
        uow.tasks.finish(task["id"], task.get("worker"), outcome)
        uow.commit()
    return Executed(task["id"], status, decision, note, due_on)


def _task(uow: UnitOfWork, task_id: int) -> dict[str, Any]:
    """The task with what a contact needs (ports.worklist.ContactTask), checked runnable."""
    found = uow.tasks.contact_task(task_id)
    if found is None:
        raise FairdebtError(f"no task {task_id}", hint="list them with `fairdebt tasks list`")
    if found.kind not in CONTACT_KINDS:
        raise FairdebtError(
            f"task {task_id} is a {found.kind}, not a contact",
            hint="only call, sms, email, letter and voicemail tasks go through the gate",
        )
    if found.status not in WORKABLE:
        raise FairdebtError(f"task {task_id} is {found.status}", hint="only open or deferred run")
    return asdict(found)


def _address(task: dict[str, Any]) -> str:
    if task["kind"] == "email":
        return str(task["email"] or "")
    if task["kind"] == "letter":
        return str(task["address"] or "")
    return next((p for p in (task["phones"] or "").split(";") if p), "")


def _collector(task: dict[str, Any]) -> str:
    return str(task["assignee_id"]) if task["assignee_kind"] == "agency" else IN_HOUSE


def _message(
    uow: UnitOfWork, task: dict[str, Any], pack: str, sender: Sender, order: Order
) -> tuple[str | None, str]:
    """The rendered text and its purpose: the pack's template named by the task, else the
    pack's template for the channel — its active version (services.templates). Calls carry no
    text; their purpose is to collect."""
    from jinja2 import UndefinedError

    from fairdebt.messages.catalog import render_template

    chosen = _template_for(uow, task, pack) if task["kind"] in RENDERED_KINDS else None
    if chosen is None:
        return None, "collect"
    language = LANGUAGE_BY_PACK.get(pack, "zh-CN")
    wanted = _placeholders(chosen.text.get(language, ""))
    context = _context(task, sender)
    if wanted & ACCOUNT_FIELDS:  # a letter's account details: read only when a template names them
        with uow:
            context |= _account_details(uow, task, wanted, order)
    missing = sorted(wanted - context.keys())
    if missing:
        why = "; ".join(MISSING.get(name, "nothing on record") + f" ({name})" for name in missing)
        raise FairdebtError(
            f"template {chosen.id} v{chosen.version}: {why}", hint="a person writes this one"
        )
    try:
        return render_template(chosen, language, context), chosen.purpose
    except UndefinedError as exc:
        raise FairdebtError(f"template {chosen.id} v{chosen.version}: {exc.message}") from None


def _template_for(uow: UnitOfWork, task: dict[str, Any], pack: str) -> Template | None:
    """The pack's template the strategy named — ids carry a short pack prefix (`us.` for
    us-regf), strategies name them without it — else the pack's ordinary debtor template for
    the channel (never one written for time-barred debts: that is only ever chosen by name).
    Only active versions count: a draft is never sent."""
    from fairdebt.services.templates import active_templates, as_template

    name = str(task["template"] or "")
    mine = [as_template(v) for v in active_templates(uow, pack, task["kind"])]
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
        "unsubscribe_url": sender.unsubscribe_url(task["case_id"], str(task.get("email") or "")),
    }
    if task["assignee_kind"] == "agency":  # in-house, there is no agency to name
        context["agency"] = task["assignee_id"]
        if sender.agency_address(task["assignee_id"]):  # FAIRDEBT_AGENCY_ADDRESSES
            context["agency_address"] = sender.agency_address(task["assignee_id"])
    return context


def _account_details(
    uow: UnitOfWork, task: dict[str, Any], wanted: frozenset[str], order: Order
) -> dict[str, Any]:
    """The account the message names: the borrower's ID tail, its date and number, and — when
    the template states them — its amounts, of which `amount` is then the sum."""
    disbursed_on = uow.directory.disbursed_on(task["account_id"]) if task["account_id"] else None
    if disbursed_on is None:
        return {}
    national_id = (uow.directory.person(task["borrower_id"]).national_id or "").strip()
    details: dict[str, Any] = {
        "loan_date": disbursed_on.isoformat(),
        "contract_no": task["account_id"],
    }
    if national_id:
        details["id_tail"] = national_id[-4:]
    if wanted & AMOUNT_FIELDS:
        details |= _demandable_amounts(uow, task["account_id"], task["as_of"], order)
    if wanted & ITEMIZED_FIELDS:  # the validation notice: its itemization, deadline from as_of
        from fairdebt.letters import itemization

        details |= itemization(uow, task["account_id"], task["as_of"], order=order)
    return details


def _demandable_amounts(
    uow: UnitOfWork, account_id: str, as_of: date, order: Order
) -> dict[str, str]:
    """What may be demanded of the account on `as_of` (above-cap parts excluded: CN-RATE-29,
    docs/repayment.md), exact to the cent. The letter has three lines: overdue interest counts as
    interest, the penalty as a fee (CN-RATE-29 caps penalty and fees together)."""
    from fairdebt.services.charges import account_charges

    lawful = {
        line.component: line.lawful
        for line in account_charges(uow, account_id, as_of, order).breakdown.lines
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
