"""Strategy runs through the StrategyRunRepository port, on the in-memory unit of work: plans are
stored and read back, an as_of is run once unless replaced, and the report compares two runs."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest
from fakes import FakeUnitOfWork

from fairdebt.strategy import store
from fairdebt.strategy.config import load_strategy
from fairdebt.strategy.report import build_report

EARLIER, AS_OF = date(2026, 10, 24), date(2026, 11, 24)
YAML = load_strategy().source.text


def _plan(buckets: list[str], *, roll: str = "stay", collected: int = 0) -> pa.Table:
    n = len(buckets)
    return pa.table(
        {
            "account_id": [f"A{i:03d}" for i in range(n)],
            "borrower_id": [f"B{i:03d}" for i in range(n)],
            "bucket": buckets,
            "roll": [roll] * n,
            "overdue_cents": [1_000] * n,
            "outstanding_cents": [5_000] * n,
            "paid_cents": [0] * n,
            "collected_cents": [collected] * n,
            "complaints": [0] * n,
            "arm": ["control" if i % 2 else "treatment" for i in range(n)],
            "segment": ["standard"] * n,
            "treatment": ["sms_first" if b == "M1" else "call_first" for b in buckets],
        }
    )


def _record(run_id: str, as_of: date, accounts: int) -> store.RunRecord:
    return store.RunRecord(
        run_id=run_id,
        as_of=as_of,
        strategy_name="default-ladder",
        strategy_sha256="0" * 64,
        strategy_yaml=YAML,
        backend="duckdb",
        source="test",
        accounts=accounts,
        started_at=f"{as_of}T01:00:00+00:00",
        finished_at=f"{as_of}T01:01:00+00:00",
    )


def _save(uow: FakeUnitOfWork, run_id: str, as_of: date, plan: pa.Table, **kw: bool) -> str | None:
    return store.save(uow, _record(run_id, as_of, plan.num_rows), plan.to_batches(2), **kw)


def test_a_runs_plan_is_stored_and_read_back() -> None:
    uow = FakeUnitOfWork()
    plan = _plan(["M1", "M2", "M1"])
    counted: list[int] = []

    superseded = store.save(
        uow, _record("r1", AS_OF, 3), plan.to_batches(2), on_rows=counted.append
    )

    assert superseded is None and uow.commits == 1 and counted == [2, 1]
    assert store.current_run(uow, AS_OF) == "r1"
    info = store.run_info(uow)
    assert info is not None and info["id"] == "r1" and info["status"] == "current"
    assert store.load_plan(uow, "r1").equals(plan)
    assert store.load_plan(uow, "r1", ["account_id", "bucket"]).column("bucket").to_pylist() == [
        "M1",
        "M2",
        "M1",
    ]


def test_an_as_of_already_run_is_refused_and_nothing_is_written() -> None:
    uow = FakeUnitOfWork()
    _save(uow, "r1", AS_OF, _plan(["M1"]))

    with pytest.raises(store.AlreadyRunError) as caught:
        _save(uow, "r2", AS_OF, _plan(["M2"]))
    with pytest.raises(store.AlreadyRunError):
        store.ensure_can_run(uow, AS_OF, replace=False)

    assert "r1" in caught.value.cause and "--replace" in caught.value.hint
    assert store.run_info(uow, "r2") is None and uow.commits == 1
    store.ensure_can_run(uow, AS_OF, replace=True)  # replacing is allowed


def test_replace_supersedes_the_old_run() -> None:
    uow = FakeUnitOfWork()
    _save(uow, "r1", AS_OF, _plan(["M1"]))

    superseded = _save(uow, "r2", AS_OF, _plan(["M2"]), replace=True)

    assert superseded == "r1"
    assert store.run_info(uow)["id"] == "r2"  # type: ignore[index]
    assert store.run_info(uow, "r1")["status"] == "superseded"  # type: ignore[index]
    assert store.run_info(uow, "r2")["supersedes"] == "r1"  # type: ignore[index]


def test_the_previous_plan_is_that_of_the_latest_earlier_as_of() -> None:
    uow = FakeUnitOfWork()
    assert store.previous_plan(uow, AS_OF) is None
    _save(uow, "old", date(2026, 9, 24), _plan(["M3"]))
    _save(uow, "prev", EARLIER, _plan(["M1", "M2"]))
    _save(uow, "now", AS_OF, _plan(["M1", "M1"]))

    found = store.previous_plan(uow, AS_OF)

    assert found is not None
    run_id, day, table = found
    assert (run_id, day) == ("prev", EARLIER)
    assert table.column_names == ["account_id", "prev_bucket", "prev_paid_cents"]
    assert table.column("prev_bucket").to_pylist() == ["M1", "M2"]


def test_the_report_rolls_the_current_plan_against_the_previous_one() -> None:
    uow = FakeUnitOfWork()
    _save(uow, "prev", EARLIER, _plan(["M1", "M1", "M2", "M2"]))
    _save(uow, "now", AS_OF, _plan(["M0", "M2", "M2", "M3"], roll="cured", collected=500))

    report = build_report(uow)

    assert report.run["id"] == "now" and report.previous_run == "prev"
    assert report.rolls == {"M1": {"M0": 1, "M2": 1}, "M2": {"M2": 1, "M3": 1}}
    assert [(b["bucket"], b["accounts"]) for b in report.buckets] == [
        ("M0", 1),
        ("M2", 2),
        ("M3", 1),
    ]
    assert sum(a.accounts for a in report.arms) == 4


def test_a_report_of_an_unknown_run_says_so() -> None:
    from fairdebt.errors import FairdebtError

    with pytest.raises(FairdebtError) as caught:
        build_report(FakeUnitOfWork(), "nope")

    assert "no strategy run 'nope'" in caught.value.cause
