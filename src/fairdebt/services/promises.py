"""Use cases: record a promise to pay; the daily run that decides kept / partly kept / broken.

A promise is the debtor's acknowledgment of the debt (《最高人民法院关于审理民事案件适用诉讼时效制度
若干问题的规定》第十四条, CN-LIM-SX14: kind "installment_promise"), so
recording one appends a `debtor_ack` event beside `promise_recorded`. `evaluate_promises` is the
daily job: it judges every promise of each account that still has an open one (all of an
account's promises together, so one payment never keeps two promises) and records an event for
every change of outcome (`promise_kept`, `promise_partly_kept`, `promise_broken`).

What the strategy reads (documented in docs/repayment.md): the `promises` table's `status` and
`decided_on` columns. `broken_promise_counts(uow, as_of, days)` gives, per account, the
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
from fairdebt.services.ports import UnitOfWork
from fairdebt.services.ports.repayment import PromiseChange, StoredPromise

DEFAULT_GRACE_DAYS = 3
NOT_KEPT = (PromiseStatus.BROKEN.value, PromiseStatus.PARTLY_KEPT.value)


def add_promise(
    uow: UnitOfWork,
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
    with uow:
        account = load_account(uow, account_id)
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
        case_id = case_of(uow, account.borrower_id)
        uow.promises.add(promise, case_id, actor)
        ack = acknowledgment(
            AckKind.INSTALLMENT_PROMISE, made_on, actor, account=account.id, promise=promise.id
        )
        recorded = NewEvent("promise_recorded", actor, _recorded_data(promise))
        uow.events.append_many([(case_id, recorded), (case_id, ack)], now)
        uow.commit()
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


def evaluate_promises(
    uow: UnitOfWork, as_of: date, grace_days: int, actor: str, now: datetime
) -> dict[str, int]:
    """The daily run: decide promises at `as_of`; return how many changed to each outcome.

    A fixed number of reads and writes whatever the number of accounts: the promises to judge
    in one query, their accounts' payments a batch at a time, the changes in one write."""
    with uow:
        by_account: dict[str, list[StoredPromise]] = defaultdict(list)
        for stored in uow.promises.to_judge(as_of):
            by_account[stored.account_id].append(stored)
        changed: Counter[str] = Counter()
        events: list[tuple[str, NewEvent]] = []
        changes: list[PromiseChange] = []
        seen = payments_seen_many(uow, sorted(by_account), as_of)
        for account_id, stored_ones in sorted(by_account.items()):
            for outcome, stored in _judge(stored_ones, seen.get(account_id, []), as_of, grace_days):
                if (
                    outcome.status.value == stored.status
                    and outcome.paid.cents == stored.paid_cents
                ):
                    continue
                changes.append(_change(outcome, stored, as_of))
                if outcome.status.value != stored.status:
                    changed[outcome.status.value] += 1
                    events.append((stored.case_id, _decided_event(outcome, stored, actor)))
        uow.promises.record(changes)
        uow.events.append_many(events, now)
        uow.commit()
    return {s.value: changed[s.value] for s in PromiseStatus}


def _judge(
    stored: list[StoredPromise], seen: Iterable[Payment], as_of: date, grace_days: int
) -> list[tuple[PromiseOutcome, StoredPromise]]:
    by_id = {s.id: s for s in stored}
    outcomes = judge([s.promise for s in stored], seen, as_of, grace_days)
    return [(o, by_id[o.promise.id]) for o in outcomes]


def _change(outcome: PromiseOutcome, stored: StoredPromise, as_of: date) -> PromiseChange:
    """decided_on is the run that changed the outcome, None while open."""
    changed = outcome.status.value != stored.status
    decided = (as_of if changed else stored.decided_on) if outcome.is_decided else None
    return PromiseChange(stored.id, outcome.status.value, outcome.paid.cents, decided)


def _decided_event(outcome: PromiseOutcome, stored: StoredPromise, actor: str) -> NewEvent:
    return NewEvent(
        f"promise_{outcome.status.value}",
        actor,
        {
            "promise": stored.id,
            "account": stored.account_id,
            "due_on": stored.due_on.isoformat(),
            "amount_cents": stored.amount_cents,
            "paid_cents": outcome.paid.cents,
            "previous": stored.status,
        },
    )


def broken_promise_counts(
    uow: UnitOfWork, as_of: date, days: int, statuses: tuple[str, ...] = NOT_KEPT
) -> dict[str, int]:
    """Per account: promises decided broken (or partly kept) in the `days` up to `as_of`."""
    with uow:
        return uow.promises.decided_counts(statuses, as_of - timedelta(days=days), as_of)


def promise_activity(uow: UnitOfWork, as_of: date, days: int) -> list[dict[str, Any]]:
    """Per borrower, the strategy's activity columns `broken_promises` and `kept_promises`."""
    with uow:
        broken = broken_promise_counts(uow, as_of, days)
        kept = broken_promise_counts(uow, as_of, days, (PromiseStatus.KEPT.value,))
        owners = uow.accounts.owners(sorted(set(broken) | set(kept)))
    totals: dict[str, Counter[str]] = defaultdict(Counter)
    for account_id, borrower_id in owners.items():
        totals[borrower_id]["broken_promises"] += broken.get(account_id, 0)
        totals[borrower_id]["kept_promises"] += kept.get(account_id, 0)
    return [{"borrower_id": b, **c} for b, c in sorted(totals.items())]
