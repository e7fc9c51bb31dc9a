"""`fairdebt model train` on a generated portfolio, and strategies that score with the model.

The generator's borrowers follow behaviours (always, late curer, roll forward, never…) that
show in their payment history, so a model of "pays within 30 days" must rank the unseen
holdout month well, and better than the hand-written points scorecard does on the same rows.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from fairdebt.errors import FairdebtError
from fairdebt.strategy.backend import connect
from fairdebt.strategy.config import DEFAULT_PATH, load_strategy
from fairdebt.strategy.inputs import read_portfolio
from fairdebt.strategy.model import CARD_JSON, CARD_MD, MODEL_FILE, TrainOptions, train_model
from fairdebt.strategy.run import Timer, compute_plan

AS_OF = date(2026, 11, 24)
BANDS = """scorecard:
  model: model.txt
  bands:
    - {name: low, max: 499}
    - {name: medium, max: 799}
    - {name: high}

"""


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from fairdebt.demo.generate import generate_portfolio

    folder = tmp_path_factory.mktemp("portfolio")
    generate_portfolio(5_000, folder, seed=3, as_of=AS_OF)
    return folder


@pytest.fixture(scope="module")
def trained(portfolio: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("model")
    return out, train_model(portfolio, out, TrainOptions(AS_OF, snapshots=6, horizon=30))


@pytest.fixture(scope="module")
def model_strategy(trained: tuple[Path, dict]) -> Path:
    """The shipped ladder with its points scorecard swapped for the trained model."""
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    start, end = text.index("scorecard:"), text.index("segments:")
    path = trained[0] / "model-ladder.yaml"
    path.write_text(text[:start] + BANDS + text[end:], encoding="utf-8")
    return path


def _plan(kind: str, portfolio: Path, strategy: Path) -> pa.Table:
    backend = connect(kind)
    try:
        inputs = read_portfolio(backend, portfolio)
        plan = compute_plan(backend, inputs, AS_OF, load_strategy(strategy), Timer())
    finally:
        backend.close()
    return plan.sort_by("account_id")


def test_model_ranks_the_unseen_holdout_month_well_and_beats_the_points_scorecard(
    trained: tuple[Path, dict],
) -> None:
    card = trained[1]

    assert card["rows_holdout"] > 2_000 and card["rows_train"] > 4 * card["rows_holdout"]
    assert 0.5 < card["positive_rate_holdout"] < 0.95  # both outcomes are common
    assert card["auc_holdout"] > 0.8
    assert card["auc_holdout"] > card["auc_holdout_points_scorecard"] + 0.05
    assert card["auc_holdout_delinquent"] > 0.7  # it also ranks the accounts that are late


def test_card_has_every_section_in_json_and_markdown(trained: tuple[Path, dict]) -> None:
    out, card = trained
    on_disk = json.loads((out / CARD_JSON).read_text(encoding="utf-8"))
    markdown = (out / CARD_MD).read_text(encoding="utf-8")

    assert on_disk == json.loads(json.dumps(card, default=str))
    assert card["trained_on"].startswith("2026-05-25") and card["holdout"].startswith("2026-10-25")
    assert set(card["feature_importance"]) == set(card["features"])
    assert max(card["feature_importance"], key=card["feature_importance"].get) in (
        "dpd",
        "days_since_last_payment",
        "payments_90d",
    )
    groups = {(r["group"], r["value"]) for r in card["outcome_rates"]}
    assert {("sex", "female"), ("sex", "male"), ("age band", "25–34")} <= groups
    assert (
        sum(r["rows"] for r in card["outcome_rates"] if r["group"] == "sex") == card["rows_holdout"]
    )
    assert "sex" not in card["features"] and card["caveats"]
    for heading in ("# Model card", "## Feature importance", "## Outcome rates", "## Caveats"):
        assert heading in markdown
    assert (out / MODEL_FILE).read_text(encoding="utf-8").startswith("tree\n")


@pytest.mark.slow
def test_training_twice_gives_the_same_model_byte_for_byte(
    portfolio: Path, trained: tuple[Path, dict], tmp_path: Path
) -> None:
    again = train_model(portfolio, tmp_path, TrainOptions(AS_OF, snapshots=6, horizon=30))

    assert again["model_sha256"] == trained[1]["model_sha256"]
    assert again["auc_holdout"] == trained[1]["auc_holdout"]


def test_a_strategy_with_the_model_scores_every_account_in_per_mille_bands(
    portfolio: Path, model_strategy: Path
) -> None:
    plan = _plan("duckdb", portfolio, model_strategy).to_pylist()
    scores = [row["score"] for row in plan]
    current = [r["score"] for r in plan if r["bucket"] == "M0" and r["outstanding_cents"] > 0]
    written_off = [r["score"] for r in plan if r["bucket"] == "M7+"]

    assert len(plan) == 5_000 and all(0 <= s <= 1000 for s in scores)
    assert len(set(scores)) > 50  # a real ranking, not a constant
    for row in plan:
        band = "low" if row["score"] <= 499 else "medium" if row["score"] <= 799 else "high"
        assert row["score_band"] == band
    assert sum(current) / len(current) > sum(written_off) / len(written_off) + 300


@pytest.mark.slow
def test_duckdb_and_spark_give_the_same_model_scores(portfolio: Path, model_strategy: Path) -> None:
    columns = ["account_id", "score", "score_band", "segment", "treatment"]
    duck = _plan("duckdb", portfolio, model_strategy).select(columns).to_pylist()
    spark = _plan("pyspark", portfolio, model_strategy).select(columns).to_pylist()

    assert duck == spark


def test_cli_trains_then_runs_and_explains_with_the_model(
    portfolio: Path, model_strategy: Path, tmp_path: Path, fairdebt
) -> None:
    trained = fairdebt(
        "model", "train", "--portfolio", str(portfolio), "--as-of", "2026-11-24",
        "--out", str(tmp_path), "--snapshots", "3", "-q",
    )  # fmt: skip
    checked = fairdebt("strategy", "check", str(model_strategy))
    run = fairdebt(
        "strategy", "run", "--as-of", "2026-11-24", "--portfolio", str(portfolio),
        "--strategy", str(model_strategy), "-q",
    )  # fmt: skip
    explained = fairdebt(
        "strategy", "run", "--as-of", "2026-11-24", "--portfolio", str(portfolio),
        "--strategy", str(model_strategy), "--explain", "A0000000002",
    )  # fmt: skip

    assert trained.returncode == 0, trained.stderr
    assert "AUC on the holdout" in trained.stdout and "outcome rates" in trained.stdout
    assert (tmp_path / MODEL_FILE).is_file() and (tmp_path / CARD_MD).is_file()
    assert checked.returncode == 0 and "0 error(s)" in checked.stderr
    assert run.returncode == 0, run.stderr
    assert "5,000" in run.stdout
    assert explained.returncode == 0, explained.stderr
    assert "from the model" in explained.stdout and "model.txt" in explained.stdout


def test_missing_portfolio_is_one_clean_error(tmp_path: Path, fairdebt) -> None:
    done = fairdebt(
        "model", "train", "--portfolio", str(tmp_path / "nowhere"), "--as-of", "2026-11-24",
        "--out", str(tmp_path / "m"),
    )  # fmt: skip

    assert done.returncode == 2
    assert done.stderr.startswith("error: not a folder:") and "hint:" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "m").exists()


def test_strategy_check_points_at_the_line_of_a_missing_or_mixed_model(
    tmp_path: Path, fairdebt
) -> None:
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    start, end = text.index("scorecard:"), text.index("segments:")
    missing = tmp_path / "missing.yaml"
    missing.write_text(text[:start] + BANDS + text[end:], encoding="utf-8")
    mixed = tmp_path / "mixed.yaml"
    mixed.write_text(
        text[:start] + BANDS.replace("  bands:", "  base: 600\n  bands:") + text[end:],
        encoding="utf-8",
    )
    line = text[:start].count("\n") + 2  # the line below `scorecard:`, where `model:` is

    gone = fairdebt("strategy", "check", str(missing))
    both = fairdebt("strategy", "check", str(mixed))

    assert gone.returncode == 2
    assert f"missing.yaml:{line}: scorecard.model: model file not found" in gone.stdout
    assert both.returncode == 2
    assert f"mixed.yaml:{line}: scorecard: a scorecard is either points" in both.stdout


def test_without_lightgbm_training_says_so_in_one_line(
    portfolio: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "lightgbm", None)  # what `import lightgbm` sees uninstalled

    with pytest.raises(FairdebtError) as raised:
        train_model(portfolio, tmp_path, TrainOptions(AS_OF))

    assert "LightGBM is not installed" in raised.value.cause
    assert "uv sync --group dev" in (raised.value.hint or "")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (TrainOptions(AS_OF, snapshots=1), "need at least 2"),
        (TrainOptions(AS_OF, horizon=0), "--horizon 0"),
        (TrainOptions(date(2020, 1, 1)), "no accounts owing"),
    ],
)
def test_bad_training_options_are_clean_errors(
    portfolio: Path, tmp_path: Path, options: TrainOptions, message: str
) -> None:
    with pytest.raises(FairdebtError) as raised:
        train_model(portfolio, tmp_path, options)

    assert message in raised.value.cause


def test_strategy_check_warns_when_model_bands_pass_the_per_mille_scale(
    model_strategy: Path,
    fairdebt,
) -> None:
    text = model_strategy.read_text(encoding="utf-8")
    wide = model_strategy.with_name("wide.yaml")
    wide.write_text(text.replace("max: 799}", "max: 1200}"), encoding="utf-8")

    done = fairdebt("strategy", "check", str(wide))

    assert done.returncode == 0, done.stdout
    assert "scorecard.bands[1].max: band 'medium' reaches 1200" in done.stdout
    assert "0 error(s), 1 warning(s)" in done.stderr
