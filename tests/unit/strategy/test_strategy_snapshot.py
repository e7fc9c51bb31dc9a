"""The Ibis snapshot must agree with the pure definition in fairdebt.domain.delinquency."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import ibis
import pyarrow as pa
import strategy_portfolio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fairdebt.domain.delinquency import delinquency_at
from fairdebt.domain.loan import Account, Instalment, LenderType, Payment, Product
from fairdebt.domain.money import Money
from fairdebt.strategy.config import DEFAULT_BUCKETS
from fairdebt.strategy.inputs import Inputs, normalise
from fairdebt.strategy.snapshot import snapshot

AS_OF = date(2026, 11, 24)


def _inputs(tables: dict[str, pa.Table]) -> Inputs:
    kinds = ("accounts", "borrowers", "schedules", "payments")
    return Inputs(**{k: normalise(k, ibis.memtable(tables[k])) for k in kinds})


def _money(cents: object) -> Money:
    return Money(Decimal(str(cents)), "CNY")


def _domain_accounts(tables: dict[str, pa.Table]) -> tuple[dict[str, Account], list[Payment]]:
    schedules: dict[str, list[Instalment]] = {}
    for r in tables["schedules"].to_pylist():
        schedules.setdefault(r["account_id"], []).append(
            Instalment(
                r["seq"],
                r["due_on"],
                _money(r["principal"]),
                _money(r["interest"]),
                _money(r.get("fee") or 0),
            )
        )
    accounts = {
        r["account_id"]: Account(
            r["account_id"],
            r["borrower_id"],
            Product(r["product"]),
            "x",
            LenderType.CONSUMER_FINANCE,
            _money(r["principal"]),
            Decimal("0.1"),
            r["disbursed_on"],
            tuple(schedules.get(r["account_id"], ())),
        )
        for r in tables["accounts"].to_pylist()
    }
    payments = [
        Payment(
            r["payment_id"], r["account_id"], r["paid_on"], _money(r["amount"]), "bank_transfer"
        )
        for r in tables["payments"].to_pylist()
    ]
    return accounts, payments


def _assert_same_as_domain(tables: dict[str, pa.Table], as_of: date) -> int:
    got = ibis.duckdb.connect().to_pyarrow(snapshot(_inputs(tables), as_of, list(DEFAULT_BUCKETS)))
    accounts, payments = _domain_accounts(tables)
    by_account: dict[str, list[Payment]] = {}
    for p in payments:
        by_account.setdefault(p.account_id, []).append(p)
    for row in got.to_pylist():
        expected = delinquency_at(
            accounts[row["account_id"]], by_account.get(row["account_id"], []), as_of
        )
        assert row["dpd"] == expected.dpd, row["account_id"]
        assert Money.from_cents(row["overdue_cents"]) == expected.overdue, row["account_id"]
        assert Money.from_cents(row["outstanding_cents"]) == expected.outstanding, row["account_id"]
    return got.num_rows


def test_ibis_dpd_and_amounts_match_the_domain_function_on_a_sample_portfolio() -> None:
    tables = strategy_portfolio.tables(250, AS_OF, seed=3)

    checked = _assert_same_as_domain(tables, AS_OF)

    assert checked == 250


def _accounts(
    cases: list[tuple[list[tuple[int, int]], list[tuple[int, int]]]],
) -> dict[str, pa.Table]:
    """One account per (dues, payments) case: (day offset, cents) pairs from 2026-01-01."""
    start = date(2026, 1, 1)
    ids = [f"A{i}" for i in range(len(cases))]
    dues = [(a, d, c) for a, (ds, _) in zip(ids, cases, strict=True) for d, c in ds]
    pays = [(a, d, c) for a, (_, ps) in zip(ids, cases, strict=True) for d, c in ps]
    return {
        "accounts": pa.table(
            {
                "account_id": ids,
                "borrower_id": ids,
                "product": ["consumer_loan"] * len(ids),
                "lender_type": ["consumer_finance"] * len(ids),
                "principal": ["1000.00"] * len(ids),
                "disbursed_on": [start] * len(ids),
            }
        ),
        "borrowers": pa.table({"borrower_id": ids, "city": ["北京"] * len(ids)}),
        "schedules": pa.table(
            {
                "account_id": [a for a, _, _ in dues],
                "seq": [i + 1 for i in range(len(dues))],
                "due_on": [start + timedelta(days=d) for _, d, _ in dues],
                "principal": [f"{c / 100:.2f}" for _, _, c in dues],
                "interest": ["0"] * len(dues),
            }
        ),
        "payments": pa.table(
            {
                "payment_id": pa.array([f"P{i}" for i in range(len(pays))], pa.string()),
                "account_id": pa.array([a for a, _, _ in pays], pa.string()),
                "paid_on": pa.array([start + timedelta(days=d) for _, d, _ in pays], pa.date32()),
                "amount": pa.array([f"{c / 100:.2f}" for _, _, c in pays], pa.string()),
            }
        ),
    }


DUES = st.lists(st.tuples(st.integers(0, 120), st.integers(0, 50_000)), min_size=1, max_size=6)
PAYS = st.lists(st.tuples(st.integers(0, 150), st.integers(1, 80_000)), max_size=5)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cases=st.lists(st.tuples(DUES, PAYS), min_size=1, max_size=12), as_of_day=st.integers(0, 160)
)
def test_ibis_snapshot_matches_the_domain_on_any_schedule_and_payments(cases, as_of_day) -> None:
    # Ties in due dates, zero instalments, a payment on as_of and instalments due on as_of are
    # all generated here; the domain function is the definition.
    tables = _accounts(cases)

    _assert_same_as_domain(tables, date(2026, 1, 1) + timedelta(days=as_of_day))


def test_an_instalment_due_on_as_of_is_not_overdue_but_one_day_later_it_is() -> None:
    tables = _accounts([([(30, 10_000)], [])])
    con = ibis.duckdb.connect()

    on_the_day = con.to_pyarrow(snapshot(_inputs(tables), date(2026, 1, 31), list(DEFAULT_BUCKETS)))
    next_day = con.to_pyarrow(snapshot(_inputs(tables), date(2026, 2, 1), list(DEFAULT_BUCKETS)))

    assert on_the_day.column("dpd").to_pylist() == [0]
    assert on_the_day.column("bucket").to_pylist() == ["M0"]
    assert next_day.column("dpd").to_pylist() == [1]
    assert next_day.column("bucket").to_pylist() == ["M1"]
