"""Promises to pay on a FakeUnitOfWork: recorded as acknowledgments, then kept or broken."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from repayment_world import NOW, ORDER, pay, world

from fairdebt.services.acknowledgment import limitation_events
from fairdebt.services.payments import RepaymentError, record_payment, reverse_payment
from fairdebt.services.promises import (
    add_promise,
    broken_promise_counts,
    evaluate_promises,
    promise_activity,
)

MADE = date(2026, 4, 20)


def promise(uow, pid: str, due: date, amount: str = "500", made: date = MADE) -> None:
    add_promise(uow, "A1", made, due, Decimal(amount), "payment_link", "agent-7", NOW, pid)


def paid(uow, pid: str, on: date, amount: str) -> None:
    record_payment(uow, pay(pid, on, amount, "payment_link"), "agent", NOW, on, ORDER)


def statuses(uow) -> dict[str, tuple[str, int, date | None]]:
    rows = sorted(uow.promises.rows.values(), key=lambda p: p.id)
    return {p.id: (p.status, p.paid_cents, p.decided_on) for p in rows}


def test_a_promise_is_recorded_open_and_is_an_acknowledgment() -> None:
    uow = world()

    promise(uow, "PR1", date(2026, 7, 20), made=date(2026, 7, 1))

    assert statuses(uow) == {"PR1": ("open", 0, None)}
    stored = uow.promises.rows["PR1"]
    assert (stored.case_id, stored.amount_cents, stored.currency) == ("C-B1", 50_000, "CNY")
    assert [e.type for e in uow.events.events("C-B1")] == ["promise_recorded", "debtor_ack"]
    assert limitation_events(uow, "C-B1") == [
        {"type": "debtor_ack", "on": "2026-07-01", "kind": "installment_promise"}
    ]


def test_the_daily_run_marks_kept_partly_kept_and_broken_promises() -> None:
    uow = world()
    promise(uow, "PR1", date(2026, 4, 25))
    promise(uow, "PR2", date(2026, 4, 27))
    promise(uow, "PR3", date(2026, 4, 28))
    paid(uow, "P1", date(2026, 4, 24), "700")  # PR1 in full, 200 towards PR2

    changed = evaluate_promises(uow, date(2026, 5, 10), 3, "daily-run", NOW)

    assert changed == {"open": 0, "kept": 1, "partly_kept": 1, "broken": 1}
    assert statuses(uow) == {
        "PR1": ("kept", 50_000, date(2026, 5, 10)),
        "PR2": ("partly_kept", 20_000, date(2026, 5, 10)),
        "PR3": ("broken", 0, date(2026, 5, 10)),
    }
    decided = [e for e in uow.events.events("C-B1") if e.actor == "daily-run"]
    assert {(e.type, e.data["promise"], e.data["paid_cents"]) for e in decided} == {
        ("promise_kept", "PR1", 50_000),
        ("promise_partly_kept", "PR2", 20_000),
        ("promise_broken", "PR3", 0),
    }
    assert broken_promise_counts(uow, date(2026, 5, 10), 30) == {"A1": 2}
    assert broken_promise_counts(uow, date(2026, 6, 10), 30) == {}  # out of the window
    assert promise_activity(uow, date(2026, 5, 10), 30) == [
        {"borrower_id": "B1", "broken_promises": 2, "kept_promises": 1}
    ]


def test_a_promise_stays_open_inside_its_grace_days_and_only_changes_are_recorded() -> None:
    uow = world()
    promise(uow, "PR1", date(2026, 4, 25))

    first = evaluate_promises(uow, date(2026, 4, 28), 3, "daily-run", NOW)
    second = evaluate_promises(uow, date(2026, 4, 29), 3, "daily-run", NOW)
    third = evaluate_promises(uow, date(2026, 4, 30), 3, "daily-run", NOW)

    assert (first["broken"], second["broken"], third["broken"]) == (0, 1, 0)
    assert statuses(uow) == {"PR1": ("broken", 0, date(2026, 4, 29))}
    types = [e.type for e in uow.events.events("C-B1")]
    assert types.count("promise_broken") == 1


def test_a_kept_promise_is_judged_again_when_its_payment_is_reversed() -> None:
    uow = world()
    promise(uow, "PR1", date(2026, 4, 25))
    paid(uow, "P1", date(2026, 4, 24), "500")
    assert evaluate_promises(uow, date(2026, 4, 26), 0, "daily-run", NOW)["kept"] == 1
    reverse_payment(uow, "P1", date(2026, 5, 2), "bounced", "agent", NOW, date(2026, 5, 2), ORDER)

    changed = evaluate_promises(uow, date(2026, 5, 3), 0, "daily-run", NOW)

    assert changed["broken"] == 1
    assert statuses(uow)["PR1"] == ("broken", 0, date(2026, 5, 3))
    last = uow.events.events("C-B1")[-1]
    assert (last.type, last.data["previous"]) == ("promise_broken", "kept")


def test_a_promise_through_an_unofficial_channel_or_for_nothing_is_refused() -> None:
    uow = world()

    with pytest.raises(RepaymentError, match="not an official payment channel"):
        add_promise(uow, "A1", MADE, MADE, Decimal(100), "cash", "agent", NOW)
    with pytest.raises(RepaymentError) as caught:
        add_promise(uow, "A1", MADE, MADE, Decimal(0), "payment_link", "agent", NOW)

    assert "amount > 0" in caught.value.hint
    assert uow.promises.rows == {} and uow.events.events("C-B1") == []
