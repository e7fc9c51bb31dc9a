"""Buckets, rolls, scorecard points and segment conditions, evaluated by DuckDB."""

from __future__ import annotations

import ibis
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fairdebt.domain.delinquency import bucket_of as domain_bucket
from fairdebt.strategy.config import DEFAULT_BUCKETS, load_strategy, load_text
from fairdebt.strategy.roll import roll_expr, roll_of
from fairdebt.strategy.score import points_of, with_score
from fairdebt.strategy.segment import condition_exprs, with_segments
from fairdebt.strategy.snapshot import bucket_of

BUCKETS = list(DEFAULT_BUCKETS)
CON = ibis.duckdb.connect()


def _run(table: pa.Table, **columns) -> list[dict]:
    t = ibis.memtable(table)
    return CON.to_pyarrow(t.mutate(**{k: f(t) for k, f in columns.items()})).to_pylist()


def test_buckets_follow_the_issue_and_the_domain_at_every_edge() -> None:
    dpds = [0, 1, 30, 31, 60, 61, 90, 120, 150, 151, 180, 181, 5000]

    rows = _run(pa.table({"dpd": dpds}), bucket=lambda t: bucket_of(t.dpd, BUCKETS))

    assert [r["bucket"] for r in rows] == [domain_bucket(d) for d in dpds]
    assert [r["bucket"] for r in rows][:4] == ["M0", "M1", "M1", "M2"]
    assert rows[-2]["bucket"] == "M7+"


def test_configured_buckets_replace_the_default() -> None:
    strategy = load_text(
        "name: t\nbuckets: [{name: ok, max_dpd: 5}, {name: late}]\n"
        "segments: [{name: all, treatment: none}]\ntreatments: {none: {}}\n"
    ).strategy

    rows = _run(pa.table({"dpd": [5, 6]}), bucket=lambda t: bucket_of(t.dpd, strategy.buckets))

    assert [r["bucket"] for r in rows] == ["ok", "late"]


@pytest.mark.parametrize(
    ("before", "now", "roll"),
    [
        (None, "M1", "new"),
        ("M1", "M2", "forward"),
        ("M2", "M2", "stay"),
        ("M3", "M1", "back"),
        ("M4", "M0", "cured"),
        ("M0", "M0", "stay"),
        ("M0", "M1", "forward"),
    ],
)
def test_rolls_compare_bucket_positions(before, now, roll) -> None:
    table = pa.table({"bucket": [now], "prev": pa.array([before], pa.string())})

    rows = _run(table, roll=lambda t: roll_expr(t.bucket, t.prev, BUCKETS))

    assert rows[0]["roll"] == roll == roll_of(now, before, BUCKETS)


def test_scorecard_adds_the_points_of_each_characteristics_bin() -> None:
    card = load_strategy().strategy.scorecard
    row = {
        "dpd": 5,
        "payments_count": 0,
        "days_since_last_payment": 99_999,
        "broken_promises": 3,
        "overdue_cents": 100_001,
        "product": "micro_loan",
    }

    got = _run(pa.table({k: [v] for k, v in row.items()}), x=lambda t: ibis.literal(1))
    scored = CON.to_pyarrow(with_score(ibis.memtable(pa.Table.from_pylist(got)), card)).to_pylist()

    # 600 base + 60 (dpd ≤ 7) - 30 (no payment) - 20 (never paid) - 50 (3 broken)
    # + 0 (overdue 1000.01 yuan: above 1000, not above 10000) - 10 (micro loan) = 550
    assert scored[0]["score"] == 550
    assert scored[0]["score"] == card.base + sum(points_of(row, c) for c in card.characteristics)
    assert scored[0]["score_band"] == "medium"  # low is up to 549


@given(overdue=st.integers(0, 3_000_000), dpd=st.integers(0, 400))
def test_pure_points_agree_with_the_money_thresholds_in_cents(overdue, dpd) -> None:
    card = load_strategy().strategy.scorecard
    by_feature = {c.feature: c for c in card.characteristics}
    row = {"overdue_cents": overdue, "dpd": dpd}

    points = points_of(row, by_feature["overdue"])

    expected = 20 if overdue <= 100_000 else 0 if overdue <= 1_000_000 else -20
    assert points == expected


def test_the_first_matching_segment_wins_and_an_arm_can_swap_the_treatment() -> None:
    strategy = load_strategy().strategy
    base = {
        "bucket": "M1",
        "dpd": 3,
        "holds": "",
        "limitation": "in_time",
        "broken_promises": 0,
        "score_band": "high",
        "outstanding_cents": 0,
        "overdue_cents": 0,
        "roll": "new",
    }
    rows = [
        dict(base, arm="champion"),
        dict(base, arm="early_call"),
        dict(base, arm="champion", holds="complaint"),
        dict(base, arm="champion", bucket="M0"),
    ]

    out = CON.to_pyarrow(with_segments(ibis.memtable(pa.Table.from_pylist(rows)), strategy))

    got = [(r["segment"], r["treatment"]) for r in out.to_pylist()]
    assert got == [
        ("m1_early", "reminder_sms"),
        ("m1_early", "calls"),
        ("on_hold", "hold"),
        ("current", "none"),
    ]
    assert out.column("channels").to_pylist()[:2] == ["sms,app_push", "sms,call"]
    assert out.column("priority").to_pylist() == [7, 4, 9, 9]


def test_holds_conditions_match_whole_words_only() -> None:
    strategy = load_text(
        "name: t\nsegments: [{name: c, when: {holds: [complaint]}, treatment: none}]\n"
        "treatments: {none: {}}\n"
    ).strategy
    t = ibis.memtable(pa.table({"holds": ["complaint", "dispute,complaint", "complaints", ""]}))

    ((label, expr),) = condition_exprs(t, strategy.segments[0].when)

    assert CON.to_pyarrow(t.select(m=expr)).column("m").to_pylist() == [True, True, False, False]
    assert label == "holds ['complaint']"
