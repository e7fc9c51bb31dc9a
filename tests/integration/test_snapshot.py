"""The SQL snapshot agrees with the pure domain definition of DPD and overdue, per account."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from builders import make_account
from portfolio_files import write_portfolio
from sqlalchemy import text

from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.domain.delinquency import bucket_of, delinquency_at
from fairdebt.domain.loan import Instalment, Payment
from fairdebt.domain.money import Money
from fairdebt.services.importing import ImportOptions, import_portfolio

AS_OF = date(2026, 11, 24)


def _random_portfolio(rng: random.Random, n: int):
    borrowers, accounts, schedules, payments, domain = [], [], [], [], []
    for i in range(n):
        bid, aid = f"B{i}", f"A{i}"
        borrowers.append({"borrower_id": bid, "name": f"借款人{i}"})
        accounts.append(
            {
                "account_id": aid,
                "borrower_id": bid,
                "product": "consumer_loan",
                "lender": "L",
                "lender_type": "consumer_finance",
                "principal": "1000",
                "interest_rate": "0.1",
                "disbursed_on": "2025-01-01",
            }
        )
        due, insts = date(2025, 2, 1), []
        for seq in range(1, rng.randint(1, 12) + 1):
            due += timedelta(days=rng.choice([28, 30, 31]))
            cents = [rng.randint(0, 90_000) for _ in range(3)]
            insts.append(Instalment(seq, due, *(Money.from_cents(c) for c in cents)))
            schedules.append(
                {
                    "account_id": aid,
                    "seq": str(seq),
                    "due_on": due.isoformat(),
                    "principal": f"{cents[0] / 100:.2f}",
                    "interest": f"{cents[1] / 100:.2f}",
                    "fee": f"{cents[2] / 100:.2f}",
                }
            )
        pays = []
        for k in range(rng.randint(0, 8)):
            paid_on = date(2025, 2, 1) + timedelta(days=rng.randint(0, 700))
            amount = rng.randint(1, 150_000)
            pays.append(
                Payment(f"P{i}-{k}", aid, paid_on, Money.from_cents(amount), "bank_transfer")
            )
            payments.append(
                {
                    "payment_id": f"P{i}-{k}",
                    "account_id": aid,
                    "paid_on": paid_on.isoformat(),
                    "amount": f"{amount / 100:.2f}",
                    "channel": "bank_transfer",
                    "channel_ref": "",
                }
            )
        domain.append(
            (make_account(tuple(insts), account_id=aid, principal=Money(Decimal(1000))), pays)
        )
    return {
        "borrowers": borrowers,
        "accounts": accounts,
        "schedules": schedules,
        "payments": payments,
    }, domain


@pytest.mark.parametrize(
    "path", ["first load (DuckDB on Arrow)", "later import (SQL in the database)"]
)
def test_snapshot_matches_the_domain_for_random_accounts(engine, tmp_path, path) -> None:
    files, domain = _random_portfolio(random.Random(7), 300)
    now = datetime(2026, 11, 24, tzinfo=UTC)
    if path.startswith("later"):  # someone already in the database: the general path runs
        other = write_portfolio(
            tmp_path / "o",
            accounts=[],
            schedules=[],
            payments=[],
            borrowers=[{"borrower_id": "X1", "name": "先来的人"}],
        )
        import_portfolio(SqlUnitOfWork(engine), [other], ImportOptions(as_of=AS_OF, now=now))
    folder = write_portfolio(tmp_path / "p", **files)

    import_portfolio(SqlUnitOfWork(engine), [folder], ImportOptions(as_of=AS_OF, now=now))

    with engine.connect() as conn:
        rows = {r.account_id: r for r in conn.execute(text("SELECT * FROM account_status"))}
    for account, pays in domain:
        expected = delinquency_at(account, pays, AS_OF)
        row = rows[account.id]
        assert row.dpd == expected.dpd, account.id
        assert row.overdue_cents == expected.overdue.cents, account.id
        assert row.outstanding_cents == expected.outstanding.cents, account.id
        assert row.bucket == bucket_of(expected.dpd)
