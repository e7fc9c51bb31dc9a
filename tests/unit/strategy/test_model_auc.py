"""The holdout AUC of the propensity model, by the rank formula, against hand-worked cases."""

from __future__ import annotations

import itertools
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from fairdebt.strategy.model import TrainOptions, auc, months_before, snapshot_days


def pairwise_auc(labels: list[int], scores: list[float]) -> float:
    """The definition: P(payer scores above non-payer), ties counting one half."""
    pos = [s for y, s in zip(labels, scores, strict=True) if y]
    neg = [s for y, s in zip(labels, scores, strict=True) if not y]
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in itertools.product(pos, neg))
    return wins / (len(pos) * len(neg))


def test_auc_is_one_when_every_payer_scores_above_every_non_payer() -> None:
    assert auc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0


def test_auc_is_zero_when_the_ranking_is_reversed() -> None:
    assert auc([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9]) == 0.0


def test_auc_of_a_hand_example_with_one_misordered_pair() -> None:
    # payers 0.35, 0.8; non-payers 0.1, 0.4: of 4 pairs, (0.35 vs 0.4) is the one lost -> 3/4
    assert auc([0, 1, 0, 1], [0.1, 0.35, 0.4, 0.8]) == 0.75


def test_a_tie_between_a_payer_and_a_non_payer_counts_one_half() -> None:
    # ranks: 0.2 -> 1, the two 0.5s share (2 + 3) / 2 = 2.5; payer rank sum 2.5
    # AUC = (2.5 - 1) / (1 * 2) = 0.75: beats 0.2 (1), ties 0.5 (1/2)
    assert auc([0, 1, 0], [0.2, 0.5, 0.5]) == 0.75


def test_auc_of_a_constant_score_is_one_half() -> None:
    assert auc([0, 1, 1, 0, 1], [3.0] * 5) == 0.5


def test_auc_is_undefined_without_both_classes() -> None:
    assert auc([1, 1], [0.2, 0.3]) is None
    assert auc([0, 0], [0.2, 0.3]) is None
    assert auc([], []) is None


@given(
    st.lists(
        st.tuples(st.integers(0, 1), st.integers(0, 6).map(lambda k: k / 4)), min_size=2
    ).filter(lambda rows: 0 < sum(y for y, _ in rows) < len(rows))
)
def test_rank_formula_equals_the_pairwise_definition_with_ties(rows) -> None:
    labels = [y for y, _ in rows]
    scores = [s for _, s in rows]

    assert abs(auc(labels, scores) - pairwise_auc(labels, scores)) < 1e-12


def test_snapshots_are_monthly_and_end_a_horizon_before_as_of() -> None:
    days = snapshot_days(TrainOptions(date(2026, 11, 24), snapshots=3, horizon=30))

    assert days == [date(2026, 8, 25), date(2026, 9, 25), date(2026, 10, 25)]


def test_months_before_crosses_years_and_keeps_days_that_exist() -> None:
    assert months_before(date(2026, 3, 31), 2) == date(2026, 1, 28)
    assert months_before(date(2026, 1, 15), 1) == date(2025, 12, 15)
