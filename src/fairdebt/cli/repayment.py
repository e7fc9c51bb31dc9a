"""`fairdebt plans|payments|promises|charges`: negotiated repayment on the command line.

    fairdebt plans propose A1 --kind instalment --count 6 --first-due 2026-05-20 --waive-fee 30%
    fairdebt plans approve PLAN --as supervisor1
    fairdebt plans list [--account A1] [--status pending_approval]
    fairdebt payments record A1 --amount 1060 --channel bank_transfer --ref TX123
    fairdebt payments reverse P123 --reason bounced
    fairdebt promises add A1 --amount 500 --due 2026-05-01 --channel payment_link
    fairdebt promises evaluate [--grace-days 3]
    fairdebt charges A1 [--json]

Dates default to today in FAIRDEBT_TIMEZONE. See docs/repayment.md.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import typer

from fairdebt.cli._common import parse_date

plans_app = typer.Typer(help="Repayment plans: propose, approve, list.", no_args_is_help=True)
payments_app = typer.Typer(help="Payments through official channels.", no_args_is_help=True)
promises_app = typer.Typer(help="Promises to pay.", no_args_is_help=True)

ACTOR = typer.Option("cli", "--actor", help="Who does this (recorded in the case log).")
AS_OF = typer.Option(None, "--as-of", help="Business date YYYY-MM-DD (default today).")
JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")


def register(app: typer.Typer) -> None:
    app.add_typer(plans_app, name="plans")
    app.add_typer(payments_app, name="payments")
    app.add_typer(promises_app, name="promises")
    app.command("charges")(charges)


class _Context:
    """Settings, a unit of work, the clock, today and the allocation order, once per command."""

    def __init__(self, as_of: str | None) -> None:
        from zoneinfo import ZoneInfo

        from fairdebt.cli._common import services

        wired = services()
        self.config = wired.settings
        self.now: datetime = wired.clock.now()
        today = self.now.astimezone(ZoneInfo(self.config.timezone)).date()
        self.as_of = parse_date(as_of, "--as-of") if as_of else today
        self.order = wired.allocation_order
        self.uow = wired.uow()


def parse_amount(text: str, name: str, whole: Decimal | None = None) -> Decimal:
    """`120.50`, or `30%` of `whole` rounded down to the cent (never more than asked)."""
    from decimal import ROUND_DOWN

    from fairdebt.errors import InputFileError

    share = text.strip().endswith("%")
    try:
        value = Decimal(text.strip().rstrip("%"))
    except InvalidOperation:
        raise InputFileError(
            f"{name}: not an amount: {text!r}", hint="e.g. 120.50 or 30%"
        ) from None
    if not value.is_finite() or value < 0:
        raise InputFileError(f"{name}: not an amount: {text!r}", hint="e.g. 120.50 or 30%")
    if share:
        if whole is None:
            raise InputFileError(f"{name}: a percentage is not allowed here", hint="give an amount")
        value = (whole * value / 100).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    return value


def _policy(path: Path | None) -> Any:
    from fairdebt.services.plan_policy import load_policy

    return load_policy(path)


@plans_app.command("propose")
def propose(
    account: str = typer.Argument(..., help="Account id."),
    kind: str = typer.Option("instalment", help="instalment | extension | settlement | waiver"),
    first_due: str = typer.Option(None, help="First due date (default: the business date)."),
    count: int = typer.Option(1, help="Number of instalments (instalment, settlement)."),
    every: int = typer.Option(1, help="Months between instalments."),
    shift_months: int = typer.Option(0, help="Extension: months every unpaid instalment moves."),
    waive_interest: str = typer.Option("0", help="Interest waived: amount or % of interest owed."),
    waive_fee: str = typer.Option("0", help="Fees waived: amount or % of fees owed."),
    discount: str = typer.Option("0", help="Settlement discount: amount or % of the total owed."),
    hardship: bool = typer.Option(False, "--hardship", help="A hardship plan (longer terms)."),
    policy: Path = typer.Option(None, help="Plan policy YAML (default: the packaged one)."),
    plan_id: str = typer.Option(None, "--id", help="Plan id (default: generated)."),
    as_of: str = AS_OF,
    actor: str = ACTOR,
    as_json: bool = JSON,
) -> None:
    """Propose a plan; the policy approves it at once or names who must."""
    from fairdebt.domain.repayment import PlanKind, PlanTerms
    from fairdebt.errors import InputFileError
    from fairdebt.services.repayment import owed_on, propose_plan

    if kind not in [k.value for k in PlanKind]:
        raise InputFileError(f"--kind: unknown plan kind {kind!r}", hint=", ".join(PlanKind))
    ctx = _Context(as_of)
    with ctx.uow as uow:
        owed = owed_on(uow, account, ctx.as_of, ctx.order)
        terms = PlanTerms(
            kind=PlanKind(kind),
            first_due=parse_date(first_due, "--first-due") if first_due else ctx.as_of,
            count=count,
            every_months=every,
            shift_months=shift_months,
            waive_interest=parse_amount(waive_interest, "--waive-interest", owed.interest.amount),
            waive_fee=parse_amount(waive_fee, "--waive-fee", owed.fee.amount),
            discount=parse_amount(discount, "--discount", owed.total.amount),
            hardship=hardship,
        )
        record = propose_plan(
            uow, account, terms, ctx.as_of, actor, _policy(policy), ctx.now, ctx.order, plan_id
        )
        uow.commit()
    _show_plan(record, as_json)


def _plan_summary(record: Any) -> dict[str, Any]:
    plan = record.plan
    return {
        "plan": record.id,
        "account": record.account_id,
        "status": record.status,
        "decision": record.decision.outcome.value,
        "approver_role": record.decision.approver_role,
        "reasons": list(record.decision.reasons),
        "owed": str(plan.owed.total.amount),
        "total": str(plan.total.amount),
        "forgiven": str(plan.forgiven.amount),
        "lines": [
            {"seq": i.seq, "due_on": i.due_on.isoformat(), "amount": str(i.total.amount)}
            for i in plan.lines
        ],
    }


def _show_plan(record: Any, as_json: bool) -> None:
    from rich.table import Table

    from fairdebt.cli._common import out, print_json

    if as_json:
        print_json(_plan_summary(record))
        return
    plan = record.plan
    table = Table(title=f"plan {record.id}: {record.status}")
    for name in ("seq", "due on", "principal", "interest", "fee", "total"):
        table.add_column(name, justify="left" if name == "due on" else "right")
    for i in plan.lines:
        amounts = (i.principal, i.interest, i.fee, i.total)
        table.add_row(str(i.seq), i.due_on.isoformat(), *(f"{m.amount:,.2f}" for m in amounts))
    out.print(table)
    out.print(f"owed {plan.owed.total}  ·  plan {plan.total}  ·  forgiven {plan.forgiven}")
    if record.decision.approver_role:
        out.print(f"needs approval by {record.decision.approver_role}: ", end="")
    if record.decision.reasons:
        out.print("; ".join(record.decision.reasons))


@plans_app.command("approve")
def approve(
    plan_id: str = typer.Argument(..., help="Plan id."),
    approver: str = typer.Option(
        ...,
        "--as",
        help="The approver's user name: their own role must be the one the policy names.",
    ),
    policy: Path = typer.Option(None, help="Plan policy YAML (default: the packaged one)."),
    as_of: str = AS_OF,
) -> None:
    """Approve a pending plan: it becomes the account's schedule."""
    from fairdebt.cli._common import out
    from fairdebt.services.payments import RepaymentError
    from fairdebt.services.repayment import approve_plan
    from fairdebt.services.users import get_user_by_name

    ctx = _Context(as_of)
    user = get_user_by_name(ctx.uow, approver)
    if user is None:
        raise RepaymentError(f"no user {approver!r}", hint="fairdebt users list")
    approve_plan(ctx.uow, plan_id, user, ctx.as_of, _policy(policy), ctx.now, ctx.order)
    out.print(f"plan {plan_id} approved by {user.username} and accepted on {ctx.as_of}")


@plans_app.command("reject")
def reject(
    plan_id: str = typer.Argument(..., help="Plan id."),
    reason: str = typer.Option(..., help="Why (recorded in the case log)."),
    actor: str = ACTOR,
) -> None:
    """Reject a pending plan."""
    from fairdebt.cli._common import out
    from fairdebt.services.repayment import reject_plan

    ctx = _Context(None)
    reject_plan(ctx.uow, plan_id, actor, reason, ctx.now)
    out.print(f"plan {plan_id} rejected")


@plans_app.command("list")
def list_(
    account: str = typer.Option(None, help="Only this account's plans."),
    status: str = typer.Option(None, help="pending_approval | accepted | rejected | refused …"),
    as_json: bool = JSON,
) -> None:
    """List plans, newest first (money as money; --json keeps the cents)."""
    from fairdebt.cli._common import money, print_rows
    from fairdebt.services.repayment import list_plans

    ctx = _Context(None)
    rows = list_plans(ctx.uow, account, status)
    shown = [row | {"total": money(row["total_cents"], row["currency"])} for row in rows]
    columns = ("id", "account_id", "kind", "status", "proposed_on", "total", "approver_role")
    if as_json:
        shown = rows
    print_rows(shown, columns, as_json, title=f"{len(rows)} plan(s)", right=("total",))


@payments_app.command("record")
def record(
    account: str = typer.Argument(..., help="Account id."),
    amount: str = typer.Option(..., help="Amount received, e.g. 1060.00."),
    channel: str = typer.Option(..., help="bank_transfer | payment_link | lender_app | …"),
    ref: str = typer.Option("", "--ref", help="The channel's transaction reference (required)."),
    paid_on: str = typer.Option(None, help="Date received (default: the business date)."),
    payment_id: str = typer.Option(None, "--id", help="Payment id (default: generated)."),
    as_of: str = AS_OF,
    actor: str = ACTOR,
    as_json: bool = JSON,
) -> None:
    """Record a payment received through an official channel, with its reference."""
    import uuid

    from fairdebt.cli._common import out, print_json
    from fairdebt.domain.money import Money
    from fairdebt.services.payments import load_account, record_payment

    ctx = _Context(as_of)
    with ctx.uow as uow:
        currency = load_account(uow, account).currency
        when = parse_date(paid_on, "--paid-on") if paid_on else ctx.as_of
        money = Money(parse_amount(amount, "--amount"), currency)
        payment = _official(
            payment_id or f"PAY-{uuid.uuid4().hex[:16]}", account, when, money, channel, ref
        )
        result = record_payment(uow, payment, actor, ctx.now, ctx.as_of, ctx.order)
        uow.commit()
    answer = {
        "payment": payment.id,
        "allocation": result.allocation,
        "outstanding_after": str(result.outstanding_after.amount),
        "acknowledgment": result.acknowledged,
    }
    if as_json:
        print_json(answer)
    else:
        out.print(f"payment {payment.id} recorded; still owed {result.outstanding_after}")


def _official(*fields: Any) -> Any:
    """domain.payment_channel.official_payment, its refusal as a readable error."""
    from fairdebt.domain.errors import DomainError
    from fairdebt.domain.payment_channel import official_payment
    from fairdebt.services.payments import OFFICIAL_HINT, RepaymentError

    try:
        return official_payment(*fields)
    except DomainError as exc:
        raise RepaymentError(str(exc), hint=OFFICIAL_HINT) from None


@payments_app.command("reverse")
def reverse(
    payment_id: str = typer.Argument(..., help="Payment id."),
    reason: str = typer.Option(..., help="Why (bounced, paid twice, …)."),
    reversed_on: str = typer.Option(None, help="Date of the reversal (default: business date)."),
    as_of: str = AS_OF,
    actor: str = ACTOR,
) -> None:
    """Reverse a payment: a new negative row, never an edit."""
    from fairdebt.cli._common import out
    from fairdebt.services.payments import reverse_payment

    ctx = _Context(as_of)
    on = parse_date(reversed_on, "--reversed-on") if reversed_on else ctx.as_of
    reversal = reverse_payment(
        ctx.uow, payment_id, on, reason, actor, ctx.now, ctx.as_of, ctx.order
    )
    out.print(f"payment {payment_id} reversed by {reversal}")


@promises_app.command("add")
def add(
    account: str = typer.Argument(..., help="Account id."),
    amount: str = typer.Option(..., help="Amount promised."),
    due: str = typer.Option(..., help="Date promised, YYYY-MM-DD."),
    channel: str = typer.Option(..., help="The official channel the debtor will pay through."),
    promise_id: str = typer.Option(None, "--id", help="Promise id (default: generated)."),
    as_of: str = AS_OF,
    actor: str = ACTOR,
) -> None:
    """Record a promise to pay (an acknowledgment of the debt)."""
    from fairdebt.cli._common import out
    from fairdebt.services.promises import add_promise

    ctx = _Context(as_of)
    promise = add_promise(
        ctx.uow,
        account,
        ctx.as_of,
        parse_date(due, "--due"),
        parse_amount(amount, "--amount"),
        channel,
        actor,
        ctx.now,
        promise_id,
    )
    out.print(f"promise {promise.id}: {promise.amount} by {promise.due_on} via {channel}")


@promises_app.command("evaluate")
def evaluate(
    grace_days: int = typer.Option(3, min=0, help="Days after the due date a payment counts."),
    as_of: str = AS_OF,
    actor: str = typer.Option("daily-run", "--actor", help="Recorded in the case log."),
) -> None:
    """The daily run: mark promises kept, partly kept or broken at the business date."""
    from fairdebt.cli._common import out
    from fairdebt.services.promises import evaluate_promises

    ctx = _Context(as_of)
    changed = evaluate_promises(ctx.uow, ctx.as_of, grace_days, actor, ctx.now)
    out.print(
        f"{ctx.as_of}: kept {changed['kept']}, partly kept {changed['partly_kept']}, "
        f"broken {changed['broken']}"
    )


def charges(
    account: str = typer.Argument(..., help="Account id."),
    ceiling: str = typer.Option(None, help="A licensed lender's rate ceiling (pack parameter)."),
    as_of: str = AS_OF,
    as_json: bool = JSON,
) -> None:
    """Principal, interest, penalty and fees: lawful or above the cap, and what may be demanded."""
    from rich.table import Table

    from fairdebt.cli._common import out, print_json
    from fairdebt.services.charges import account_charges

    ctx = _Context(as_of)
    cap = parse_amount(ceiling, "--ceiling") if ceiling else None
    answer = account_charges(ctx.uow, account, ctx.as_of, ctx.order, cap).to_json()
    if as_json:
        print_json(answer)
        return
    table = Table(title=f"charges of {account} at {answer['as_of']} ({answer['currency']})")
    for name in ("component", "amount", "lawful", "above cap", "standing"):
        table.add_column(name, justify="left" if name in ("component", "standing") else "right")
    for line in answer["components"]:
        table.add_row(
            line["component"], line["amount"], line["lawful"], line["above_cap"], line["standing"]
        )
    out.print(table)
    out.print(f"may be demanded: {answer['demandable']}  ·  excluded: {answer['excluded']}")
