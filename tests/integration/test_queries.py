"""The console's read side on real SQLite and PostgreSQL: order, keyset paging, filters, scope."""

from __future__ import annotations

from datetime import date

import console_data
import pytest
from console_data import DPD_PLAN, PRODUCTS, agency_of
from sqlalchemy import insert

from fairdebt.adapters.db import tables as t
from fairdebt.domain.case import Assignee, AssigneeKind
from fairdebt.domain.delinquency import bucket_of
from fairdebt.services.access import CaseScope
from fairdebt.web.case_query import case_detail, instalment_states
from fairdebt.web.queries import CaseFilter, count_cases, list_cases


@pytest.fixture
def portfolio(engine):
    with engine.begin() as conn:
        return console_data.build(conn)


def walk(conn, flt: CaseFilter, limit: int = 7) -> list[str]:
    """Every case id, page by page through `next` cursors."""
    seen, page = [], list_cases(conn, flt, limit=limit)
    while True:
        seen += [r.id for r in page.rows]
        if page.next is None:
            return seen
        page = list_cases(conn, flt, after=page.next, limit=limit)


def dpd_of(case_id: str) -> int:
    return DPD_PLAN[int(case_id[3:]) % len(DPD_PLAN)]


def test_pages_cover_every_case_once_worst_first(engine, portfolio):
    with engine.connect() as conn:
        seen = walk(conn, CaseFilter())

    assert sorted(seen) == sorted(portfolio.case_ids)
    assert [dpd_of(c) for c in seen] == sorted((dpd_of(c) for c in seen), reverse=True)


def test_ascending_order_is_the_exact_reverse(engine, portfolio):
    with engine.connect() as conn:
        down = walk(conn, CaseFilter())
        up = walk(conn, CaseFilter(ascending=True), limit=11)

    assert up == list(reversed(down))


def test_previous_page_returns_the_same_rows_as_before(engine, portfolio):
    with engine.connect() as conn:
        first = list_cases(conn, CaseFilter(), limit=7)
        second = list_cases(conn, CaseFilter(), after=first.next, limit=7)
        third = list_cases(conn, CaseFilter(), after=second.next, limit=7)
        back = list_cases(conn, CaseFilter(), before=third.prev, limit=7)
        back_again = list_cases(conn, CaseFilter(), before=back.prev, limit=7)

    assert back.rows == second.rows
    assert back_again.rows == first.rows
    assert back_again.prev is None and first.prev is None


@pytest.mark.parametrize("bucket", ["M0", "M2", "M6", "M7+"])
def test_a_bucket_filter_pages_within_the_bucket(engine, portfolio, bucket):
    flt = CaseFilter(bucket=bucket)

    with engine.connect() as conn:
        seen = walk(conn, flt, limit=3)
        total = count_cases(conn, flt)

    wanted = {c for c in portfolio.case_ids if bucket_of(dpd_of(c)) == bucket}
    assert set(seen) == wanted and len(seen) == len(wanted)
    assert total == (len(wanted), False)


def test_product_status_and_agency_filters(engine, portfolio):
    with engine.connect() as conn:
        micro = set(walk(conn, CaseFilter(product="micro_loan")))
        placed = set(walk(conn, CaseFilter(status="placed")))
        east = set(
            walk(
                conn, CaseFilter(scope=CaseScope(assignee=Assignee(AssigneeKind.AGENCY, "AG-EAST")))
            )
        )

    assert micro == {c for i, c in enumerate(portfolio.case_ids) if PRODUCTS[i % 3] == "micro_loan"}
    assert placed == {c for i, c in enumerate(portfolio.case_ids) if agency_of(i)}
    assert east == set(portfolio.agency_cases["AG-EAST"])


def test_a_product_filter_matches_any_account_of_the_case(engine, portfolio):
    extra = {
        "id": "A-EXTRA",
        "borrower_id": "B0000",  # case 0 is a credit card case
        "product": "micro_loan",
        "lender": "L",
        "lender_type": "microloan",
        "currency": "CNY",
        "principal_cents": 100,
        "interest_rate": "0.1",
        "penalty_rate": "0",
        "fee_rate": "0",
        "contract_date": date(2025, 1, 1),
        "disbursed_on": date(2025, 1, 1),
    }
    with engine.begin() as conn:
        conn.execute(insert(t.accounts), [extra])

    with engine.connect() as conn:
        micro = walk(conn, CaseFilter(product="micro_loan"))
        cards = walk(conn, CaseFilter(product="credit_card"))
        row = next(r for r in list_cases(conn, CaseFilter(q="C-B0000")).rows)

    assert "C-B0000" in micro and "C-B0000" in cards
    assert row.products == ("credit_card", "micro_loan")


def test_search_is_a_literal_prefix_of_case_or_borrower_id(engine, portfolio):
    with engine.connect() as conn:
        by_case = set(walk(conn, CaseFilter(q="C-B003")))
        by_borrower = set(walk(conn, CaseFilter(q="B0041")))
        wildcard = walk(conn, CaseFilter(q="C-B00_1"))
        percent = walk(conn, CaseFilter(q="%"))

    assert by_case == {f"C-B003{n}" for n in range(10)}
    assert by_borrower == {"C-B0041"}
    assert wildcard == [] and percent == []


def test_counts_stop_at_the_cap(engine, portfolio):
    with engine.connect() as conn:
        assert count_cases(conn, CaseFilter()) == (60, False)
        assert count_cases(conn, CaseFilter(), cap=25) == (25, True)


def test_list_rows_carry_masked_names_and_the_snapshot(engine, portfolio):
    with engine.connect() as conn:
        rows = list_cases(conn, CaseFilter(), limit=60).rows

    for row in rows:
        assert row.borrower != portfolio.names[row.id]
        assert row.borrower[0] == portfolio.names[row.id][0] and set(row.borrower[1:]) == {"*"}
        assert row.dpd == dpd_of(row.id) and row.bucket == bucket_of(row.dpd)


def test_case_detail_has_accounts_schedule_payments_and_events(engine, portfolio):
    case_id = portfolio.agency_cases["AG-EAST"][0]
    late_id = "C-B0014"  # 260 days past due: the third instalment on are overdue

    with engine.connect() as conn:
        detail = case_detail(conn, case_id, today=console_data.AS_OF, reveal=True)
        late = case_detail(conn, late_id, today=console_data.AS_OF)

    assert detail is not None
    assert detail.borrower.name == portfolio.names[case_id]
    assert detail.borrower.phones == (portfolio.phones[case_id],)
    (account,) = detail.accounts
    # case 0 is current: two instalments paid, the next falls due ten days after AS_OF
    assert [i.state for i in account.schedule] == ["paid", "paid", "due", "due", "due", "due"]
    assert len(account.payments) == 2
    assert late is not None and late.case.dpd == 260
    assert [i.state for i in late.accounts[0].schedule] == ["paid"] * 2 + ["overdue"] * 4
    assert [e.seq for e in detail.events] == [2, 1] and detail.event_count == 2
    assert detail.events[0].type == "case_assigned"


def test_case_detail_masks_unless_revealed_and_respects_agency_scope(engine, portfolio):
    east, west = portfolio.agency_cases["AG-EAST"][0], portfolio.agency_cases["AG-WEST"][0]

    scope = CaseScope(assignee=Assignee(AssigneeKind.AGENCY, "AG-EAST"))
    with engine.connect() as conn:
        masked = case_detail(conn, east, today=console_data.AS_OF, scope=scope)
        hidden = case_detail(conn, west, today=console_data.AS_OF, scope=scope)
        missing = case_detail(conn, "C-NONE", today=console_data.AS_OF)

    assert masked is not None and not masked.borrower.revealed
    assert masked.borrower.name != portfolio.names[east]
    assert masked.borrower.phones[0].endswith(portfolio.phones[east][-4:])
    assert "****" in masked.borrower.phones[0] and masked.borrower.address == ""
    assert hidden is None and missing is None


def test_instalment_states_allocate_oldest_first():
    schedule = [(1, date(2026, 1, 1), 100), (2, date(2026, 2, 1), 100), (3, date(2026, 3, 1), 100)]

    assert instalment_states(schedule, 150, date(2026, 2, 15)) == ["paid", "partial", "due"]
    assert instalment_states(schedule, 0, date(2026, 2, 15)) == ["overdue", "overdue", "due"]
    assert instalment_states(schedule, 300, date(2026, 2, 15)) == ["paid", "paid", "paid"]
    assert instalment_states(schedule, 100, date(2026, 3, 1)) == ["paid", "overdue", "due"]
