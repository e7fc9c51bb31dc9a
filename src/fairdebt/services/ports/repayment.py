"""Ports for accounts and their schedules, payments, repayment plans and promises to pay.

The repositories speak in domain objects (Account, Instalment, Payment, Promise) or in the small
frozen records below, never in database rows. Every method that reads or writes for many
accounts at once takes them all in one call, so a daily run over a portfolio stays a handful of
queries whatever the number of accounts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from fairdebt.domain.loan import Account, Instalment, Payment
from fairdebt.domain.money import Money
from fairdebt.domain.promise import Promise


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """What the limitation needs of an account: its currency, product and due dates."""

    id: str
    currency: str
    product: str
    due_dates: tuple[date, ...]


@dataclass(frozen=True, slots=True)
class AccountStatus:
    """An account's delinquency snapshot on `as_of` (the `account_status` the strategy reads)."""

    account_id: str
    as_of: date
    dpd: int
    bucket: str
    overdue_cents: int
    outstanding_cents: int
    paid_cents: int


@dataclass(frozen=True, slots=True)
class CaseSummary:
    """A case's delinquency summary: the worst DPD of its accounts and their sums."""

    dpd: int
    bucket: str
    overdue_cents: int
    outstanding_cents: int
    as_of: date


@dataclass(frozen=True, slots=True)
class StoredPayment:
    """A stored payment row as it is: a reversal has a negative amount (Payment cannot)."""

    id: str
    account_id: str
    paid_on: date
    amount_cents: int
    channel: str
    channel_ref: str


@dataclass(frozen=True, slots=True)
class StoredPlan:
    """A stored repayment plan: its terms, the policy's decision and where it stands.

    The fields are the stored columns, in their order (list_plans shows them as they are)."""

    id: str
    case_id: str
    account_id: str
    kind: str
    status: str  # pending_approval -> accepted | rejected; refused; accepted -> superseded
    hardship: bool
    currency: str
    proposed_on: date
    first_due: date
    count: int
    every_months: int
    shift_months: int
    waive_interest_cents: int
    waive_fee_cents: int
    discount_cents: int
    owed_cents: int
    total_cents: int
    decision: str
    approver_role: str | None
    reasons: str
    policy_version: str
    proposed_by: str
    decided_by: str | None = None
    accepted_on: date | None = None


@dataclass(frozen=True, slots=True)
class StoredPromise:
    """A stored promise to pay and the last judgement of it."""

    id: str
    case_id: str
    account_id: str
    made_on: date
    due_on: date
    amount_cents: int
    currency: str
    channel: str
    status: str  # open | kept | partly_kept | broken
    paid_cents: int
    decided_on: date | None

    @property
    def promise(self) -> Promise:
        amount = Money.from_cents(self.amount_cents, self.currency)
        return Promise(self.id, self.account_id, self.made_on, self.due_on, amount, self.channel)


@dataclass(frozen=True, slots=True)
class PromiseChange:
    """A new judgement of a promise: decided_on is the run that decided it, None while open."""

    promise_id: str
    status: str
    paid_cents: int
    decided_on: date | None


class AccountRepository(Protocol):
    """Accounts with their schedules (the lender's, or an accepted plan's)."""

    def get(self, account_id: str) -> Account | None:
        """The account with its whole schedule, or None if there is no such account."""
        ...

    def case_of_borrower(self, borrower_id: str) -> str | None:
        """The id of the borrower's case (each borrower has at most one)."""
        ...

    def owners(self, account_ids: Sequence[str]) -> dict[str, str]:
        """The borrower of each of the accounts that exist (account id -> borrower id)."""
        ...

    def facts(self, borrower_id: str) -> list[AccountFacts]:
        """Every account of the borrower with its due dates, by account id: one read."""
        ...

    def facts_of(self, borrower_ids: Sequence[str]) -> dict[str, list[AccountFacts]]:
        """`facts` of each borrower, in one read (a borrower with no account maps to [])."""
        ...

    def due_dates(self, account_id: str) -> list[date]:
        """The due dates of the account's current schedule, in no particular order."""
        ...

    def rewrite_schedule(
        self,
        account_id: str,
        trimmed: Sequence[Instalment],
        dropped: Sequence[int],
        added: Sequence[Instalment],
    ) -> None:
        """Replace part of a schedule: `trimmed` instalments keep their seq and due date with
        the amounts given (what was paid of them), the `dropped` seqs go, `added` ones come."""
        ...


class AccountStatusRepository(Protocol):
    """The delinquency snapshot of accounts and the summary of their cases."""

    def put(self, status: AccountStatus) -> None:
        """Store the account's snapshot, replacing the one it had."""
        ...

    def of_borrower(self, borrower_id: str) -> list[AccountStatus]:
        """The snapshots of every account of the borrower that has one."""
        ...

    def summarise_case(self, borrower_id: str, summary: CaseSummary) -> None:
        """Write the summary onto the borrower's case."""
        ...


class PaymentRepository(Protocol):
    """Payments (positive) and their reversals (a negative payment linked to the original)."""

    def get(self, payment_id: str) -> StoredPayment | None:
        """The stored payment, a reversal's negative row included."""
        ...

    def seen(self, account_ids: Sequence[str], as_of: date) -> dict[str, list[Payment]]:
        """Per account, the positive payments made by `as_of` and not reversed by then.

        Reads many accounts in a few queries (one per large batch), for the daily runs;
        accounts without such payments are absent."""
        ...

    def add(self, payment: Payment) -> None:
        """Store a new payment."""
        ...

    def reversal_of(self, payment_id: str) -> str | None:
        """The id of the reversal of the payment, if it was reversed."""
        ...

    def add_reversal(self, reversal: StoredPayment, of: str, reason: str, actor: str) -> None:
        """Store the negative payment `reversal` and link it to the payment `of` it reverses."""
        ...


class PlanRepository(Protocol):
    """Repayment plans and their lines."""

    def add(self, plan: StoredPlan, lines: Sequence[Instalment]) -> None:
        """Store a new plan with its lines."""
        ...

    def get(self, plan_id: str) -> StoredPlan | None: ...

    def lines(self, plan_id: str, currency: str) -> tuple[Instalment, ...]:
        """The plan's lines by seq."""
        ...

    def mark(
        self,
        plan_id: str,
        *,
        status: str | None = None,
        decided_by: str | None = None,
        accepted_on: date | None = None,
    ) -> None:
        """Set what is given (not None) of the plan's status, decider and acceptance day."""
        ...

    def supersede(self, account_id: str, keep: str) -> None:
        """Every accepted plan of the account but `keep` becomes superseded."""
        ...

    def find(self, account_id: str | None = None, status: str | None = None) -> list[StoredPlan]:
        """Plans of the account / in the status (any when None), newest proposal first, then
        by id."""
        ...


class PromiseRepository(Protocol):
    """Promises to pay and their judgements."""

    def add(self, promise: Promise, case_id: str, actor: str) -> None:
        """Store a new, open promise (nothing paid towards it yet)."""
        ...

    def to_judge(self, as_of: date) -> list[StoredPromise]:
        """Every promise made by `as_of` of each account that has an open promise, or a kept
        (or partly kept) one whose money a reversal dated from its decision to `as_of` took
        back: all of such an account's promises, so they are judged together."""
        ...

    def record(self, changes: Sequence[PromiseChange]) -> None:
        """Store new judgements, all at once."""
        ...

    def decided_counts(self, statuses: Sequence[str], after: date, until: date) -> dict[str, int]:
        """Per account, its promises in one of `statuses` decided in (after, until]."""
        ...


class RepaymentRepositories(Protocol):
    """The repayment repositories a unit of work holds."""

    @property
    def accounts(self) -> AccountRepository: ...

    @property
    def account_status(self) -> AccountStatusRepository: ...

    @property
    def payments(self) -> PaymentRepository: ...

    @property
    def plans(self) -> PlanRepository: ...

    @property
    def promises(self) -> PromiseRepository: ...
