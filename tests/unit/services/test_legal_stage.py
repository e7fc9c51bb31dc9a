"""Content that speaks of a legal action goes to review unless the case's stage plans that
action, is denied on a time-barred debt, and never says arrest or prison (services.legal_stage)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from builders import make_account
from fakes import FakeUnitOfWork

from fairdebt.compliance.pack import builtin_packs
from fairdebt.compliance.types import (
    Attempt,
    Borrower,
    Channel,
    DebtState,
    Decision,
    FiredRule,
    GateRequest,
    Party,
    Purpose,
    Severity,
    Verdict,
)
from fairdebt.domain.case import Case
from fairdebt.errors import FairdebtError
from fairdebt.services.legal_stage import (
    STAGES,
    LegalState,
    current,
    found_families,
    legal_action_rules,
    set_credit_reporting,
    set_stage,
    stage_rules,
)

NOW = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)
PACKS = ("cn", "us-regf")

# One message per word family and language.
SAMPLES = {
    "lawyers_letter": ("我司已委托律所向您发送律师函。", "Our attorney will send you a letter."),
    "litigation": ("我们将向法院起诉。", "We will file a lawsuit in court."),
    "enforcement": ("我们将申请强制执行，查封您的财产。", "We will garnish your wages."),
    "credit": ("逾期将上征信。", "We will report this to the credit bureaus."),
    "arrest": ("不还钱就让你坐牢。", "You could be arrested."),
}
ALLOWED_FROM = {
    "lawyers_letter": "lawyers_letter",
    "litigation": "litigation_approved",
    "enforcement": "judgment",
}


@pytest.mark.parametrize("pack", PACKS)
@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("family", list(SAMPLES))
def test_each_word_family_at_each_stage_in_each_pack(
    family: str, language: str, stage: str, pack: str
) -> None:
    text = SAMPLES[family][0 if language == "zh" else 1]

    rules = legal_action_rules(text, stage, False, pack)  # type: ignore[arg-type]

    if family == "arrest":
        expected: Severity | None = Severity.DENY
    elif family == "credit":
        expected = Severity.REVIEW  # the stage says nothing of credit reporting
    else:
        planned = STAGES.index(stage) >= STAGES.index(ALLOWED_FROM[family])  # type: ignore[arg-type]
        expected = None if planned else Severity.REVIEW
    assert [r.severity for r in rules] == ([expected] if expected else [])
    if rules:
        prefix = "US-THREAT." if pack == "us-regf" else "CBA26-PROHIBIT.threat."
        assert rules[0].id == prefix + family
        assert ("1006.18" in rules[0].citation) == (pack == "us-regf")


@pytest.mark.parametrize("pack", PACKS)
@pytest.mark.parametrize("language", [0, 1])
def test_credit_words_are_fine_once_reporting_is_noted(pack: str, language: int) -> None:
    text = SAMPLES["credit"][language]

    before = legal_action_rules(text, LegalState("judgment"), False, pack)
    after = legal_action_rules(text, LegalState("none", credit_reported=True), False, pack)

    assert [r.severity for r in before] == [Severity.REVIEW]
    assert after == ()


@pytest.mark.parametrize("pack", PACKS)
@pytest.mark.parametrize("family", ["lawyers_letter", "litigation", "enforcement"])
@pytest.mark.parametrize("language", [0, 1])
def test_on_a_time_barred_debt_threats_of_suit_are_denied_at_any_stage(
    pack: str, family: str, language: int
) -> None:
    for stage in STAGES:
        rules = legal_action_rules(SAMPLES[family][language], stage, True, pack)  # type: ignore[arg-type]

        assert [r.severity for r in rules] == [Severity.DENY]
        if pack == "us-regf":
            assert rules[0].id == "US-TBD" and "1006.26(b)" in rules[0].citation
        else:
            assert rules[0].id == "CBA26-PROHIBIT.threat.time_barred"
            assert "第一百九十二条" in rules[0].citation


def test_a_time_barred_debt_does_not_change_credit_or_arrest_words() -> None:
    credit = legal_action_rules(SAMPLES["credit"][1], "none", True, "us-regf")
    arrest = legal_action_rules(SAMPLES["arrest"][0], "judgment", True, "cn")

    assert [(r.id, r.severity) for r in credit] == [("US-THREAT.credit", Severity.REVIEW)]
    assert [(r.id, r.severity) for r in arrest] == [("CBA26-PROHIBIT.threat.arrest", Severity.DENY)]


def test_several_families_fire_one_rule_each_and_time_barred_once() -> None:
    text = "律师函已发出，我们将向法院起诉并申请强制执行，同时上报征信。"

    fresh = legal_action_rules(text, "none", False, "cn")
    barred = legal_action_rules(text, "none", True, "us-regf")

    assert [r.id for r in fresh] == [
        "CBA26-PROHIBIT.threat.lawyers_letter",
        "CBA26-PROHIBIT.threat.litigation",
        "CBA26-PROHIBIT.threat.enforcement",
        "CBA26-PROHIBIT.threat.credit",
    ]
    assert [(r.id, r.severity) for r in barred] == [
        ("US-TBD", Severity.DENY),
        ("US-THREAT.credit", Severity.REVIEW),
    ]


def test_messages_speak_the_requests_language() -> None:
    zh = legal_action_rules("我们将起诉。", "none", False, "cn", locale="zh-CN")
    en = legal_action_rules("We will sue.", "none", False, "cn", locale="en")

    assert "法律阶段为 none" in zh[0].message and "「起诉」" in zh[0].message
    assert "legal stage is none" in en[0].message and "“sue”" in en[0].message


FALSE_POSITIVES = [
    "Thank you for your courtesy.",
    "Our staff are courteous and will help you.",
    "This is Sue from ABC, Inc. Please call me back.",
    "Please pursue a payment plan that suits you; the issue can be resolved.",
    "Our office is at 12 Court Street, Springfield.",
    "If you are represented by an attorney, please tell us your attorney's name.",
    "You may contact your state attorney general.",
    "The statute of limitations on this debt has passed.",
    "Because of the age of your debt, we will not sue you for it.",
    "Our creditor records show the balance; it was credited on May 1.",
    "Contact the Consumer Financial Protection Bureau at www.cfpb.gov.",
    "Please call us to discuss.",
    "该笔债务已超过法律规定的诉讼时效，是否还款由您自行决定。",
    "由于该债务年代久远，法律允许强制执行的期限已过，是否还款由您自行决定。",
    "如您已委托律师，请告知您的律师的联系方式。",
    "您好，您尾号1234的借款已逾期，请通过官方App还款。",
    "Please reply STOP.",
    "This is a communication from a debt collector.",
]


@pytest.mark.parametrize("text", FALSE_POSITIVES)
def test_ordinary_words_that_look_like_legal_words_do_not_fire(text: str) -> None:
    assert found_families(text) == {}, text
    for pack in PACKS:
        assert legal_action_rules(text, "none", True, pack) == ()


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("We will take you to COURT.", "litigation"),
        ("We may sue you next week.", "litigation"),
        ("The lawsuit was filed.", "litigation"),
        ("Courts can order payment.", "litigation"),
        ("We will garnish your wages.", "enforcement"),
        ("Your wages may be garnished.", "enforcement"),
        ("Our lawyers are ready.", "lawyers_letter"),
        ("We reported your account to the credit bureau.", "credit"),
        ("It will hurt your credit score.", "credit"),
        ("我们会把你列入黑名单。", "credit"),
        ("准备好打官司吧。", "litigation"),
    ],
)
def test_the_words_are_found_in_any_case_and_form(text: str, family: str) -> None:
    assert family in found_families(text)


# --- the stage on the case log --------------------------------------------------------------


def _uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    uow.cases.add(Case("C-1", "B1", ("A1",), NOW.date()))
    uow.accounts.put(make_account())
    return uow


def test_a_new_case_is_at_no_stage_and_set_stage_logs_each_move() -> None:
    uow = _uow()

    assert current(uow, "C-1") == LegalState("none", False)
    assert set_stage(uow, "C-1", "lawyers_letter", "supervisor:u1", "approved L-17", NOW)
    assert not set_stage(uow, "C-1", "lawyers_letter", "supervisor:u1", "again", NOW)
    assert set_stage(uow, "C-1", "none", "supervisor:u1", "paid in full", NOW)
    assert set_credit_reporting(uow, "C-1", True, "compliance:u2", "furnished 2026-06", NOW)

    events = [(e.type, dict(e.data)) for e in uow.events.events("C-1")]
    assert events == [
        ("legal_stage_set", {"stage": "lawyers_letter", "reason": "approved L-17"}),
        ("legal_stage_set", {"stage": "none", "reason": "paid in full"}),
        ("credit_reporting_set", {"reported": True, "reason": "furnished 2026-06"}),
    ]
    assert current(uow, "C-1") == LegalState("none", True)
    assert uow.commits == 3


@pytest.mark.parametrize(
    ("case", "stage", "reason", "error"),
    [
        ("C-1", "trial", "x", "unknown legal stage"),
        ("C-1", "judgment", "  ", "a reason is required"),
        ("C-9", "judgment", "x", "no case C-9"),
    ],
)
def test_set_stage_refuses_what_it_cannot_record(
    case: str, stage: str, reason: str, error: str
) -> None:
    uow = _uow()

    with pytest.raises(FairdebtError, match=error):
        set_stage(uow, case, stage, "u1", reason, NOW)

    assert uow.events.events("C-1") == [] and uow.commits == 0


def _gate(content: str, pack: str = "cn", barred: bool = False) -> GateRequest:
    attempt = Attempt(
        channel=Channel.SMS,
        party=Party.DEBTOR,
        purpose=Purpose.COLLECT,
        debts=("A1",),
        collector="in-house",
        to="+8613800000001",
        content=content,
    )
    debts = (DebtState("A1", dpd=60, time_barred=barred),)
    borrower = Borrower(timezones=("Asia/Shanghai",), debts=debts)
    return GateRequest(pack=pack, now=NOW, attempt=attempt, borrower=borrower, locale="zh-CN")


def _decision(*rules: FiredRule) -> Decision:
    return Decision(Verdict.ALLOW, rules, None, "cn@1", "")


def test_stage_rules_read_the_stage_of_the_debts_case() -> None:
    uow = _uow()
    packs = builtin_packs()
    sms = "【示例银行】您的欠款已逾期，我司将发送律师函。"

    before = stage_rules(uow, _gate(sms), _decision(), packs)
    set_stage(uow, "C-1", "lawyers_letter", "supervisor:u1", "approved", NOW)
    after = stage_rules(uow, _gate(sms), _decision(), packs)

    assert [(r.id, r.severity) for r in before] == [
        ("CBA26-PROHIBIT.threat.lawyers_letter", Severity.REVIEW)
    ]
    assert after == ()


def test_stage_rules_do_not_repeat_a_rule_the_gate_fired_and_skip_plain_content() -> None:
    uow = _uow()
    packs = builtin_packs()
    tbd = FiredRule("US-TBD", "12 CFR 1006.26(b)", Severity.DENY, "time-barred")

    repeated = stage_rules(uow, _gate("We will sue.", "us-regf", True), _decision(tbd), packs)
    plain = stage_rules(uow, _gate("Please call us.", "us-regf", True), _decision(), packs)

    assert repeated == () and plain == ()
