"""A small account written straight into a migrated database, for the repayment services' tests.

One borrower B1 with case C-B1 (its chain started by a `case_opened` event) and account A1:
6 000 lent, six monthly instalments of 1 000 principal + 50 interest + 10 fee, due on the 15th
from January to June 2026. `seed(..., paid=[...])` adds payments through an official channel.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import insert
from sqlalchemy.engine import Connection

from fairdebt.adapters.db.repositories import SqlEventLog
from fairdebt.adapters.db.tables import accounts, borrowers, cases, instalments, payments
from fairdebt.domain.events import NewEvent
from fairdebt.domain.loan import Component

NOW = datetime(2026, 4, 20, 9, 0, tzinfo=UTC)
ORDER = (Component.FEE, Component.INTEREST, Component.PRINCIPAL)
DUE = [date(2026, m, 15) for m in range(1, 7)]


def seed(
    conn: Connection,
    paid: tuple[tuple[str, date, int], ...] = (),
    lender_type: str = "consumer_finance",
    interest_rate: str = "0.18",
    penalty_rate: str = "0",
    contract_date: date = date(2025, 12, 15),
) -> None:
    conn.execute(
        insert(borrowers).values(id="B1", name="张伟", phones="", timezone="Asia/Shanghai")
    )
    conn.execute(
        insert(accounts).values(
            id="A1",
            borrower_id="B1",
            product="consumer_loan",
            lender="示例消费金融",
            lender_type=lender_type,
            currency="CNY",
            principal_cents=600_000,
            interest_rate=interest_rate,
            penalty_rate=penalty_rate,
            fee_rate="0",
            contract_date=contract_date,
            disbursed_on=contract_date,
        )
    )
    conn.execute(
        insert(instalments),
        [
            {
                "account_id": "A1",
                "seq": n + 1,
                "due_on": due,
                "principal_cents": 100_000,
                "interest_cents": 5_000,
                "fee_cents": 1_000,
            }
            for n, due in enumerate(DUE)
        ],
    )
    for pid, on, cents in paid:
        conn.execute(
            insert(payments).values(
                id=pid,
                account_id="A1",
                paid_on=on,
                amount_cents=cents,
                channel="bank_transfer",
                channel_ref=f"TX-{pid}",
            )
        )
    conn.execute(
        insert(cases).values(
            id="C-B1", borrower_id="B1", status="open", holds="", opened_on=date(2026, 2, 16)
        )
    )
    opened = NewEvent("case_opened", "import", {"borrower": "B1", "accounts": ["A1"]})
    SqlEventLog(conn).append("C-B1", opened, NOW)
