"""The events an import records: a `case_opened` per new borrower, and one event per change to
something that existed before (so a lender's silent edit of a balance is on the record)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from fairdebt.domain.events import GENESIS, NewEvent, chain
from fairdebt.services.ports.records import PortfolioStore, UpsertResult

PERSONAL = frozenset({"name", "national_id", "phones", "email", "address", "lat", "lon"})


def case_id_for(borrower_id: str) -> str:
    return f"C-{borrower_id}"


def open_cases(store: PortfolioStore, now: datetime, as_of: date, actor: str) -> tuple[int, int]:
    """One case per borrower without one, each with its first event. Returns (cases, events)."""
    accounts = store.borrowers_without_case()
    if not accounts:
        return 0, 0
    events = [
        chain(
            case_id_for(b),
            1,
            GENESIS,
            now,
            NewEvent("case_opened", actor, {"borrower": b, "accounts": ids}),
        )
        for b, ids in accounts.items()
    ]
    store.open_cases(as_of, events)
    return len(accounts), len(events)


def change_events(
    store: PortfolioStore,
    results: dict[str, UpsertResult],
    existed: dict[str, set[str]],
    now: datetime,
    actor: str,
) -> int:
    """Events for changes to rows that existed before this import."""
    items: list[tuple[str, NewEvent]] = []
    for old, new in results.get("borrowers", UpsertResult()).changed:
        cols = sorted(c for c in new if old[c] != new[c])
        items.append(
            (case_id_for(new["id"]), NewEvent("borrower_updated", actor, {"changed": cols}))
        )
    accounts = results.get("accounts", UpsertResult())
    for old, new in accounts.changed:
        items.append(
            (
                case_id_for(new["borrower_id"]),
                NewEvent(
                    "account_updated", actor, {"account": new["id"], "changed": _diff(old, new)}
                ),
            )
        )
    for row in accounts.new_rows:
        if row["borrower_id"] in existed["borrowers"]:
            items.append(
                (
                    case_id_for(row["borrower_id"]),
                    NewEvent(
                        "account_added", actor, {"account": row["id"], "product": row["product"]}
                    ),
                )
            )
    items += _child_events(store, results, existed["accounts"], actor)
    return store.append_events(items, now)


def _child_events(
    store: PortfolioStore, results: dict[str, UpsertResult], old_accounts: set[str], actor: str
) -> list[tuple[str, NewEvent]]:
    schedules = results.get("schedules", UpsertResult())
    payments = results.get("payments", UpsertResult())
    touched: dict[str, list[int]] = defaultdict(list)
    for _old, new in schedules.changed:
        touched[new["account_id"]].append(new["seq"])
    for row in schedules.new_rows:
        if row["account_id"] in old_accounts:
            touched[row["account_id"]].append(row["seq"])
    pay_events = [
        (row["account_id"], NewEvent("payment_recorded", actor, _payment(row)))
        for row in payments.new_rows
        if row["account_id"] in old_accounts
    ] + [
        (
            new["account_id"],
            NewEvent(
                "payment_corrected", actor, {"payment": new["id"], "changed": _diff(old, new)}
            ),
        )
        for old, new in payments.changed
    ]
    named = set(touched) | {a for a, _ in pay_events}
    owners = store.account_owners(named) if named else {}
    items = [
        (
            case_id_for(owners[a]),
            NewEvent("schedule_changed", actor, {"account": a, "seqs": sorted(s)}),
        )
        for a, s in sorted(touched.items())
    ]
    return items + [(case_id_for(owners[a]), e) for a, e in pay_events]


def _payment(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "payment": row["id"],
        "account": row["account_id"],
        "paid_on": row["paid_on"],
        "amount_cents": row["amount_cents"],
        "channel": row["channel"],
    }


def _diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    return {
        c: ("changed" if c in PERSONAL else [old[c], new[c]])
        for c in sorted(new)
        if old[c] != new[c]
    }
