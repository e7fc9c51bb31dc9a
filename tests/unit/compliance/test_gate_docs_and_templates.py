"""docs/rules.md is generated from the packs, and the templates pass the packs' content rules."""

from __future__ import annotations

from pathlib import Path

from fairdebt.compliance.docs import render_rules_md
from fairdebt.compliance.pack import builtin_packs
from fairdebt.messages.catalog import LANGUAGES, Template, render, templates
from fairdebt.messages.lint import SAMPLE, _lint_one, lint

RULES_DOC = Path(__file__).resolve().parents[3] / "docs" / "rules.md"


def test_docs_rules_md_is_up_to_date_with_the_packs() -> None:
    assert RULES_DOC.read_text("utf-8") == render_rules_md(builtin_packs()), (
        "docs/rules.md is stale: run `fairdebt packs docs`"
    )


def test_every_rule_of_every_pack_is_in_the_docs() -> None:
    text = RULES_DOC.read_text("utf-8")
    for ref in builtin_packs().available():
        for model in builtin_packs().resolve(ref).models:
            assert f"`{model.id}`" in text


def test_every_shipped_template_passes_its_packs_content_rules_in_both_languages() -> None:
    assert lint() == []


def test_the_required_templates_exist_in_both_languages() -> None:
    ids = {t.id for t in templates()}
    assert {
        "cn.reminder_sms",
        "cn.call_opening",
        "cn.email",
        "cn.collection_notice",
        "cn.nobody_home_envelope",
        "cn.nobody_home_letter",
        "us.validation_notice",
        "us.voicemail_lcm",
    } <= ids
    for t in templates():
        for language in LANGUAGES:
            assert render(t.id, language, SAMPLE).strip()


def test_the_sealed_letter_says_not_to_be_opened_by_anyone_else() -> None:
    assert "非本人请勿拆阅" in render("cn.nobody_home_envelope", "zh-CN", SAMPLE)


def _planted(text: str, **kw: str) -> Template:
    fields = {"pack": "cn", "channel": "sms", "party": "debtor", "purpose": "collect", **kw}
    return Template(id="bad", file="planted.yaml", text={"zh-CN": text, "en": text}, **fields)


def test_lint_reports_file_language_rule_and_the_offending_text() -> None:
    problems = _lint_one(_planted("不还钱后果自负，这个老赖。"), "zh-CN", builtin_packs())

    found = {(p.file, p.language, p.rule, p.text) for p in problems}
    assert ("planted.yaml", "zh-CN", "CBA26-PROHIBIT.threat", "后果自负") in found
    assert ("planted.yaml", "zh-CN", "CBA26-PROHIBIT.insult", "老赖") in found


def test_lint_finds_missing_required_content_and_a_debt_told_to_a_relative() -> None:
    letter = _planted("请尽快还款。", channel="letter")
    relay = _planted("请转告他还款。", party="co_resident_relative", purpose="relay")
    us_text = _planted("Please call us.", pack="us-regf")

    rules = {p.rule for t in (letter, relay, us_text) for p in _lint_one(t, "en", builtin_packs())}

    assert {"CC-69", "NIFA18-18", "US-OPTOUT.notice", "US-MINIMIRANDA"} <= rules


def test_a_template_with_an_unknown_variable_is_a_lint_problem() -> None:
    problems = _lint_one(_planted("{{ no_such_value }}"), "en", builtin_packs())
    assert [p.rule for p in problems] == ["template"]


def test_a_template_for_time_barred_debts_is_read_by_the_no_threat_of_suit_rule() -> None:
    # worked case US-39: a letter on a time-barred debt saying "we may file suit" is a violation.
    text = "Example Recovery LLC is a debt collector. We may file suit if you do not pay."
    fields = {"pack": "us-regf", "channel": "letter", "party": "debtor", "purpose": "collect"}
    barred = Template(id="tb", file="tb.yaml", text={"en": text}, time_barred=True, **fields)
    ordinary = Template(id="tb", file="tb.yaml", text={"en": text}, **fields)

    assert [p.rule for p in _lint_one(barred, "en", builtin_packs())] == ["US-TBD"]
    assert "US-TBD" not in {p.rule for p in _lint_one(ordinary, "en", builtin_packs())}


def test_the_shipped_time_barred_letters_are_marked_and_clean() -> None:
    marked = {t.id for t in templates() if t.time_barred}
    assert marked == {"cn.time_barred_notice", "us.time_barred_notice"}
    assert [p for p in lint() if p.template in marked] == []
