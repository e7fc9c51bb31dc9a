"""Strategy files: every error with file:line and field path; warnings for segments that misfire."""

from __future__ import annotations

import pytest

from fairdebt.errors import InputFileError
from fairdebt.strategy.check import check_text
from fairdebt.strategy.config import DEFAULT_PATH, StrategyError, load_strategy, load_text

MINIMAL = """\
name: t
segments:
  - name: late
    when: {bucket: [M1]}
    treatment: sms
  - name: rest
    treatment: none
treatments:
  sms:
    actions: [{channel: sms}]
  none: {}
"""


def test_the_shipped_default_strategy_loads_and_checks_clean() -> None:
    loaded = load_strategy()
    report = check_text(DEFAULT_PATH.read_text(encoding="utf-8"), "default.yaml")

    assert [b.name for b in loaded.strategy.buckets][:2] == ["M0", "M1"]
    assert report.errors == [] and report.warnings == []


def test_buckets_default_to_m0_through_m7_plus() -> None:
    strategy = load_text(MINIMAL).strategy

    assert [(b.name, b.max_dpd) for b in strategy.buckets] == [
        ("M0", 0),
        ("M1", 30),
        ("M2", 60),
        ("M3", 90),
        ("M4", 120),
        ("M5", 150),
        ("M6", 180),
        ("M7+", None),
    ]


def test_every_error_is_reported_with_its_line_and_field_path() -> None:
    text = MINIMAL.replace("{bucket: [M1]}", "{bucket: [M1], dpd: {min: 40, max: 10}}").replace(
        "channel: sms", "channel: pigeon"
    )

    report = check_text(text, "s.yaml")

    found = {(p.line, p.path) for p in report.errors}
    assert (4, "segments[0].when.dpd") in found
    assert (10, "segments") not in found
    assert any(
        p.line == 10 and p.path.startswith("treatments.sms.actions[0].channel")
        for p in report.errors
    )
    assert len(report.errors) == 2


def test_a_typo_in_a_field_name_is_an_error_on_its_line() -> None:
    text = MINIMAL.replace("    treatment: none", "    treatmnet: none")

    report = check_text(text, "s.yaml")

    paths = {(p.line, p.path, p.message.split(" (")[0]) for p in report.errors}
    assert (7, "segments[1].treatmnet", "unknown field") in paths
    assert any(
        p.path == "segments[1].treatment" and "Field required" in p.message for p in report.errors
    )


def test_unknown_names_are_errors_pointing_at_the_reference() -> None:
    text = MINIMAL.replace("bucket: [M1]", "bucket: [M9]").replace(
        "treatment: sms", "treatment: fax"
    )

    report = check_text(text, "s.yaml")

    by_path = {p.path: p for p in report.errors}
    assert by_path["segments[0].when.bucket[0]"].line == 4
    assert "unknown bucket 'M9'" in by_path["segments[0].when.bucket[0]"].message
    assert by_path["segments[0].treatment"].line == 5


def test_arm_percentages_must_add_up_to_one_hundred() -> None:
    text = (
        MINIMAL + "experiment:\n  name: e\n  arms:\n    - {name: a, percent: 60}\n"
        "    - {name: b, percent: 30}\n"
    )

    report = check_text(text, "s.yaml")

    assert [(p.line, p.path) for p in report.errors] == [(15, "experiment.arms")]
    assert "add up to 90" in report.errors[0].message


def test_buckets_must_increase_and_end_open() -> None:
    text = (
        MINIMAL.replace("[M1]", "[A]") + "buckets:\n  - {name: A, max_dpd: 10}\n"
        "  - {name: B, max_dpd: 5}\n"
    )

    problems = {p.path: p.line for p in check_text(text, "s.yaml").errors}

    assert problems == {"buckets[1].max_dpd": 14}


def test_a_yaml_syntax_error_names_the_line() -> None:
    report = check_text("name: t\nsegments: [\n  - x\n", "bad.yaml")

    assert len(report.errors) == 1
    assert report.errors[0].file == "bad.yaml"
    assert report.errors[0].line >= 2


def test_loading_a_broken_file_raises_one_readable_error_with_a_hint() -> None:
    with pytest.raises(StrategyError) as caught:
        load_text(MINIMAL.replace("treatment: sms", "treatment: fax"), "s.yaml")

    assert caught.value.cause.startswith("s.yaml:5: segments[0].treatment: unknown treatment")
    assert "strategy check" in caught.value.hint


def test_a_missing_strategy_file_is_an_input_error(tmp_path) -> None:
    with pytest.raises(InputFileError, match="not found"):
        load_strategy(tmp_path / "nope.yaml")


def test_a_segment_inside_one_above_it_is_unreachable() -> None:
    text = MINIMAL.replace(
        "  - name: rest\n",
        "  - name: early\n    when: {dpd: {min: 1, max: 7}}\n    treatment: sms\n  - name: rest\n",
    )

    warnings = check_text(text, "s.yaml").warnings

    assert [(w.line, w.path) for w in warnings] == [(6, "segments[1]")]
    assert "unreachable" in warnings[0].message and "'late'" in warnings[0].message


def test_segments_that_partly_share_accounts_on_the_same_dimension_overlap() -> None:
    text = MINIMAL.replace(
        "  - name: rest\n",
        "  - name: wide\n    when: {dpd: {min: 20, max: 45}}\n    treatment: sms\n  - name: rest\n",
    )

    warnings = check_text(text, "s.yaml").warnings

    assert len(warnings) == 1 and "overlaps 'late'" in warnings[0].message


def test_an_exception_written_before_its_general_rule_is_not_a_warning() -> None:
    text = MINIMAL.replace(
        "  - name: late\n",
        "  - name: late_big\n    when: {bucket: [M1], overdue: {min: 5000}}\n"
        "    treatment: sms\n  - name: late\n",
    )

    assert check_text(text, "s.yaml").warnings == []


def test_contradictory_conditions_and_missing_catch_all_are_warnings() -> None:
    text = MINIMAL.replace("{bucket: [M1]}", "{bucket: [M1], dpd: {min: 31}}").replace(
        "  - name: rest\n    treatment: none\n", ""
    )

    messages = [w.message for w in check_text(text, "s.yaml").warnings]

    assert any("can never match" in m for m in messages)
    assert any("no segment is unconditional" in m for m in messages)
    assert any("treatment 'none' is never used" in m for m in messages)


def test_an_action_naming_a_template_the_catalogue_lacks_is_a_warning() -> None:
    known = MINIMAL.replace("{channel: sms}", "{channel: sms, template: reminder_sms}")
    unknown = MINIMAL.replace("{channel: sms}", "{channel: sms, template: reminder_gentle}")

    warnings = check_text(unknown, "s.yaml").warnings

    assert check_text(known, "s.yaml").warnings == []
    assert [(w.line, w.path) for w in warnings] == [(10, "treatments.sms.actions[0].template")]
    assert "'reminder_gentle'" in warnings[0].message
