"""The console's read side (CQRS "views"): case lists, in SQLAlchemy Core (case page: case_query).

Lists page by keyset on (bucket, dpd, id), never by OFFSET, so page 10,000 costs what page 1
costs. Buckets are named so that text order is DPD order (M0 < M1 < ... < M6 < M7+) and every
bucket is a DPD range, so ordering by (bucket, dpd) *is* ordering by DPD — and the index
ix_cases_bucket_dpd serves it with or without a bucket filter. Totals are counted up to a cap.

Personal data leaves this module masked unless the caller passes `reveal=True`; lists never
reveal. The same SQL runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, tuple_
from sqlalchemy.engine import Connection

# The one rule's scope as SQL; re-exported here, where console pages look for it.
from fairdebt.adapters.db.case_scope import scope_condition as scope_condition
from fairdebt.adapters.db.tables import (
    accounts,
    borrowers,
    cases,
)
from fairdebt.domain.borrower import mask_name
from fairdebt.services.access import ALL_CASES, CaseScope

COUNT_CAP = 10_000
MAX_DPD = 1_000_000  # days past due a cursor may name (about 2,700 years)


class BadCursor(ValueError):
    """A cursor naming a DPD no case can have; the page answers 422."""


@dataclass(frozen=True, slots=True)
class CaseFilter:
    """What a list shows. `scope` is not a choice: the console sets it to the user's
    `services.access.visible_cases`; ALL_CASES is for callers that scoped already."""

    bucket: str | None = None
    product: str | None = None
    status: str | None = None
    q: str | None = None
    scope: CaseScope = ALL_CASES
    ascending: bool = False  # by DPD; the console's default is the worst first


@dataclass(frozen=True, slots=True)
class Cursor:
    bucket: str
    dpd: int
    id: str

    def encode(self) -> str:
        return f"{self.dpd}:{self.bucket}:{self.id}"

    @classmethod
    def decode(cls, text: str | None) -> Cursor | None:
        """Parse a cursor from a URL; a malformed one means "from the start". A DPD beyond
        MAX_DPD is BadCursor: no case is that late, and the database's integers would overflow."""
        parts = (text or "").split(":", 2)
        digits = parts[0]
        if len(parts) != 3 or not (digits.isascii() and digits.isdigit()):
            return None
        if len(digits) > len(str(MAX_DPD)) or int(digits) > MAX_DPD:
            raise BadCursor(text or "")
        return cls(bucket=parts[1], dpd=int(digits), id=parts[2])


@dataclass(frozen=True, slots=True)
class CaseRow:
    id: str
    borrower_id: str
    borrower: str  # masked
    city: str
    status: str
    assignee_kind: str | None
    assignee_id: str | None
    holds: tuple[str, ...]
    dpd: int
    bucket: str
    overdue_cents: int
    outstanding_cents: int
    products: tuple[str, ...]

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.bucket, self.dpd, self.id)


@dataclass(frozen=True, slots=True)
class CasePage:
    rows: tuple[CaseRow, ...]
    next: Cursor | None  # rows after this page, if any
    prev: Cursor | None  # rows before this page, if any


def _prefix(column: Any, text: str) -> ColumnElement[bool]:
    """`column` starts with `text`: a range the primary/unique index serves, made exact by LIKE."""
    upper = text[:-1] + chr(ord(text[-1]) + 1)
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return and_(column >= text, column < upper, column.like(escaped + "%", escape="\\"))


def _conditions(flt: CaseFilter) -> list[ColumnElement[bool]]:
    where = [scope_condition(flt.scope)]
    if flt.bucket:
        where.append(cases.c.bucket == flt.bucket)
    if flt.status:
        where.append(cases.c.status == flt.status)
    if flt.product:
        # EXISTS per case walks ix_accounts_borrower_id, so a page stops after `limit` matches.
        where.append(
            select(accounts.c.id)
            .where(accounts.c.borrower_id == cases.c.borrower_id)
            .where(accounts.c.product == flt.product)
            .exists()
        )
    q = (flt.q or "").strip()
    if q:
        where.append(or_(_prefix(cases.c.id, q), _prefix(cases.c.borrower_id, q)))
    return where


def _key(flt: CaseFilter, cursor: Cursor) -> tuple[Any, Any]:
    """The keyset columns and the cursor's values. With one bucket chosen, the bucket is fixed,
    and leaving it out lets the planner combine `bucket = ?` with the range on (dpd, id)."""
    if flt.bucket:
        return tuple_(cases.c.dpd, cases.c.id), tuple_(cursor.dpd, cursor.id)
    return (
        tuple_(cases.c.bucket, cases.c.dpd, cases.c.id),
        tuple_(cursor.bucket, cursor.dpd, cursor.id),
    )


def _page_query(flt: CaseFilter, after: Cursor | None, before: Cursor | None, limit: int) -> Any:
    descending = not flt.ascending
    where = _conditions(flt)
    # Walking backwards (a "previous" link) reads in the opposite order, then flips the rows.
    backwards = before is not None
    cursor = before if backwards else after
    if cursor is not None:
        key, bound = _key(flt, cursor)
        where.append(key < bound if descending != backwards else key > bound)
    reverse = descending != backwards
    order = [cases.c.bucket, cases.c.dpd, cases.c.id]
    return (
        select(
            cases,
            borrowers.c.name.label("borrower_name"),
            borrowers.c.city.label("borrower_city"),
        )
        .join(borrowers, borrowers.c.id == cases.c.borrower_id)
        .where(*where)
        .order_by(*(c.desc() if reverse else c.asc() for c in order))
        .limit(limit + 1)
    )


def _products_of(conn: Connection, borrower_ids: list[str]) -> dict[str, tuple[str, ...]]:
    found: dict[str, set[str]] = defaultdict(set)
    if borrower_ids:
        rows = conn.execute(
            select(accounts.c.borrower_id, accounts.c.product).where(
                accounts.c.borrower_id.in_(borrower_ids)
            )
        )
        for borrower_id, product in rows:
            found[borrower_id].add(product)
    return {b: tuple(sorted(p)) for b, p in found.items()}


def case_row(row: Any, products: dict[str, tuple[str, ...]]) -> CaseRow:
    return CaseRow(
        id=row.id,
        borrower_id=row.borrower_id,
        borrower=mask_name(row.borrower_name),
        city=row.borrower_city or "",
        status=row.status,
        assignee_kind=row.assignee_kind,
        assignee_id=row.assignee_id,
        holds=tuple(h for h in (row.holds or "").split(",") if h),
        dpd=row.dpd,
        bucket=row.bucket,
        overdue_cents=row.overdue_cents,
        outstanding_cents=row.outstanding_cents,
        products=products.get(row.borrower_id, ()),
    )


def list_cases(
    conn: Connection,
    flt: CaseFilter,
    *,
    after: Cursor | None = None,
    before: Cursor | None = None,
    limit: int = 50,
) -> CasePage:
    """One page of cases by DPD, after or before a cursor; personal data masked."""
    fetched = list(conn.execute(_page_query(flt, after, before, limit)))
    more = len(fetched) > limit
    fetched = fetched[:limit]
    if before is not None:
        fetched.reverse()
    products = _products_of(conn, [r.borrower_id for r in fetched])
    rows = tuple(case_row(r, products) for r in fetched)
    if not rows:
        return CasePage(rows, None, None)
    if before is not None:
        return CasePage(rows, next=rows[-1].cursor, prev=rows[0].cursor if more else None)
    has_prev = after is not None
    return CasePage(
        rows, next=rows[-1].cursor if more else None, prev=rows[0].cursor if has_prev else None
    )


def count_cases(conn: Connection, flt: CaseFilter, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many cases match, counted up to `cap` (returns (cap, True) beyond it)."""
    inner = select(cases.c.id).where(*_conditions(flt)).limit(cap + 1).subquery()
    n = conn.execute(select(func.count()).select_from(inner)).scalar_one()
    return (cap, True) if n > cap else (n, False)
