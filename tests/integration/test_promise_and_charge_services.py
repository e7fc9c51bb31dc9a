"""Promises to pay and charge breakdowns on real SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from repayment_seed import NOW, ORDER, seed
from sqlalchemy import select

from fairdebt.adapters.db.repayment_tables import promises
from fairdebt.adapters.db.repositories import SqlEventLog
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.domain.money import Money
from fairdebt.domain.payment_channel import official_payment
from fairdebt.services.acknowledgment import limitation_events
from fairdebt.services.audit import verify_events
from fairdebt.services.charges import account_charges
from fairdebt.services.payments import RepaymentError, record_payment
from fairdebt.services.promises import (
    add_promise,
    broken_promise_counts,
    evaluate_promises,
    promise_activity,
)

MADE = date(2026, 4, 20)
D = Decimal


def promise(uow, pid: str, due: date, amount: str = "500", made: date = MADE) -> None:
    add_promise(uow, "A1", made, due, D(amount), "payment_link", "agent-7", NOW, pid)


def pay(uow, pid: str, on: date, amount: str) -> None:
    payment = official_payment(pid, "A1", on, Money(D(amount)), "payment_link", f"LINK-{pid}")
    record_payment(uow, payment, "agent", NOW, on, ORDER)


def statuses(conn) -> dict[str, tuple[str, int, date | None]]:
    rows = conn.execute(select(promises).order_by(promises.c.id))
    return {r.id: (r.status, r.paid_cents, r.decided_on) for r in rows}


def test_the_daily_run_marks_kept_partly_kept_and_broken_promises(engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        conn = uow.conn
        seed(conn)
        promise(uow, "PR1", date(2026, 4, 25))
        promise(uow, "PR2", date(2026, 4, 27))
        promise(uow, "PR3", date(2026, 4, 28))
        pay(uow, "P1", date(2026, 4, 24), "700")  # PR1 in full, 200 towards PR2

        changed = evaluate_promises(uow, date(2026, 5, 10), 3, "daily-run", NOW)

        assert changed == {"open": 0, "kept": 1, "partly_kept": 1, "broken": 1}
        assert statuses(conn) == {
            "PR1": ("kept", 50_000, date(2026, 5, 10)),
            "PR2": ("partly_kept", 20_000, date(2026, 5, 10)),
            "PR3": ("broken", 0, date(2026, 5, 10)),
        }
        assert broken_promise_counts(uow, date(2026, 5, 10), 30) == {"A1": 2}
        assert broken_promise_counts(uow, date(2026, 6, 10), 30) == {}  # out of the window
        assert promise_activity(uow, date(2026, 5, 10), 30) == [
            {"borrower_id": "B1", "broken_promises": 2, "kept_promises": 1}
        ]


def test_a_promise_stays_open_inside_its_grace_days_and_the_run_records_only_changes(
    engine,
) -> None:
    with SqlUnitOfWork(engine) as uow:
        conn = uow.conn
        seed(conn)
        promise(uow, "PR1", date(2026, 4, 25))

        first = evaluate_promises(uow, date(2026, 4, 28), 3, "daily-run", NOW)
        second = evaluate_promises(uow, date(2026, 4, 29), 3, "daily-run", NOW)
        third = evaluate_promises(uow, date(2026, 4, 30), 3, "daily-run", NOW)

        assert (first["broken"], second["broken"], third["broken"]) == (0, 1, 0)
        types = [e.type for e in SqlEventLog(conn).events("C-B1")]
        assert types.count("promise_broken") == 1


def test_a_promise_is_an_acknowledgment_in_the_log(engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        conn = uow.conn
        seed(conn)
        promise(uow, "PR1", date(2026, 7, 20), made=date(2026, 7, 1))

        events = limitation_events(uow, "C-B1")
        report = verify_events(SqlEventLog(conn).all_events())

    assert events == [{"type": "debtor_ack", "on": "2026-07-01", "kind": "installment_promise"}]
    assert report.ok


def test_a_promise_through_an_unofficial_channel_is_refused(engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        conn = uow.conn
        seed(conn)
        with pytest.raises(RepaymentError, match="not an official payment channel"):
            add_promise(uow, "A1", MADE, MADE, D(100), "cash", "agent", NOW)


def test_charges_above_the_cap_are_excluded_from_what_may_be_demanded(engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        conn = uow.conn
        # private lending in 2025-06 at 24 %: the cap is 4 x 3.0 % LPR = 12 %
        seed(conn, lender_type="private", interest_rate="0.24", contract_date=date(2025, 6, 1))

        charges = account_charges(uow, "A1", date(2026, 3, 20), ORDER)

    lines = {line["component"]: line for line in charges.to_json()["components"]}
    assert lines["principal"] == {
        "component": "principal",
        "amount": "6000.00",
        "lawful": "6000.00",
        "above_cap": "0.00",
        "standing": "lawful",
    }
    assert (lines["interest"]["amount"], lines["interest"]["lawful"]) == ("150.00", "75.00")
    assert lines["interest"]["standing"] == "above_cap"
    assert charges.to_json()["not_yet_due"] == {"interest": "150.00", "fees": "30.00"}
    parts = ("principal", "interest", "overdue_interest", "penalty", "fees")
    assert charges.demandable == sum(charges.breakdown.line(c).lawful for c in parts)
    assert charges.breakdown.excluded >= D("75.00")


def test_a_penalty_accrues_on_overdue_principal_by_the_day(engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        conn = uow.conn
        seed(conn, penalty_rate="0.0365")

        charges = account_charges(uow, "A1", date(2026, 1, 25), ORDER)

    # 1000 overdue for 10 days at 3.65 % a year = 1.00
    assert charges.amounts.penalty == D("1.00")


def test_a_licensed_lenders_charges_are_unchecked_without_the_packs_ceiling(engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        conn = uow.conn
        seed(conn)
        unchecked = account_charges(uow, "A1", date(2026, 3, 20), ORDER)
        capped = account_charges(uow, "A1", date(2026, 3, 20), ORDER, ceiling=D("0.09"))

    assert unchecked.breakdown.line("interest").standing.value == "unchecked"
    assert unchecked.to_json()["pack_parameter"] == "cn.rate_ceiling.consumer_finance"
    assert capped.breakdown.line("interest").lawful == D("75.00")


def test_a_kept_promise_is_judged_again_when_its_payment_is_reversed(engine) -> None:
    from fairdebt.services.payments import reverse_payment

    with SqlUnitOfWork(engine) as uow:
        conn = uow.conn
        seed(conn)
        promise(uow, "PR1", date(2026, 4, 25))
        pay(uow, "P1", date(2026, 4, 24), "500")
        evaluate_promises(uow, date(2026, 4, 26), 0, "daily-run", NOW)
        reverse_payment(
            uow, "P1", date(2026, 5, 2), "bounced", "agent", NOW, date(2026, 5, 2), ORDER
        )

        changed = evaluate_promises(uow, date(2026, 5, 3), 0, "daily-run", NOW)

        assert changed["broken"] == 1
        assert statuses(conn)["PR1"] == ("broken", 0, date(2026, 5, 3))
        last = SqlEventLog(conn).events("C-B1")[-1]
        assert (last.type, last.data["previous"]) == ("promise_broken", "kept")
