"""The repayment repositories (accounts, schedules, payments, plans, promises) of SqlUnitOfWork.

SQLAlchemy Core behind the Protocols of services.ports.repayment: rows in, domain objects and
the port's frozen records out. The portfolio-wide reads (payments seen, promises to judge) stay
one query per batch of accounts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, fields
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, func, insert, or_, select, update

from fairdebt.adapters.db.any_of import any_of
from fairdebt.adapters.db.repayment_tables import (
    payment_reversals,
    promises,
    repayment_plan_lines,
    repayment_plans,
)
from fairdebt.adapters.db.tables import account_status, accounts, cases, instalments, payments
from fairdebt.domain.loan import Account, Instalment, LenderType, Payment, Product
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

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

CHUNK = 1000  # accounts per query: well under every driver's bound-parameter limit


def instalments_of(rows: Iterable[Any], currency: str) -> tuple[Instalment, ...]:
    """Schedule rows (of the lender's schedule or of a plan) as domain instalments."""
    return tuple(
        Instalment(
            r.seq,
            r.due_on,
            Money.from_cents(r.principal_cents, currency),
            Money.from_cents(r.interest_cents, currency),
            Money.from_cents(r.fee_cents, currency),
        )
        for r in rows
    )


def _amounts(line: Instalment) -> dict[str, Any]:
    return {
        "due_on": line.due_on,
        "principal_cents": line.principal.cents,
        "interest_cents": line.interest.cents,
        "fee_cents": line.fee.cents,
    }


class SqlAccountRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, account_id: str) -> Account | None:
        row = self.conn.execute(select(accounts).where(accounts.c.id == account_id)).first()
        if row is None:
            return None
        rows = self.conn.execute(select(instalments).where(instalments.c.account_id == account_id))
        c = row.currency
        return Account(
            id=row.id,
            borrower_id=row.borrower_id,
            product=Product(row.product),
            lender=row.lender,
            lender_type=LenderType(row.lender_type),
            principal=Money.from_cents(row.principal_cents, c),
            interest_rate=Decimal(row.interest_rate),
            disbursed_on=row.disbursed_on,
            schedule=instalments_of(rows, c),
            penalty_rate=Decimal(row.penalty_rate),
            fee_rate=Decimal(row.fee_rate),
            contract_date=row.contract_date,
        )

    def case_of_borrower(self, borrower_id: str) -> str | None:
        query = select(cases.c.id).where(cases.c.borrower_id == borrower_id)
        case_id = self.conn.execute(query).scalar()
        return None if case_id is None else str(case_id)

    def owners(self, account_ids: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(account_ids), CHUNK):
            chunk = list(account_ids[start : start + CHUNK])
            query = select(accounts.c.id, accounts.c.borrower_id).where(accounts.c.id.in_(chunk))
            found.update({r.id: r.borrower_id for r in self.conn.execute(query)})
        return found

    def facts(self, borrower_id: str) -> list[AccountFacts]:
        return self.facts_of([borrower_id])[borrower_id]

    def facts_of(self, borrower_ids: Sequence[str]) -> dict[str, list[AccountFacts]]:
        a, i = accounts.c, instalments.c
        by_borrower: dict[str, dict[str, AccountFacts]] = {b: {} for b in borrower_ids}
        wanted = sorted(by_borrower)
        for start in range(0, len(wanted), CHUNK):
            rows = self.conn.execute(
                select(a.borrower_id, a.id, a.currency, a.product, i.due_on)
                .join(instalments, i.account_id == a.id, isouter=True)
                .where(any_of(self.conn, a.borrower_id, wanted[start : start + CHUNK]))
                .order_by(a.id, i.seq)
            )
            for r in rows:
                facts = by_borrower[r.borrower_id]
                known = facts.get(r.id) or AccountFacts(r.id, r.currency, r.product, ())
                due = (*known.due_dates, r.due_on) if r.due_on is not None else known.due_dates
                facts[r.id] = AccountFacts(known.id, known.currency, known.product, due)
        return {b: list(facts.values()) for b, facts in by_borrower.items()}

    def due_dates(self, account_id: str) -> list[date]:
        query = select(instalments.c.due_on).where(instalments.c.account_id == account_id)
        return [r.due_on for r in self.conn.execute(query)]

    def rewrite_schedule(
        self,
        account_id: str,
        trimmed: Sequence[Instalment],
        dropped: Sequence[int],
        added: Sequence[Instalment],
    ) -> None:
        i = instalments.c
        for inst in trimmed:
            where = (i.account_id == account_id) & (i.seq == inst.seq)
            self.conn.execute(update(instalments).where(where).values(**_amounts(inst)))
        if dropped:
            where = (i.account_id == account_id) & i.seq.in_(list(dropped))
            self.conn.execute(delete(instalments).where(where))
        if added:
            rows = [{"account_id": account_id, "seq": n.seq, **_amounts(n)} for n in added]
            self.conn.execute(insert(instalments), rows)


class SqlAccountStatusRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def put(self, status: AccountStatus) -> None:
        where = account_status.c.account_id == status.account_id
        self.conn.execute(delete(account_status).where(where))
        self.conn.execute(insert(account_status).values(**asdict(status)))

    def of_borrower(self, borrower_id: str) -> list[AccountStatus]:
        s, a = account_status, accounts
        rows = self.conn.execute(
            select(s).join(a, a.c.id == s.c.account_id).where(a.c.borrower_id == borrower_id)
        )
        return [AccountStatus(**r._mapping) for r in rows]

    def summarise_case(self, borrower_id: str, summary: CaseSummary) -> None:
        self.conn.execute(
            update(cases)
            .where(cases.c.borrower_id == borrower_id)
            .values(
                dpd=summary.dpd,
                bucket=summary.bucket,
                overdue_cents=summary.overdue_cents,
                outstanding_cents=summary.outstanding_cents,
                status_as_of=summary.as_of,
            )
        )


def _stored_payment(row: Any) -> StoredPayment:
    return StoredPayment(
        row.id, row.account_id, row.paid_on, row.amount_cents, row.channel, row.channel_ref
    )


class SqlPaymentRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, payment_id: str) -> StoredPayment | None:
        row = self.conn.execute(select(payments).where(payments.c.id == payment_id)).first()
        return None if row is None else _stored_payment(row)

    def seen(self, account_ids: Sequence[str], as_of: date) -> dict[str, list[Payment]]:
        rev = payments.alias("rev")
        found: dict[str, list[Payment]] = {}
        for start in range(0, len(account_ids), CHUNK):
            chunk = list(account_ids[start : start + CHUNK])
            query = (
                select(payments, accounts.c.currency)
                .join(accounts, accounts.c.id == payments.c.account_id)
                .outerjoin(payment_reversals, payment_reversals.c.payment_id == payments.c.id)
                .outerjoin(rev, rev.c.id == payment_reversals.c.reversal_id)
                .where(
                    payments.c.account_id.in_(chunk),
                    payments.c.amount_cents > 0,
                    payments.c.paid_on <= as_of,
                    or_(rev.c.id.is_(None), rev.c.paid_on > as_of),
                )
            )
            for r in self.conn.execute(query):
                amount = Money.from_cents(r.amount_cents, r.currency)
                payment = Payment(r.id, r.account_id, r.paid_on, amount, r.channel)
                found.setdefault(r.account_id, []).append(payment)
        return found

    def add(self, payment: Payment) -> None:
        self.conn.execute(
            insert(payments).values(
                id=payment.id,
                account_id=payment.account_id,
                paid_on=payment.paid_on,
                amount_cents=payment.amount.cents,
                channel=payment.channel,
                channel_ref=payment.channel_ref,
            )
        )

    def reversal_of(self, payment_id: str) -> str | None:
        r = payment_reversals.c
        found = self.conn.execute(select(r.reversal_id).where(r.payment_id == payment_id)).scalar()
        return None if found is None else str(found)

    def add_reversal(self, reversal: StoredPayment, of: str, reason: str, actor: str) -> None:
        self.conn.execute(insert(payments).values(**asdict(reversal)))
        self.conn.execute(
            insert(payment_reversals).values(
                reversal_id=reversal.id,
                payment_id=of,
                reversed_on=reversal.paid_on,
                reason=reason,
                recorded_by=actor,
            )
        )


_PLAN_FIELDS = tuple(f.name for f in fields(StoredPlan))


class SqlPlanRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, plan: StoredPlan, lines: Sequence[Instalment]) -> None:
        self.conn.execute(insert(repayment_plans).values(**asdict(plan)))
        rows = [{"plan_id": plan.id, "seq": line.seq, **_amounts(line)} for line in lines]
        if rows:
            self.conn.execute(insert(repayment_plan_lines), rows)

    def get(self, plan_id: str) -> StoredPlan | None:
        query = select(repayment_plans).where(repayment_plans.c.id == plan_id)
        row = self.conn.execute(query).first()
        return None if row is None else _stored_plan(row)

    def lines(self, plan_id: str, currency: str) -> tuple[Instalment, ...]:
        lines = repayment_plan_lines.c
        rows = self.conn.execute(
            select(repayment_plan_lines).where(lines.plan_id == plan_id).order_by(lines.seq)
        )
        return instalments_of(rows, currency)

    def mark(
        self,
        plan_id: str,
        *,
        status: str | None = None,
        decided_by: str | None = None,
        accepted_on: date | None = None,
    ) -> None:
        given = {"status": status, "decided_by": decided_by, "accepted_on": accepted_on}
        values = {k: v for k, v in given.items() if v is not None}
        if values:
            query = update(repayment_plans).where(repayment_plans.c.id == plan_id)
            self.conn.execute(query.values(**values))

    def supersede(self, account_id: str, keep: str) -> None:
        p = repayment_plans.c
        self.conn.execute(
            update(repayment_plans)
            .where(p.account_id == account_id, p.status == "accepted", p.id != keep)
            .values(status="superseded")
        )

    def find(self, account_id: str | None = None, status: str | None = None) -> list[StoredPlan]:
        p = repayment_plans.c
        query = select(repayment_plans).order_by(p.proposed_on.desc(), p.id)
        if account_id:
            query = query.where(p.account_id == account_id)
        if status:
            query = query.where(p.status == status)
        return [_stored_plan(r) for r in self.conn.execute(query)]


def _stored_plan(row: Any) -> StoredPlan:
    values = {name: row._mapping[name] for name in _PLAN_FIELDS}
    values["hardship"] = bool(values["hardship"])
    return StoredPlan(**values)


def _stored_promise(row: Any) -> StoredPromise:
    return StoredPromise(**{f.name: row._mapping[f.name] for f in fields(StoredPromise)})


_JUDGED = update(promises).where(promises.c.id == bindparam("promise_id"))
_JUDGED = _JUDGED.values(
    status=bindparam("new_status"),
    paid_cents=bindparam("new_paid"),
    decided_on=bindparam("new_decided_on"),
)


class SqlPromiseRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, promise: Promise, case_id: str, actor: str) -> None:
        self.conn.execute(
            insert(promises).values(
                id=promise.id,
                case_id=case_id,
                account_id=promise.account_id,
                made_on=promise.made_on,
                due_on=promise.due_on,
                amount_cents=promise.amount.cents,
                currency=promise.amount.currency,
                channel=promise.channel,
                status=PromiseStatus.OPEN.value,
                paid_cents=0,
                recorded_by=actor,
            )
        )

    def to_judge(self, as_of: date) -> list[StoredPromise]:
        p = promises.c
        query = select(promises).where(
            p.account_id.in_(_accounts_to_judge(as_of)), p.made_on <= as_of
        )
        return [_stored_promise(r) for r in self.conn.execute(query)]

    def record(self, changes: Sequence[PromiseChange]) -> None:
        if not changes:
            return
        params = [
            {
                "promise_id": c.promise_id,
                "new_status": c.status,
                "new_paid": c.paid_cents,
                "new_decided_on": c.decided_on,
            }
            for c in changes
        ]
        self.conn.execute(_JUDGED, params)

    def decided_counts(self, statuses: Sequence[str], after: date, until: date) -> dict[str, int]:
        p = promises.c
        query = (
            select(p.account_id, func.count())
            .where(p.status.in_(list(statuses)), p.decided_on > after, p.decided_on <= until)
            .group_by(p.account_id)
        )
        return {account_id: int(n) for account_id, n in self.conn.execute(query)}


def _accounts_to_judge(as_of: date) -> Any:
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


class SqlRepaymentRepositories:
    """Mixed into SqlUnitOfWork: each property builds its repository on the unit's connection."""

    if TYPE_CHECKING:

        @property
        def conn(self) -> Connection: ...  # SqlUnitOfWork's

    @property
    def accounts(self) -> SqlAccountRepository:
        return SqlAccountRepository(self.conn)

    @property
    def account_status(self) -> SqlAccountStatusRepository:
        return SqlAccountStatusRepository(self.conn)

    @property
    def payments(self) -> SqlPaymentRepository:
        return SqlPaymentRepository(self.conn)

    @property
    def plans(self) -> SqlPlanRepository:
        return SqlPlanRepository(self.conn)

    @property
    def promises(self) -> SqlPromiseRepository:
        return SqlPromiseRepository(self.conn)
