"""Repayment plans and payments on real SQLite and PostgreSQL: DPD follows an accepted plan,
payments need an official channel reference, a reversal restores the previous DPD, and the log's
acknowledgments feed the limitation period."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from fakes.rest_days import weekends_after_the_data
from repayment_seed import NOW, ORDER, seed
from sqlalchemy import select, text

from fairdebt.adapters.db.repayment_tables import repayment_plans
from fairdebt.adapters.db.repositories import SqlEventLog
from fairdebt.adapters.db.snapshot import refresh_snapshot
from fairdebt.adapters.db.tables import account_status, instalments
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.domain.loan import Payment
from fairdebt.domain.money import Money
from fairdebt.domain.payment_channel import official_payment
from fairdebt.domain.repayment import PlanKind, PlanTerms
from fairdebt.legal import api as legal
from fairdebt.services.acknowledgment import limitation_events, limitation_request
from fairdebt.services.audit import verify_events
from fairdebt.services.payments import (
    RepaymentError,
    load_account,
    record_payment,
    refresh_account,
    reverse_payment,
)
from fairdebt.services.plan_policy import load_policy
from fairdebt.services.ports.identity import Role, User
from fairdebt.services.repayment import approve_plan, propose_plan

AS_OF = date(2026, 4, 20)
FIRST_PAID = (("P1", date(2026, 1, 15), 106_000),)  # instalment 1 in full: 64 days past due
POLICY = load_policy()


def staff(user_id: str, role: str) -> User:
    """A signed-in staff member whose own role is `role`."""
    return User(user_id, user_id, user_id, Role(role))


def dpd(conn) -> int:
    return conn.execute(select(account_status.c.dpd)).scalar_one()


def schedule(conn) -> list[tuple[int, date, int]]:
    i = instalments.c
    rows = conn.execute(select(instalments).order_by(i.seq))
    return [(r.seq, r.due_on, r.principal_cents + r.interest_cents + r.fee_cents) for r in rows]


def pay(pid: str, on: date, amount: str, ref: str = "TX") -> Payment:
    return official_payment(pid, "A1", on, Money(Decimal(amount)), "bank_transfer", ref)


def six_months(**changes: object) -> PlanTerms:
    return PlanTerms(PlanKind.INSTALMENT, first_due=date(2026, 5, 20), count=6, **changes)  # type: ignore[arg-type]


def propose(uow, terms: PlanTerms, on: date = AS_OF):
    return propose_plan(uow, "A1", terms, on, "agent-7", POLICY, NOW, ORDER)


def test_an_accepted_plan_becomes_the_schedule_and_dpd_follows_it(engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        conn = uow.conn
        seed(conn, paid=FIRST_PAID)
        refresh_account(uow, load_account(uow, "A1"), AS_OF, ORDER)
        assert dpd(conn) == 64

        record = propose(uow, six_months())

        assert record.status == "accepted"
        assert dpd(conn) == 0  # nothing of the plan is due yet
        rows = schedule(conn)
        assert rows[0] == (1, date(2026, 1, 15), 106_000)  # paid: kept as it was
        assert [r[0] for r in rows[1:]] == [7, 8, 9, 10, 11, 12]  # the lender's 2..6 not reused
        assert sum(r[2] for r in rows[1:]) == 530_000
        refresh_account(uow, load_account(uow, "A1"), date(2026, 6, 1), ORDER)
        assert dpd(conn) == 12  # the plan's first instalment, due 2026-05-20, unpaid


def test_the_sql_snapshot_agrees_with_the_refreshed_account_after_a_plan(engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        conn = uow.conn
        seed(conn, paid=(*FIRST_PAID, ("P2", date(2026, 2, 20), 50_000)))
        propose(uow, six_months())
        refresh_account(uow, load_account(uow, "A1"), date(2026, 7, 1), ORDER)
        ours = conn.execute(select(account_status)).one()

        refresh_snapshot(conn, date(2026, 7, 1))

        theirs = conn.execute(select(account_status)).one()
        assert (ours.dpd, ours.overdue_cents, ours.outstanding_cents) == (
            theirs.dpd,
            theirs.overdue_cents,
            theirs.outstanding_cents,
        )
        assert ours.dpd == 42


def test_a_partly_paid_instalment_keeps_exactly_what_was_paid_of_it(engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        conn = uow.conn
        seed(conn, paid=(*FIRST_PAID, ("P2", date(2026, 2, 20), 50_000)))

        record = propose(uow, six_months())

        row = conn.execute(text("SELECT * FROM instalments WHERE seq = 2")).one()
        # fees, then interest, then principal (the configured order)
        assert (row.fee_cents, row.interest_cents, row.principal_cents) == (1_000, 5_000, 44_000)
        assert record.plan.total.cents == 636_000 - 156_000
        assert sum(r[2] for r in schedule(conn)) - 156_000 == record.plan.total.cents


def test_a_plan_outside_the_automatic_limits_waits_for_the_named_role(engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        conn = uow.conn
        seed(conn, paid=FIRST_PAID)
        refresh_account(uow, load_account(uow, "A1"), AS_OF, ORDER)
        record = propose(uow, PlanTerms(PlanKind.INSTALMENT, date(2026, 5, 20), count=18))
        assert (record.status, record.decision.approver_role) == ("pending_approval", "supervisor")
        assert dpd(conn) == 64  # nothing changes before approval

        with pytest.raises(RepaymentError, match="needs approval by supervisor"):
            approve_plan(uow, record.id, staff("u1", "collector"), AS_OF, POLICY, NOW, ORDER)
        approve_plan(uow, record.id, staff("u2", "compliance"), AS_OF, POLICY, NOW, ORDER)

        status = conn.execute(select(repayment_plans.c.status)).scalar_one()
        assert status == "accepted"
        assert dpd(conn) == 0
        types = [e.type for e in SqlEventLog(conn).events("C-B1")]
        assert types[1:] == ["plan_proposed", "plan_approved", "plan_accepted", "debtor_ack"]


def test_a_plan_is_not_accepted_when_a_payment_changed_what_is_owed(engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        conn = uow.conn
        seed(conn, paid=FIRST_PAID)
        record = propose(uow, PlanTerms(PlanKind.INSTALMENT, date(2026, 5, 20), count=18))
        record_payment(uow, pay("P9", AS_OF, "100"), "agent", NOW, AS_OF, ORDER)

        with pytest.raises(RepaymentError, match="changed since plan"):
            approve_plan(
                uow,
                record.id,
                staff("u1", "supervisor"),
                AS_OF,
                POLICY,
                NOW,
                ORDER,
            )


def test_a_plan_beyond_every_tier_is_refused_and_changes_nothing(engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        conn = uow.conn
        seed(conn, paid=FIRST_PAID)
        before = schedule(conn)

        record = propose(uow, PlanTerms(PlanKind.SETTLEMENT, AS_OF, discount=Decimal(4000)))

        assert record.status == "refused"
        assert "discount" in record.decision.reasons[0]
        assert schedule(conn) == before


def test_a_payment_without_a_channel_reference_cannot_be_recorded(engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        conn = uow.conn
        seed(conn)
        no_ref = Payment("P5", "A1", AS_OF, Money(Decimal(100)), "bank_transfer", "")

        with pytest.raises(RepaymentError, match="no bank_transfer reference") as caught:
            record_payment(uow, no_ref, "agent", NOW, AS_OF, ORDER)

        assert "official channel" in caught.value.hint
        assert conn.execute(text("SELECT COUNT(*) FROM payments")).scalar_one() == 0


def test_cash_is_not_an_official_channel() -> None:
    with pytest.raises(ValueError, match="not an official channel"):
        official_payment("P5", "A1", AS_OF, Money(Decimal(1)), "cash", "R1")


def test_a_partial_payment_is_allocated_in_order_and_acknowledges_the_debt(engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        conn = uow.conn
        seed(conn, paid=FIRST_PAID)

        result = record_payment(uow, pay("P2", AS_OF, "30.00"), "agent", NOW, AS_OF, ORDER)

        assert result.allocation["instalments"] == {
            "2": {"fee": 1_000, "interest": 2_000, "principal": 0}
        }
        assert result.acknowledged
        ack = SqlEventLog(conn).events("C-B1")[-1]
        assert (ack.type, ack.data["kind"], ack.data["on"]) == (
            "debtor_ack",
            "partial_payment",
            "2026-04-20",
        )


def test_paying_everything_is_not_a_partial_payment(engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        conn = uow.conn
        seed(conn, paid=FIRST_PAID)

        result = record_payment(uow, pay("P2", AS_OF, "5300"), "agent", NOW, AS_OF, ORDER)

        assert not result.acknowledged
        assert dpd(conn) == 0


def test_a_reversal_is_a_new_row_and_restores_the_previous_dpd(engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        conn = uow.conn
        seed(conn, paid=FIRST_PAID)
        refresh_account(uow, load_account(uow, "A1"), AS_OF, ORDER)
        record_payment(uow, pay("P2", AS_OF, "3180"), "agent", NOW, AS_OF, ORDER)
        assert dpd(conn) == 0

        reversal = reverse_payment(uow, "P2", AS_OF, "bounced", "agent", NOW, AS_OF, ORDER)

        assert dpd(conn) == 64
        rows = conn.execute(text("SELECT id, amount_cents FROM payments ORDER BY amount_cents"))
        assert [tuple(r) for r in rows] == [(reversal, -318_000), ("P1", 106_000), ("P2", 318_000)]
        refresh_snapshot(conn, AS_OF)  # the SQL snapshot nets the reversal the same way
        assert dpd(conn) == 64
        with pytest.raises(RepaymentError, match="already reversed"):
            reverse_payment(uow, "P2", AS_OF, "again", "agent", NOW, AS_OF, ORDER)


def test_acknowledgments_in_the_log_move_the_limitation_expiry_later(engine) -> None:
    later = date(2026, 9, 1)
    with SqlUnitOfWork(engine) as uow, weekends_after_the_data():  # periods end in 2029
        conn = uow.conn
        seed(conn, paid=FIRST_PAID)
        before = legal.limitation(limitation_request(uow, "C-B1", "A1", later))
        record_payment(uow, pay("P2", date(2026, 8, 3), "10"), "agent", NOW, later, ORDER)

        events = limitation_events(uow, "C-B1")
        after = legal.limitation(limitation_request(uow, "C-B1", "A1", later))

    assert events == [{"type": "debtor_ack", "on": "2026-08-03", "kind": "partial_payment"}]
    assert before["expires_on"] == "2029-06-15"  # 3 years from the last instalment (189)
    assert after["expires_on"] == "2029-08-03"  # restarted by the partial payment (SX14)
    assert after["interrupted_by"] == [{"type": "debtor_ack", "on": "2026-08-03"}]


def test_an_accepted_plan_is_an_acknowledgment_and_a_reversed_payment_is_not(engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        conn = uow.conn
        seed(conn, paid=FIRST_PAID)
        record_payment(uow, pay("P2", AS_OF, "10"), "agent", NOW, AS_OF, ORDER)
        reverse_payment(uow, "P2", AS_OF, "bounced", "agent", NOW, AS_OF, ORDER)
        propose(uow, PlanTerms(PlanKind.EXTENSION, AS_OF, shift_months=2))

        events = limitation_events(uow, "C-B1", "A1")

    assert events == [{"type": "debtor_ack", "on": "2026-04-20", "kind": "extension_request"}]


def test_the_hash_chain_still_verifies_after_plans_payments_and_reversals(engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        conn = uow.conn
        seed(conn, paid=FIRST_PAID)
        record_payment(uow, pay("P2", AS_OF, "10"), "agent", NOW, AS_OF, ORDER)
        reverse_payment(uow, "P2", AS_OF, "bounced", "agent", NOW, AS_OF, ORDER)
        record = propose(uow, PlanTerms(PlanKind.INSTALMENT, date(2026, 5, 20), count=18))
        approve_plan(uow, record.id, staff("u1", "supervisor"), AS_OF, POLICY, NOW, ORDER)

        report = verify_events(SqlEventLog(conn).all_events())

    assert report.ok
    assert report.events == 8


def test_reimporting_the_lenders_schedule_leaves_an_accepted_plan_alone(engine, tmp_path) -> None:
    from datetime import UTC, datetime

    from portfolio_files import write_csv

    from fairdebt.services.importing import ImportOptions, import_portfolio

    with SqlUnitOfWork(engine) as uow:
        conn = uow.conn
        seed(conn, paid=FIRST_PAID)
        propose(uow, six_months())
        before = schedule(conn)
        uow.commit()
    original = [
        {
            "account_id": "A1",
            "seq": str(n),
            "due_on": f"2026-0{n}-15",
            "principal": "1000.00",
            "interest": "50.00",
        }
        for n in range(1, 7)
    ]
    path = write_csv(tmp_path / "schedules.csv", original)

    report = import_portfolio(
        SqlUnitOfWork(engine),
        [path],
        ImportOptions(as_of=AS_OF, now=datetime(2026, 4, 21, tzinfo=UTC)),
    )

    assert report.written and report.kept_by_plan == 6
    with engine.connect() as conn:
        assert schedule(conn) == before
