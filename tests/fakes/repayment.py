"""Fakes of the ports for accounts, schedules, payments, plans and promises.

They answer as the SQL repositories do (services.ports.repayment), from plain dicts. A borrower's
case is looked up in the unit's fake case repository, as the SQL one reads the cases table; the
case summary the SQL one writes onto the case is kept in `account_status.summaries`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from fairdebt.domain.case import Case
from fairdebt.domain.loan import Account, Instalment, Payment
from fairdebt.domain.money import Money
from fairdebt.domain.promise import Promise, PromiseStatus
from fairdebt.services.ports.repayment import (
    AccountFacts,
    AccountStatus,
    CaseSummary,
    PromiseChange,
    StoredPayment,
    StoredPlan,
    StoredPromise,
)
from fakes.cases import FakeCaseRepository


class FakeAccountRepository:
    def __init__(self, cases: FakeCaseRepository) -> None:
        self.rows: dict[str, Account] = {}
        self.cases = cases

    def put(self, account: Account) -> None:
        """Test setup: store an account as an import would."""
        self.rows[account.id] = account

    def get(self, account_id: str) -> Account | None:
        return self.rows.get(account_id)

    def case_of_borrower(self, borrower_id: str) -> str | None:
        found = [c.id for c in self.cases.rows.values() if c.borrower_id == borrower_id]
        return found[0] if found else None

    def owners(self, account_ids: Sequence[str]) -> dict[str, str]:
        return {a: self.rows[a].borrower_id for a in account_ids if a in self.rows}

    def facts_of(self, borrower_ids: Sequence[str]) -> dict[str, list[AccountFacts]]:
        return {b: self.facts(b) for b in borrower_ids}

    def facts(self, borrower_id: str) -> list[AccountFacts]:
        mine = sorted((a for a in self.rows.values() if a.borrower_id == borrower_id), key=_id)
        return [
            AccountFacts(a.id, a.currency, a.product.value, tuple(i.due_on for i in a.schedule))
            for a in mine
        ]

    def due_dates(self, account_id: str) -> list[date]:
        return [i.due_on for i in self.rows[account_id].schedule] if account_id in self.rows else []

    def rewrite_schedule(
        self,
        account_id: str,
        trimmed: Sequence[Instalment],
        dropped: Sequence[int],
        added: Sequence[Instalment],
    ) -> None:
        account = self.rows[account_id]
        new = {i.seq: i for i in trimmed}
        kept = [new.get(i.seq, i) for i in account.schedule if i.seq not in set(dropped)]
        seqs = {i.seq for i in kept}
        if any(i.seq in seqs for i in added):
            raise ValueError(f"account {account_id}: an added instalment reuses a seq")
        self.rows[account_id] = replace(account, schedule=(*kept, *added))


def _id(account: Account) -> str:
    return account.id


class FakeAccountStatusRepository:
    def __init__(self, accounts: FakeAccountRepository) -> None:
        self.rows: dict[str, AccountStatus] = {}
        self.summaries: dict[str, CaseSummary] = {}  # by borrower: what SQL writes on the case
        self.accounts = accounts

    def put(self, status: AccountStatus) -> None:
        self.rows[status.account_id] = status

    def of_borrower(self, borrower_id: str) -> list[AccountStatus]:
        owners = self.accounts.owners(list(self.rows))
        return [s for a, s in self.rows.items() if owners.get(a) == borrower_id]

    def summarise_case(self, borrower_id: str, summary: CaseSummary) -> None:
        if self.accounts.case_of_borrower(borrower_id) is not None:
            self.summaries[borrower_id] = summary


class FakePaymentRepository:
    def __init__(self, accounts: FakeAccountRepository) -> None:
        self.rows: dict[str, StoredPayment] = {}
        self.reversals: dict[str, str] = {}  # payment id -> its reversal's id
        self.accounts = accounts

    def _insert(self, row: StoredPayment) -> None:
        if row.id in self.rows:
            raise ValueError(f"payment {row.id} exists")  # the primary key
        if row.account_id not in self.accounts.rows:
            raise ValueError(f"no account {row.account_id}")  # the foreign key
        self.rows[row.id] = row

    def get(self, payment_id: str) -> StoredPayment | None:
        return self.rows.get(payment_id)

    def seen(self, account_ids: Sequence[str], as_of: date) -> dict[str, list[Payment]]:
        wanted = set(account_ids)
        found: dict[str, list[Payment]] = {}
        for row in self.rows.values():
            if row.account_id not in wanted or row.amount_cents <= 0 or row.paid_on > as_of:
                continue
            reversal = self.rows.get(self.reversals.get(row.id, ""))
            if reversal is not None and reversal.paid_on <= as_of:
                continue
            currency = self.accounts.rows[row.account_id].currency
            amount = Money.from_cents(row.amount_cents, currency)
            payment = Payment(row.id, row.account_id, row.paid_on, amount, row.channel)
            found.setdefault(row.account_id, []).append(payment)
        return found

    def add(self, payment: Payment) -> None:
        self._insert(
            StoredPayment(
                payment.id,
                payment.account_id,
                payment.paid_on,
                payment.amount.cents,
                payment.channel,
                payment.channel_ref,
            )
        )

    def reversal_of(self, payment_id: str) -> str | None:
        return self.reversals.get(payment_id)

    def add_reversal(self, reversal: StoredPayment, of: str, reason: str, actor: str) -> None:
        if of in self.reversals:
            raise ValueError(f"payment {of} is reversed already")  # the unique key
        self._insert(reversal)
        self.reversals[of] = reversal.id


class FakePlanRepository:
    def __init__(self) -> None:
        self.rows: dict[str, StoredPlan] = {}
        self.plan_lines: dict[str, tuple[Instalment, ...]] = {}

    def add(self, plan: StoredPlan, lines: Sequence[Instalment]) -> None:
        if plan.id in self.rows:
            raise ValueError(f"plan {plan.id} exists")
        self.rows[plan.id] = plan
        self.plan_lines[plan.id] = tuple(lines)

    def get(self, plan_id: str) -> StoredPlan | None:
        return self.rows.get(plan_id)

    def lines(self, plan_id: str, currency: str) -> tuple[Instalment, ...]:
        return tuple(sorted(self.plan_lines.get(plan_id, ()), key=lambda i: i.seq))

    def mark(
        self,
        plan_id: str,
        *,
        status: str | None = None,
        decided_by: str | None = None,
        accepted_on: date | None = None,
    ) -> None:
        plan = self.rows[plan_id]
        self.rows[plan_id] = replace(
            plan,
            status=status if status is not None else plan.status,
            decided_by=decided_by if decided_by is not None else plan.decided_by,
            accepted_on=accepted_on if accepted_on is not None else plan.accepted_on,
        )

    def supersede(self, account_id: str, keep: str) -> None:
        for plan in list(self.rows.values()):
            if plan.account_id == account_id and plan.status == "accepted" and plan.id != keep:
                self.rows[plan.id] = replace(plan, status="superseded")

    def find(self, account_id: str | None = None, status: str | None = None) -> list[StoredPlan]:
        found = [
            p
            for p in self.rows.values()
            if (not account_id or p.account_id == account_id) and (not status or p.status == status)
        ]
        found.sort(key=lambda p: p.id)
        found.sort(key=lambda p: p.proposed_on, reverse=True)
        return found


class FakePromiseRepository:
    def __init__(self, payments: FakePaymentRepository) -> None:
        self.rows: dict[str, StoredPromise] = {}
        self.payments = payments

    def add(self, promise: Promise, case_id: str, actor: str) -> None:
        if promise.id in self.rows:
            raise ValueError(f"promise {promise.id} exists")
        self.rows[promise.id] = StoredPromise(
            promise.id,
            case_id,
            promise.account_id,
            promise.made_on,
            promise.due_on,
            promise.amount.cents,
            promise.amount.currency,
            promise.channel,
            PromiseStatus.OPEN.value,
            0,
            None,
        )

    def to_judge(self, as_of: date) -> list[StoredPromise]:
        accounts = {p.account_id for p in self.rows.values() if p.status == "open"}
        accounts |= {p.account_id for p in self.rows.values() if self._taken_back(p, as_of)}
        return [p for p in self.rows.values() if p.account_id in accounts and p.made_on <= as_of]

    def _taken_back(self, promise: StoredPromise, as_of: date) -> bool:
        if promise.status not in ("kept", "partly_kept") or promise.decided_on is None:
            return False
        return any(
            r.account_id == promise.account_id
            and r.amount_cents < 0
            and promise.decided_on <= r.paid_on <= as_of
            for r in self.payments.rows.values()
        )

    def record(self, changes: Sequence[PromiseChange]) -> None:
        for c in changes:
            self.rows[c.promise_id] = replace(
                self.rows[c.promise_id],
                status=c.status,
                paid_cents=c.paid_cents,
                decided_on=c.decided_on,
            )

    def decided_counts(self, statuses: Sequence[str], after: date, until: date) -> dict[str, int]:
        counts = Counter(
            p.account_id
            for p in self.rows.values()
            if p.status in statuses and p.decided_on is not None and after < p.decided_on <= until
        )
        return dict(counts)


class FakeRepaymentRepositories:
    cases: FakeCaseRepository  # FakeCaseRepositories' (its setup runs first)

    def setup(self) -> None:
        self.accounts = FakeAccountRepository(self.cases)
        self.account_status = FakeAccountStatusRepository(self.accounts)
        self.payments = FakePaymentRepository(self.accounts)
        self.plans = FakePlanRepository()
        self.promises = FakePromiseRepository(self.payments)


def open_account(uow: Any, account: Account, case_id: str, opened_on: date) -> None:
    """Test setup: an imported account with its borrower's open case, as an import leaves them."""
    with uow:
        uow.accounts.put(account)
        if uow.accounts.case_of_borrower(account.borrower_id) is None:
            uow.cases.add(Case(case_id, account.borrower_id, (account.id,), opened_on))
        uow.commit()
