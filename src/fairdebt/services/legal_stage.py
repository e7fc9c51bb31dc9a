"""The case's legal stage, and content rules that know it: a message may speak of a legal action
only when that action is what the case is actually heading for.

A collector may not threaten what is not planned: "we will sue", "律师函", "上征信" in a message
about a case nobody has decided to sue, to send a lawyer's letter on, or to report, is a threat
of an action not intended — 12 CFR 1006.18(c)(5) (15 U.S.C. 1692e(5)); arrest, imprisonment or
the seizure or garnishment of property or wages only when lawful and intended, 1006.18(c)(4)
(1692e(4)); and in China the intimidation and threats that the CBA 2026 guideline's prohibited
acts, 治安管理处罚法 第四十二条 and 刑法 第二百九十三条之一 forbid (the cn pack's
CBA26-PROHIBIT.threat). The stateless gate request has no field for the stage, so these rules
are the application's, added to the logged decision (services.contact).

The stage is read from the case event log:
- `legal_stage_set {stage, reason}`: `none` → `lawyers_letter` → `litigation_review` →
  `litigation_approved` → `judgment` (any move, forwards or back, with a reason);
- `credit_reporting_set {reported, reason}`: the account is furnished to a credit bureau
  (征信 reporting) — credit-reporting words are true only then.

What each stage permits (earlier stages permit less; later ones include earlier ones):

| words | allowed from |
|---|---|
| lawyer's letter (律师函, 律师, attorney, lawyer, law firm) | `lawyers_letter` |
| suit, court (起诉, 诉讼, 法院, 仲裁, sue, lawsuit, court, arbitration) | `litigation_approved` |
| enforcement (强制执行, 查封, 冻结, 失信被执行人, garnish, seize, levy, lien) | `judgment` |
| credit reporting (征信, 信用记录, credit report, credit bureau) | reporting noted |
| arrest and prison (坐牢, 拘留, 刑事, arrest, jail, prison, criminal) | never (deny) |

Otherwise such content goes to review. On a time-barred debt, words of suit, lawyer's letter or
enforcement are denied whatever the stage: 12 CFR 1006.26(b) (US-TBD) forbids suing or
threatening suit on a time-barred debt; Chinese law has no such rule of its own, but after the
period the debtor may refuse to perform (民法典 第一百九十二条, CN-LIM-192), so a threat of suit
on it is an intimidation that cannot be carried out: denied under CBA26-PROHIBIT.threat.

The pack rules that deny some threats regardless of stage (CBA26-PROHIBIT.threat,
US-HARASS-GEN.content, US-TBD) still run in the gate; these rules only add to the decision and
the strictest verdict wins (services.contact.with_rules), so a stage never lifts a pack denial.
A rule id the gate has already fired is not added twice. See docs/gate.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from fairdebt.compliance.pack import Packs
from fairdebt.compliance.types import Decision, FiredRule, GateRequest, Severity
from fairdebt.domain.events import NewEvent
from fairdebt.errors import FairdebtError
from fairdebt.services.ports import UnitOfWork

Stage = Literal["none", "lawyers_letter", "litigation_review", "litigation_approved", "judgment"]
STAGES: tuple[Stage, ...] = (
    "none",
    "lawyers_letter",
    "litigation_review",
    "litigation_approved",
    "judgment",
)
STAGE_SET = "legal_stage_set"
CREDIT_SET = "credit_reporting_set"

Family = Literal["lawyers_letter", "litigation", "enforcement", "credit", "arrest"]
# The stage from which a family's words are true of the case (credit: the reporting flag;
# arrest: never — no civil debt leads to it).
ALLOWED_FROM: Mapping[Family, Stage | None] = {
    "lawyers_letter": "lawyers_letter",
    "litigation": "litigation_approved",
    "enforcement": "judgment",
    "credit": None,
    "arrest": None,
}
SUIT_FAMILIES: frozenset[Family] = frozenset({"lawyers_letter", "litigation", "enforcement"})

_EN = r"(?<![A-Za-z])(?:{})(?![A-Za-z])"  # whole English words: 'court' is not 'courteous'
WORDS: Mapping[Family, tuple[tuple[str, ...], tuple[str, ...]]] = {  # (zh, en) regexes
    "lawyers_letter": (
        ("律师函", "律师", "律所", "法务函"),
        (r"attorneys?", r"lawyers?", r"law (?:firm|office)s?", r"legal counsel"),
    ),
    "litigation": (
        ("起诉", "诉讼", "法院", "仲裁", "立案", "开庭", "传票", "判决", "打官司"),
        (
            r"(?-i:su(?:e|es|ed|ing))",  # lower case only: "Sue" is a name
            r"law ?suits?",
            r"courts?",
            r"courthouses?",
            r"litigat\w*",
            r"legal (?:action|proceedings?|steps)",
            r"arbitrat(?:ion|e|or)",
            r"judge?ments?",
            r"summons(?:es)?",
            r"take you to court",
        ),
    ),
    "enforcement": (
        (
            "强制执行",
            "查封",
            "冻结",
            "扣押",
            "拍卖",
            "失信被执行人",
            "限制高消费",
            "限高",
            "划扣工资",
        ),
        (
            r"garnish\w*",
            r"seiz(?:e|es|ed|ing|ure)",
            r"levy",
            r"levies",
            r"liens?",
            r"attach(?:ment)? (?:of )?(?:your )?(?:wages|property|salary)",
            r"repossess\w*",
            r"foreclos\w*",
            r"freeze your (?:bank )?accounts?",
        ),
    ),
    "credit": (
        ("征信", "信用记录", "信用报告", "黑名单"),
        (
            r"credit (?:reports?|reporting|bureaus?|files?|history|records?|scores?|ratings?)",
            r"equifax",
            r"experian",
            r"trans ?union",
            r"report(?:ed|ing)? [^.!?\n]{0,30}to (?:the )?(?:credit|bureaus?)",
        ),
    ),
    "arrest": (
        ("坐牢", "拘留", "逮捕", "刑事", "判刑", "蹲监狱", "监狱", "抓你", "抓人"),
        (r"arrest\w*", r"jail\w*", r"prison\w*", r"imprison\w*", r"criminal\w*", r"warrants?"),
    ),
}
# Phrases that name these words without threatening anything: the limitation period itself,
# the consumer's own attorney, a state attorney general, a street, the FTC's time-barred
# disclosure. Blanked out before the words are looked for.
SAFE: tuple[str, ...] = (
    "诉讼时效",
    "强制执行的期限",
    "强制执行期限",
    "(?:您|你)的律师",
    "(?:您|你)(?:已经?|如)?委托(?:了|的)?律师",
    r"(?<![A-Za-z])attorneys? general(?![A-Za-z])",
    r"(?<![A-Za-z])your (?:own )?(?:attorney|lawyer)s?(?![A-Za-z])",
    r"(?<![A-Za-z])represented by an? (?:attorney|lawyer)(?![A-Za-z])",
    r"(?<![A-Za-z])court (?:st|street|rd|road|ave|avenue|lane|ln|drive|dr|square|sq)(?![A-Za-z])",
    r"because of the age of (?:your|this) debt,? we (?:will not|won't|cannot|can't|can not|may "
    r"not) sue you(?: for it)?",
)


def _compile(zh: Iterable[str], en: Iterable[str]) -> re.Pattern[str]:
    parts = [*(re.escape(w) for w in zh), *(_EN.format(w) for w in en)]
    return re.compile("|".join(parts), re.IGNORECASE)


PATTERNS: Mapping[Family, re.Pattern[str]] = {f: _compile(*w) for f, w in WORDS.items()}
_SAFE = re.compile("|".join(SAFE), re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class LegalState:
    """Where the case stands: its legal stage and whether the account is credit-reported."""

    stage: Stage = "none"
    credit_reported: bool = False

    def permits(self, family: Family) -> bool:
        if family == "credit":
            return self.credit_reported
        start = ALLOWED_FROM[family]
        return start is not None and STAGES.index(self.stage) >= STAGES.index(start)


def legal_state(events: Iterable[Any]) -> LegalState:
    """The stage and the reporting flag as the latest of their events set them."""
    stage: Stage = "none"
    reported = False
    for event in events:
        if event.type == STAGE_SET and event.data.get("stage") in STAGES:
            stage = event.data["stage"]
        elif event.type == CREDIT_SET:
            reported = bool(event.data.get("reported"))
    return LegalState(stage, reported)


def _case_events(uow: UnitOfWork, case_id: str) -> list[Any]:
    if uow.cases.get(case_id) is None:
        raise FairdebtError(f"no case {case_id}", hint="check the case id")
    return uow.events.events(case_id)


def _reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise FairdebtError(
            "a reason is required", hint="say why, e.g. --reason '诉讼审批通过 (approval L-17)'"
        )
    return text


def current(uow: UnitOfWork, case_id: str) -> LegalState:
    """The case's legal state (FairdebtError if there is no such case)."""
    with uow:
        return legal_state(_case_events(uow, case_id))


def set_stage(
    uow: UnitOfWork, case_id: str, stage: str, actor: str, reason: str, now: datetime
) -> bool:
    """Move the case to `stage` (any direction), logging `legal_stage_set`; False (and nothing
    logged) if it is already there."""
    if stage not in STAGES:
        raise FairdebtError(f"unknown legal stage {stage!r}", hint=f"one of: {', '.join(STAGES)}")
    why = _reason(reason)
    with uow:
        if legal_state(_case_events(uow, case_id)).stage == stage:
            return False
        data = {"stage": stage, "reason": why}
        uow.events.append(case_id, NewEvent(STAGE_SET, actor, data), now)
        uow.commit()
    return True


def set_credit_reporting(
    uow: UnitOfWork, case_id: str, reported: bool, actor: str, reason: str, now: datetime
) -> bool:
    """Note that the account is (or no longer is) furnished to a credit bureau, logging
    `credit_reporting_set`; False (and nothing logged) if that is already noted."""
    why = _reason(reason)
    with uow:
        if legal_state(_case_events(uow, case_id)).credit_reported == reported:
            return False
        data = {"reported": reported, "reason": why}
        uow.events.append(case_id, NewEvent(CREDIT_SET, actor, data), now)
        uow.commit()
    return True


def found_families(content: str) -> dict[Family, str]:
    """Each word family the content uses, with the first words found (the safe phrases
    blanked out first)."""
    text = _SAFE.sub(lambda m: " " * len(m.group(0)), content)
    found: dict[Family, str] = {}
    for family, pattern in PATTERNS.items():
        match = pattern.search(text)
        if match:
            found[family] = match.group(0)[:60]
    return found


# --- the rules ---------------------------------------------------------------------------------

Jurisdiction = Literal["cn", "us-regf"]
_CITES: Mapping[tuple[Jurisdiction, Family], tuple[str, str]] = {
    ("us-regf", "lawyers_letter"): (
        "US-THREAT.lawyers_letter",
        "12 CFR 1006.18(b)(3), (c)(5); 15 U.S.C. 1692e(3), (5): no implying an attorney is "
        "involved, no threat of action not intended",
    ),
    ("us-regf", "litigation"): (
        "US-THREAT.litigation",
        "12 CFR 1006.18(c)(5); 15 U.S.C. 1692e(5): no threat of action that cannot legally be "
        "taken or is not intended to be taken",
    ),
    ("us-regf", "enforcement"): (
        "US-THREAT.enforcement",
        "12 CFR 1006.18(c)(4); 15 U.S.C. 1692e(4): seizure or garnishment only if lawful and "
        "intended",
    ),
    ("us-regf", "credit"): (
        "US-THREAT.credit",
        "12 CFR 1006.18(c)(1), (c)(5); 15 U.S.C. 1692e(5), (8): no threat to report credit "
        "information not intended or not true",
    ),
    ("us-regf", "arrest"): (
        "US-THREAT.arrest",
        "12 CFR 1006.18(c)(4); 15 U.S.C. 1692e(4): no implying arrest or imprisonment for "
        "nonpayment",
    ),
}
CN_CITATION = (
    "CBA 2026 八项禁止行为: 恐吓、威胁; 刑法 第二百九十三条之一; 治安管理处罚法 第四十二条 — "
    "所称法律措施须为本案已确定采取的措施"
)
CN_TIME_BARRED = (
    "CBA26-PROHIBIT.threat.time_barred",
    "民法典 第一百九十二条: 诉讼时效届满，义务人可以提出不履行义务的抗辩; CBA 2026 八项禁止行为: "
    "恐吓、威胁",
)
US_TIME_BARRED = (
    "US-TBD",
    "12 CFR 1006.26(b): never sue or threaten to sue on a time-barred debt (strict liability)",
)

_WHAT = {
    "en": {
        "lawyers_letter": "a lawyer's letter",
        "litigation": "a lawsuit",
        "enforcement": "enforcement of a judgment",
        "credit": "credit reporting",
        "arrest": "arrest or prison",
    },
    "zh-CN": {
        "lawyers_letter": "律师函",
        "litigation": "诉讼",
        "enforcement": "强制执行",
        "credit": "征信报送",
        "arrest": "拘留或坐牢",
    },
}


def _rule_of(jurisdiction: Jurisdiction, family: Family) -> tuple[str, str]:
    if jurisdiction == "us-regf":
        return _CITES[jurisdiction, family]
    return f"CBA26-PROHIBIT.threat.{family}", CN_CITATION


def _message(locale: str, family: Family, match: str, state: LegalState, time_barred: bool) -> str:
    what = _WHAT["zh-CN" if locale == "zh-CN" else "en"][family]
    if locale == "zh-CN":
        if time_barred:
            return f"债务已过诉讼时效，不得以{what}相威胁：「{match}」。"
        if family == "arrest":
            return f"不得以{what}相威胁（欠款不会导致拘留或坐牢）：「{match}」。"
        return f"内容提及{what}（「{match}」），但本案法律阶段为 {state.stage}：请人工审核。"
    if time_barred:
        return f"A debt is time-barred: never threaten {what} (“{match}”)."
    if family == "arrest":
        return f"Never imply {what} for nonpayment (“{match}”)."
    if family == "credit":
        return f"The content speaks of {what} (“{match}”), but no reporting is noted: review it."
    return (
        f"The content speaks of {what} (“{match}”), but the case's legal stage is "
        f"{state.stage}: review it."
    )


def legal_action_rules(
    content: str | None,
    stage: Stage | LegalState,
    time_barred_any: bool,
    pack: str,
    *,
    locale: str = "en",
) -> tuple[FiredRule, ...]:
    """The rules content breaks given the case's legal stage (module docstring).

    `stage`: a stage name, or the LegalState (stage and credit reporting). `pack`: `cn` or
    `us-regf` (or any pack id starting `us`). One rule per word family found: deny for arrest
    words and, on a time-barred debt, for words of suit, lawyer's letter or enforcement; review
    for words of an action the stage does not plan."""
    if not content:
        return ()
    state = stage if isinstance(stage, LegalState) else LegalState(stage)
    jurisdiction: Jurisdiction = "us-regf" if pack.lower().startswith("us") else "cn"
    fired: list[FiredRule] = []
    for family, match in found_families(content).items():
        barred = time_barred_any and family in SUIT_FAMILIES
        if barred:
            rule, citation = US_TIME_BARRED if jurisdiction == "us-regf" else CN_TIME_BARRED
            severity = Severity.DENY
        elif family == "arrest":
            rule, citation = _rule_of(jurisdiction, family)
            severity = Severity.DENY
        elif state.permits(family):
            continue
        else:
            rule, citation = _rule_of(jurisdiction, family)
            severity = Severity.REVIEW
        message = _message(locale, family, match, state, barred)
        fired.append(FiredRule(rule, citation, severity, message))
    return tuple(_first_of_each(fired))


def _first_of_each(rules: Iterable[FiredRule]) -> Iterable[FiredRule]:
    seen: set[str] = set()
    for rule in rules:
        if rule.id not in seen:
            seen.add(rule.id)
            yield rule


def stage_rules(
    uow: UnitOfWork, gate: GateRequest, decision: Decision, packs: Packs
) -> tuple[FiredRule, ...]:
    """`legal_action_rules` for an attempt of services.contact.ask: the stage read from the
    case log (only when the content uses such words), the time-barred flag from the request's
    debts, the jurisdiction from its pack; rules the gate already fired are not repeated."""
    content = gate.attempt.content
    if not content or not found_families(content):
        return ()
    case_id = _case_of(uow, gate)
    state = legal_state(uow.events.events(case_id)) if case_id else LegalState()
    barred = any(d.time_barred for d in gate.borrower.debts)
    jurisdiction = packs.resolve(gate.pack).jurisdiction.upper()
    pack = "us-regf" if jurisdiction == "US" else "cn"
    rules = legal_action_rules(content, state, barred, pack, locale=gate.locale)
    fired = {r.id for r in decision.rules}
    return tuple(r for r in rules if r.id not in fired)


def _case_of(uow: UnitOfWork, gate: GateRequest) -> str | None:
    """The case the request is about: its debts' borrower's case (a borrower has one case; the
    stateless request names the debts, not the case)."""
    owners = uow.accounts.owners([d.id for d in gate.borrower.debts])
    borrower = next(iter(owners.values()), None)
    return uow.accounts.case_of_borrower(borrower) if borrower else None
