"""Use cases: record a promise to pay; the daily run that decides kept / partly kept / broken.

A promise is the debtor's acknowledgment of the debt (CN-LIM-SX14, "installment_promise"), so
recording one appends a `debtor_ack` event beside `promise_recorded`. `evaluate_promises` is the
daily job: it judges every promise of each account that still has an open one (all of an
account's promises together, so one payment never keeps two promises) and records an event for
every change of outcome (`promise_kept`, `promise_partly_kept`, `promise_broken`).

What the strategy reads (documented in docs/repayment.md): the `promises` table's `status` and
`decided_on` columns. `broken_promise_counts(conn, as_of, days)` gives, per account, the
promises broken (or only partly kept) in the `days` before `as_of`; `promise_activity` gives the
per-borrower `broken_promises` / `kept_promises` columns of the strategy's activity file.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import Connection

from fairdebt.adapters.db.repayment_tables import promises
from fairdebt.adapters.db.repositories import SqlEventLog
from fairdebt.adapters.db.tables import accounts, payments
from fairdebt.domain.errors import DomainError
from fairdebt.domain.events import NewEvent
from fairdebt.domain.loan import Payment
from fairdebt.domain.money import Money
from fairdebt.domain.payment_channel import OFFICIAL_CHANNELS
from fairdebt.domain.promise import Promise, PromiseOutcome, PromiseStatus
from fairdebt.domain.promise import evaluate_promises as judge
from fairdebt.legal.limitation import AckKind
from fairdebt.services.acknowledgment import acknowledgment
from fairdebt.services.payments import RepaymentError, case_of, load_account, payments_seen_many

DEFAULT_GRACE_DAYS = 3
NOT_KEPT = (PromiseStatus.BROKEN.value, PromiseStatus.PARTLY_KEPT.value)


def add_promise(
    conn: Connection,
    account_id: str,
    made_on: date,
    due_on: date,
    amount: Decimal,
    channel: str,
    actor: str,
    now: datetime,
    promise_id: str | None = None,
) -> Promise:
    """Record a promise to pay `amount` by `due_on` through an official `channel`."""
    account = load_account(conn, account_id)
    if channel not in OFFICIAL_CHANNELS:
        raise RepaymentError(
            f"{channel!r} is not an official payment channel",
            hint="one of " + ", ".join(OFFICIAL_CHANNELS),
        )
    try:
        promise = Promise(
            promise_id or f"PTP-{uuid.uuid4().hex[:16]}",
            account.id,
            made_on,
            due_on,
            Money(amount, account.currency),
            channel,
        )
    except DomainError as exc:
        raise RepaymentError(str(exc), hint="amount > 0, due date on or after today") from None
    case_id = case_of(conn, account.borrower_id)
    conn.execute(insert(promises).values(**_row(promise, case_id, actor)))
    ack = acknowledgment(
        AckKind.INSTALLMENT_PROMISE, made_on, actor, account=account.id, promise=promise.id
    )
    recorded = NewEvent("promise_recorded", actor, _recorded_data(promise))
    SqlEventLog(conn).append_many([(case_id, recorded), (case_id, ack)], now)
    return promise


def _recorded_data(promise: Promise) -> dict[str, Any]:
    return {
        "promise": promise.id,
        "account": promise.account_id,
        "made_on": promise.made_on.isoformat(),
        "due_on": promise.due_on.isoformat(),
        "amount_cents": promise.amount.cents,
        "channel": promise.channel,
    }


def _row(promise: Promise, case_id: str, actor: str) -> dict[str, Any]:
    return {
        "id": promise.id,
        "case_id": case_id,
        "account_id": promise.account_id,
        "made_on": promise.made_on,
        "due_on": promise.due_on,
        "amount_cents": promise.amount.cents,
        "currency": promise.amount.currency,
        "channel": promise.channel,
        "status": PromiseStatus.OPEN.value,
        "paid_cents": 0,
        "recorded_by": actor,
    }


def evaluate_promises(
    conn: Connection, as_of: date, grace_days: int, actor: str, now: datetime
) -> dict[str, int]:
    """The daily run: decide promises at `as_of`; return how many changed to each outcome."""
    p = promises.c
    rows = conn.execute(
        select(promises).where(p.account_id.in_(_to_judge(as_of)), p.made_on <= as_of)
    ).all()
    by_account: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        by_account[row.account_id].append(row)
    changed: Counter[str] = Counter()
    events: list[tuple[str, NewEvent]] = []
    updates: list[dict[str, Any]] = []
    seen = payments_seen_many(conn, sorted(by_account), as_of)
    for account_id, account_rows in sorted(by_account.items()):
        for outcome, row in _judge(account_rows, seen.get(account_id, []), as_of, grace_days):
            if outcome.status.value == row.status and outcome.paid.cents == row.paid_cents:
                continue
            updates.append(_update(outcome, row, as_of))
            if outcome.status.value != row.status:
                changed[outcome.status.value] += 1
                events.append((row.case_id, _decided_event(outcome, row, actor)))
    if updates:
        conn.execute(_UPDATE, updates)
    SqlEventLog(conn).append_many(events, now)
    return {s.value: changed[s.value] for s in PromiseStatus}


def _to_judge(as_of: date) -> Any:
    """Accounts with an open promise, or with a kept one whose money a reversal took back."""
    p, pay = promises.c, payments.c
    still_open = select(p.account_id).where(p.status == PromiseStatus.OPEN.value)
    taken_back = (
        select(p.account_id)
        .join(payments, pay.account_id == p.account_id)
        .where(
            p.status.in_((PromiseStatus.KEPT.value, PromiseStatus.PARTLY_KEPT.value)),
            pay.amount_cents < 0,
            pay.paid_on >= p.decided_on,
            pay.paid_on <= as_of,
        )
    )
    return still_open.union(taken_back)


def _judge(
    rows: list[Any], seen: Iterable[Payment], as_of: date, grace_days: int
) -> list[tuple[PromiseOutcome, Any]]:
    by_id = {r.id: r for r in rows}
    domain = [
        Promise(
            r.id,
            r.account_id,
            r.made_on,
            r.due_on,
            Money.from_cents(r.amount_cents, r.currency),
            r.channel,
        )
        for r in rows
    ]
    outcomes = judge(domain, seen, as_of, grace_days)
    return [(o, by_id[o.promise.id]) for o in outcomes]


_UPDATE = (
    update(promises)
    .where(promises.c.id == bindparam("promise_id"))
    .values(
        status=bindparam("new_status"),
        paid_cents=bindparam("new_paid"),
        decided_on=bindparam("new_decided_on"),
    )
)


def _update(outcome: PromiseOutcome, row: Any, as_of: date) -> dict[str, Any]:
    """Parameters of _UPDATE: decided_on is the run that changed the outcome, None while open."""
    changed = outcome.status.value != row.status
    decided = (as_of if changed else row.decided_on) if outcome.is_decided else None
    return {
        "promise_id": row.id,
        "new_status": outcome.status.value,
        "new_paid": outcome.paid.cents,
        "new_decided_on": decided,
    }


def _decided_event(outcome: PromiseOutcome, row: Any, actor: str) -> NewEvent:
    return NewEvent(
        f"promise_{outcome.status.value}",
        actor,
        {
            "promise": row.id,
            "account": row.account_id,
            "due_on": row.due_on.isoformat(),
            "amount_cents": row.amount_cents,
            "paid_cents": outcome.paid.cents,
            "previous": row.status,
        },
    )


def broken_promise_counts(
    conn: Connection, as_of: date, days: int, statuses: tuple[str, ...] = NOT_KEPT
) -> dict[str, int]:
    """Per account: promises decided broken (or partly kept) in the `days` up to `as_of`."""
    p = promises.c
    since = as_of - timedelta(days=days)
    query = (
        select(p.account_id, func.count())
        .where(p.status.in_(statuses), p.decided_on > since, p.decided_on <= as_of)
        .group_by(p.account_id)
    )
    return {account_id: int(n) for account_id, n in conn.execute(query)}


def promise_activity(conn: Connection, as_of: date, days: int) -> list[dict[str, Any]]:
    """Per borrower, the strategy's activity columns `broken_promises` and `kept_promises`."""
    broken = broken_promise_counts(conn, as_of, days)
    kept = broken_promise_counts(conn, as_of, days, (PromiseStatus.KEPT.value,))
    owners = dict(
        conn.execute(
            select(accounts.c.id, accounts.c.borrower_id).where(
                accounts.c.id.in_(sorted(set(broken) | set(kept)))
            )
        ).all()
    )
    totals: dict[str, Counter[str]] = defaultdict(Counter)
    for account_id, borrower_id in owners.items():
        totals[borrower_id]["broken_promises"] += broken.get(account_id, 0)
        totals[borrower_id]["kept_promises"] += kept.get(account_id, 0)
    return [{"borrower_id": b, **c} for b, c in sorted(totals.items())]
