"""Template versions (services.templates) on the fake unit of work: add, activate, refusals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fakes import FakeUnitOfWork

from fairdebt.errors import FairdebtError
from fairdebt.services import templates as tv

NOW = datetime(2026, 4, 6, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 4, 7, 9, 0, tzinfo=UTC)

REMINDER = """\
id: cn.reminder_sms
pack: cn
channel: sms
party: debtor
purpose: remind
text:
  zh-CN: |-
    【{{ creditor }}】{{ borrower_name }}您好，您尾号 {{ account_tail }} 的借款
    应还 {{ amount }} 元，已逾期 {{ dpd }} 天。请通过官方 App 还款；
    如有异议请致电 {{ phone }}。回复 TD 退订。
  en: |-
    [{{ creditor }}] Dear {{ borrower_name }}, {{ amount }} CNY on your loan ending
    {{ account_tail }} is {{ dpd }} days overdue. Repay in the official app; to dispute it,
    call {{ phone }}. Reply TD to unsubscribe.
"""


def source(*changes: tuple[str, str]) -> str:
    text = REMINDER
    for old, new in changes:
        text = text.replace(old, new)
    return text


def test_reads_see_the_packaged_files_as_active_version_1_before_anything_is_stored() -> None:
    uow = FakeUnitOfWork()

    found = tv.active(uow, "cn.reminder_sms")

    assert found is not None and found.version == 1 and found.status == "active"
    assert found.created_at is None  # the packaged file, not stored
    assert [v.template_id for v in tv.active_templates(uow, "us-regf", "sms")] == [
        "us.reminder_sms"
    ]
    assert uow.templates.rows == {}


def test_adding_a_version_stores_the_packaged_ones_first_and_adds_a_draft_2() -> None:
    uow = FakeUnitOfWork()

    added = tv.add_version(uow, REMINDER, "compliance:amy", NOW)

    assert (added.version, added.status, added.created_by) == (2, "draft", "compliance:amy")
    first = uow.templates.get("cn.reminder_sms", 1)
    assert first is not None and first.status == "active" and first.created_at == NOW
    assert first.lint_report == []  # the packaged file is clean
    assert len(uow.templates.ids()) == len(tv.packaged())
    assert tv.active(uow, "cn.reminder_sms").version == 1  # a draft is never sent


def test_activating_retires_the_previous_version_and_keeps_who_and_when() -> None:
    uow = FakeUnitOfWork()
    tv.add_version(uow, REMINDER, "compliance:amy", NOW)

    done = tv.activate(uow, "cn.reminder_sms", 2, "supervisor:bo", LATER)

    assert (done.status, done.activated_by, done.activated_at) == ("active", "supervisor:bo", LATER)
    assert done.lint_report == []
    old = uow.templates.get("cn.reminder_sms", 1)
    assert (old.status, old.retired_by, old.retired_at) == ("retired", "supervisor:bo", LATER)
    assert tv.active(uow, "cn.reminder_sms").version == 2
    assert [v.status for v in tv.versions(uow, "cn.reminder_sms")] == ["retired", "active"]


def test_a_retired_version_may_be_activated_again() -> None:
    uow = FakeUnitOfWork()
    tv.add_version(uow, REMINDER, "compliance:amy", NOW)
    tv.activate(uow, "cn.reminder_sms", 2, "supervisor:bo", LATER)

    tv.activate(uow, "cn.reminder_sms", 1, "supervisor:bo", LATER)

    assert [v.status for v in tv.versions(uow, "cn.reminder_sms")] == ["active", "retired"]


def test_a_new_id_starts_at_version_1_as_a_draft() -> None:
    uow = FakeUnitOfWork()

    added = tv.add_version(uow, source(("cn.reminder_sms", "cn.gentle_sms")), "amy", NOW)

    assert (added.template_id, added.version, added.status) == ("cn.gentle_sms", 1, "draft")
    assert tv.active(uow, "cn.gentle_sms") is None


def test_bad_jinja2_is_refused_with_the_template_the_language_and_the_line() -> None:
    broken = REMINDER.replace("call {{ phone }}. Reply", "call {{ phone }. Reply")

    with pytest.raises(tv.TemplateRefused) as refused:
        tv.add_version(FakeUnitOfWork(), broken, "amy", NOW)

    assert "cn.reminder_sms" in refused.value.cause
    assert refused.value.problems == ["[en] line 3: Jinja2: unexpected '}'"]


def test_structure_faults_are_each_named() -> None:
    bad = (
        source(("channel: sms", "channel: pigeon"), ("party: debtor", "party: neighbour"))
        .replace("  en: |-", "  fr: |-")
        .replace("id: cn.reminder_sms", "id: Reminder SMS")
    )

    with pytest.raises(tv.TemplateRefused) as refused:
        tv.add_version(FakeUnitOfWork(), bad, "amy", NOW)

    text = " | ".join(refused.value.problems)
    for expected in ("id 'Reminder SMS'", "channel 'pigeon'", "party 'neighbour'", "[en] no text"):
        assert expected in text
    assert "[fr] is not a language here" in text


def test_yaml_that_does_not_parse_names_its_line() -> None:
    with pytest.raises(FairdebtError, match="not YAML at line 3"):
        tv.add_version(FakeUnitOfWork(), "id: x.y\npack: cn\n  channel: [sms\n", "amy", NOW)


def test_an_unknown_pack_is_refused() -> None:
    with pytest.raises(FairdebtError, match="no pack 'mars'"):
        tv.add_version(FakeUnitOfWork(), source(("pack: cn", "pack: mars")), "amy", NOW)


def test_another_channel_for_an_existing_id_is_refused() -> None:
    with pytest.raises(FairdebtError, match="is for cn sms, not cn email"):
        tv.add_version(FakeUnitOfWork(), source(("channel: sms", "channel: email")), "a", NOW)


def test_a_placeholder_the_sample_lacks_refuses_activation_with_its_name_and_line() -> None:
    uow = FakeUnitOfWork()
    text = REMINDER.replace("Reply TD to unsubscribe.", "Reply TD.\n    Ref {{ nickname }}.")
    tv.add_version(uow, text, "amy", NOW)

    with pytest.raises(tv.TemplateRefused) as refused:
        tv.activate(uow, "cn.reminder_sms", 2, "bo", LATER)

    assert refused.value.problems == [
        "cn.reminder_sms [en] line 4: placeholder: {{ nickname }} has no value"
    ]
    assert tv.active(uow, "cn.reminder_sms").version == 1
    assert uow.templates.get("cn.reminder_sms", 2).status == "draft"


def test_a_lint_fault_refuses_activation_citing_the_rule_ids_and_lines() -> None:
    uow = FakeUnitOfWork()
    text = REMINDER.replace("回复 TD 退订。", "回复 TD 退订。\n    老赖，后果自负。")
    tv.add_version(uow, text, "amy", NOW)

    with pytest.raises(tv.TemplateRefused) as refused:
        tv.activate(uow, "cn.reminder_sms", 2, "bo", LATER)

    problems = refused.value.problems
    assert any(
        p.startswith("cn.reminder_sms [zh-CN] line 4: CBA26-PROHIBIT.insult") for p in problems
    )
    assert any("[zh-CN] line 4: CBA26-PROHIBIT.threat" in p for p in problems), problems
    assert not any("[en]" in p for p in problems)
    assert uow.templates.get("cn.reminder_sms", 1).status == "active"


def test_activating_the_active_version_or_a_missing_one_says_so() -> None:
    uow = FakeUnitOfWork()

    with pytest.raises(FairdebtError, match="already active"):
        tv.activate(uow, "cn.reminder_sms", 1, "bo", NOW)
    with pytest.raises(FairdebtError, match="has no version 7") as missing:
        tv.activate(uow, "cn.reminder_sms", 7, "bo", NOW)
    assert missing.value.hint == "versions: 1"
    with pytest.raises(FairdebtError, match=r"no template 'cn\.nope'"):
        tv.activate(uow, "cn.nope", 1, "bo", NOW)


def test_missing_placeholders_skip_names_the_text_sets_itself() -> None:
    text = "{% set who = borrower_name %}{{ who }}\n{% for x in items %}{{ x }}{% endfor %}"

    assert tv.missing_placeholders(text) == [("items", 2)]
