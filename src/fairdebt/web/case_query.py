"""The case page's read side: borrower (masked unless revealed), accounts with schedule and
payments, the snapshot's DPD and amounts, and the event log newest first, each event's data
as labelled fields with personal data masked for the roles that may not see it.

Every lookup is by primary key or an indexed foreign key, so a case page costs the same on a
portfolio of ten cases or ten million. The same SQL runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from fairdebt.adapters.db.tables import (
    account_status,
    accounts,
    borrowers,
    case_events,
    cases,
    instalments,
    payments,
)
from fairdebt.domain.borrower import mask_name, mask_national_id, mask_phone, mask_text
from fairdebt.services.access import ALL_CASES, CaseScope
from fairdebt.web.event_details import Detail, event_details, event_title
from fairdebt.web.queries import CaseRow, case_row, scope_condition

EVENT_LIMIT = 200


@dataclass(frozen=True, slots=True)
class BorrowerView:
    id: str
    name: str
    national_id: str
    phones: tuple[str, ...]
    email: str
    address: str
    city: str
    timezone: str
    revealed: bool
    unmasked: tuple[str, ...] = ()  # fields shown whole for this one answer (logged)


@dataclass(frozen=True, slots=True)
class InstalmentView:
    seq: int
    due_on: date
    principal_cents: int
    interest_cents: int
    fee_cents: int
    state: str  # paid | partial | overdue | due

    @property
    def due_cents(self) -> int:
        return self.principal_cents + self.interest_cents + self.fee_cents


@dataclass(frozen=True, slots=True)
class PaymentView:
    id: str
    paid_on: date
    amount_cents: int
    channel: str


@dataclass(frozen=True, slots=True)
class AccountView:
    id: str
    product: str
    lender: str
    lender_type: str
    currency: str
    principal_cents: int
    interest_rate: str
    disbursed_on: date
    dpd: int
    bucket: str
    overdue_cents: int
    outstanding_cents: int
    paid_cents: int
    schedule: tuple[InstalmentView, ...]
    payments: tuple[PaymentView, ...]


@dataclass(frozen=True, slots=True)
class EventView:
    seq: int
    at: str
    type: str
    title: str  # the type's label, an English msgid
    actor: str
    details: tuple[Detail, ...]  # never the raw data: that may hold personal data
    hash: str


@dataclass(frozen=True, slots=True)
class CaseDetail:
    case: CaseRow
    opened_on: date
    status_as_of: date | None
    borrower: BorrowerView
    accounts: tuple[AccountView, ...]
    events: tuple[EventView, ...]  # newest first, at most EVENT_LIMIT
    event_count: int


def instalment_states(
    schedule: list[tuple[int, date, int]], paid_cents: int, as_of: date
) -> list[str]:
    """Paid/partial/overdue/due per instalment (seq, due_on, due_cents), oldest paid first.

    The same allocation as the snapshot (adapters/db/snapshot.py): instalment i is settled when
    the total paid covers the running total of the schedule through i.
    """
    states, running = [], 0
    for _seq, due_on, due in sorted(schedule, key=lambda s: (s[1], s[0])):
        running += due
        if paid_cents >= running:
            states.append("paid")
        elif paid_cents > running - due:
            states.append("partial")
        else:
            states.append("overdue" if due_on < as_of else "due")
    return states


def _borrower(
    conn: Connection, borrower_id: str, reveal: bool, unmask: frozenset[str] = frozenset()
) -> BorrowerView:
    b = conn.execute(select(borrowers).where(borrowers.c.id == borrower_id)).one()
    phones = tuple(p for p in (b.phones or "").split(";") if p)

    def shown(name: str) -> bool:
        return reveal or name in unmask

    return BorrowerView(
        id=b.id,
        name=b.name if shown("name") else mask_name(b.name),
        national_id=mask_national_id(b.national_id) if b.national_id else "",
        phones=phones if shown("phones") else tuple(mask_phone(p) for p in phones),
        email=(b.email or "") if shown("email") else ("***" if b.email else ""),
        address=(b.address or "") if shown("address") else "",
        city=b.city or "",
        timezone=b.timezone,
        revealed=reveal,
        unmasked=tuple(f for f in ("name", "phones", "email", "address") if f in unmask),
    )


def _schedule(
    conn: Connection, account_id: str, paid: int, as_of: date
) -> tuple[InstalmentView, ...]:
    rows = list(
        conn.execute(
            select(instalments)
            .where(instalments.c.account_id == account_id)
            .order_by(instalments.c.due_on, instalments.c.seq)
        )
    )
    dues = [(r.seq, r.due_on, r.principal_cents + r.interest_cents + r.fee_cents) for r in rows]
    states = instalment_states(dues, paid, as_of)
    return tuple(
        InstalmentView(r.seq, r.due_on, r.principal_cents, r.interest_cents, r.fee_cents, s)
        for r, s in zip(rows, states, strict=True)
    )


def _account(conn: Connection, a: Any, as_of: date) -> AccountView:
    pays = tuple(
        PaymentView(p.id, p.paid_on, p.amount_cents, p.channel)
        for p in conn.execute(
            select(payments)
            .where(payments.c.account_id == a.id)
            .order_by(payments.c.paid_on.desc(), payments.c.id)
        )
    )
    paid = sum(p.amount_cents for p in pays if p.paid_on <= as_of)
    return AccountView(
        id=a.id,
        product=a.product,
        lender=a.lender,
        lender_type=a.lender_type,
        currency=a.currency,
        principal_cents=a.principal_cents,
        interest_rate=a.interest_rate,
        disbursed_on=a.disbursed_on,
        dpd=a.dpd or 0,
        bucket=a.bucket or "M0",
        overdue_cents=a.overdue_cents or 0,
        outstanding_cents=a.outstanding_cents or 0,
        paid_cents=paid,
        schedule=_schedule(conn, a.id, paid, as_of),
        payments=pays,
    )


def _accounts(conn: Connection, borrower_id: str, as_of: date) -> tuple[AccountView, ...]:
    rows = conn.execute(
        select(
            accounts,
            account_status.c.dpd,
            account_status.c.bucket,
            account_status.c.overdue_cents,
            account_status.c.outstanding_cents,
        )
        .outerjoin(account_status, account_status.c.account_id == accounts.c.id)
        .where(accounts.c.borrower_id == borrower_id)
        .order_by(accounts.c.id)
    )
    return tuple(_account(conn, a, as_of) for a in list(rows))


def _event(row: Any, reveal: bool) -> EventView:
    try:
        data = json.loads(row.data)
    except ValueError:
        data = row.data
    return EventView(
        seq=row.seq,
        at=row.at,
        type=row.type,
        title=event_title(row.type),
        actor=row.actor if reveal else mask_text(row.actor),
        details=event_details(row.type, data, reveal=reveal),
        hash=row.hash,
    )


def _events(conn: Connection, case_id: str, reveal: bool) -> tuple[tuple[EventView, ...], int]:
    rows = conn.execute(
        select(case_events)
        .where(case_events.c.case_id == case_id)
        .order_by(case_events.c.seq.desc())
        .limit(EVENT_LIMIT)
    )
    views = tuple(_event(r, reveal) for r in rows)
    # seq runs 1..n without gaps (the chain guarantees it), so the newest seq is the count.
    return views, (views[0].seq if views else 0)


def _case_header(conn: Connection, case_id: str, scope: CaseScope) -> Any:
    return conn.execute(
        select(
            cases,
            borrowers.c.name.label("borrower_name"),
            borrowers.c.city.label("borrower_city"),
        )
        .join(borrowers, borrowers.c.id == cases.c.borrower_id)
        .where(cases.c.id == case_id, scope_condition(scope))
    ).first()


def case_detail(
    conn: Connection,
    case_id: str,
    *,
    today: date,
    scope: CaseScope = ALL_CASES,
    reveal: bool = False,
    unmask: frozenset[str] = frozenset(),
) -> CaseDetail | None:
    """Everything the case page shows, or None when the case does not exist in this scope
    (the console passes services.access.visible_cases; the portal, its borrower's own case).
    `unmask`: borrower fields (services.access.UNMASK_FIELDS) shown whole though `reveal` is
    False — the caller has logged the viewing first.

    Instalment states are read at the snapshot's date (so they agree with the DPD shown), or at
    `today` when the case has no snapshot yet.
    """
    row = _case_header(conn, case_id, scope)
    if row is None:
        return None
    as_of = row.status_as_of or today
    found = _accounts(conn, row.borrower_id, as_of)
    products = {row.borrower_id: tuple(sorted({a.product for a in found}))}
    events, count = _events(conn, case_id, reveal)
    return CaseDetail(
        case=case_row(row, products),
        opened_on=row.opened_on,
        status_as_of=row.status_as_of,
        borrower=_borrower(conn, row.borrower_id, reveal, unmask),
        accounts=found,
        events=events,
        event_count=count,
    )
