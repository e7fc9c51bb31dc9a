"""`fairdebt templates lint`: the packs' content rules over every template, both languages.

Each template is rendered with sample values (so a missing variable is found too) and read by
every content rule of its pack that applies to its channel, party and purpose — forbidden words
(threats, insults, impersonation, fees, new borrowing, telling a third party of the debt) and
required content (collection-letter items, the US debt-collector disclosure and opt-out text,
the limited-content voicemail). Informational rules are not faults. A template marked
`time_barred: true` (for debts past their limitation period) is also read by the packs' rules
against threatening suit on such a debt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fairdebt.messages.catalog import LANGUAGES, Template, render_template, templates

SAMPLE = {
    "creditor": "示例银行 Example Bank",
    "agency": "Example Recovery LLC",
    "business_name": "ABC, Inc.",
    "borrower_name": "张三 Zhang San",
    "account_tail": "1234",
    "account_no": "****1234",
    "id_tail": "0012",
    "amount": "5,230.00",
    "principal": "5,000.00",
    "interest": "180.00",
    "fees": "50.00",
    "paid": "0.00",
    "itemized_amount": "5,000.00",
    "itemization_date": "2026-01-31",
    "dispute_deadline": "2026-05-20",
    "original_creditor": "Example Bank",
    "dpd": "45",
    "as_of": "2026-04-06",
    "loan_date": "2025-06-01",
    "contract_no": "C-2025-0601-88",
    "case_ref": "CASE-000123",
    "phone": "400-800-1234",
    "portal_url": "https://fairdebt.example/verify",
    "unsubscribe_url": "https://fairdebt.example/unsubscribe/abc",
    "verify_code": "7K3P-9Q",
    "agent_name": "李明 Li Ming",
    "agent_id": "A-0042",
    "agent2_name": "王芳 Wang Fang",
    "agent2_id": "A-0043",
    "agency_address": "1 Main St, Springfield",
    "visit_time": "2026-04-06 10:00",
}
LINTED_KINDS = frozenset({"forbid", "require", "not_lcm", "rate_cap"})


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    template: str
    language: str
    rule: str
    text: str
    line: int | None = None  # in the language's text; None: the whole text (a missing item)

    def where(self) -> str:
        """`cn.reminder_sms [zh-CN] line 2` — what a person looks for in the file."""
        at = f" line {self.line}" if self.line is not None else ""
        return f"{self.template} [{self.language}]{at}"


def lint() -> list[Problem]:
    """Every fault in every packaged template, in both languages (empty: all clean)."""
    from fairdebt.compliance.pack import builtin_packs

    packs = builtin_packs()
    problems: list[Problem] = []
    for t in templates():
        problems += lint_template(t, packs)
    return problems


def lint_template(t: Template, packs: object) -> list[Problem]:
    """One template's faults in both languages, under `packs` (a compliance.pack.Packs)."""
    problems: list[Problem] = []
    for language in LANGUAGES:
        problems += _lint_one(t, language, packs)
    return problems


def line_of(source: str, rendered: str, found: str) -> int | None:
    """The line of `found` in the template's source if it is written there, else its line in
    the rendered text (they differ only where a placeholder's value spans lines)."""
    for text in (source, rendered):
        at = text.find(found) if found else -1
        if at >= 0:
            return text.count("\n", 0, at) + 1
    return None


def _lint_one(t: Template, language: str, packs: object) -> list[Problem]:
    from jinja2 import TemplateError

    from fairdebt.compliance.pack import Packs
    from fairdebt.compliance.rules.content import ContentRule
    from fairdebt.compliance.types import Channel, Party, Purpose

    assert isinstance(packs, Packs)
    if language not in t.text:
        return [Problem(t.file, t.id, language, "template", "no text in this language")]
    try:
        text = render_template(t, language, SAMPLE)
    except TemplateError as exc:
        return [Problem(t.file, t.id, language, "template", f"does not render: {exc}")]
    rules = packs.resolve(t.pack).rules_for(Channel(t.channel), Party(t.party), Purpose(t.purpose))
    found = []
    for rule in rules:
        if not isinstance(rule, ContentRule) or rule.spec.params is None:
            continue
        if rule.spec.params.get("kind") not in LINTED_KINDS or rule.spec.severity == "info":
            continue
        details = rule.read(text)
        if details is not None:
            match = str(details.get("match") or "")
            offending = match or f"missing {details.get('missing', '')}"
            line = line_of(t.text[language], text, match)
            found.append(Problem(t.file, t.id, language, rule.spec.id, offending, line))
    if t.time_barred:
        found += _threats_of_suit(t, language, text, rules)
    return found


def _threats_of_suit(
    t: Template, language: str, text: str, rules: Sequence[object]
) -> list[Problem]:
    """What a time-barred debt's letter must not say: the packs' time_barred_threat patterns."""
    from fairdebt.compliance.rules.debt_state import DebtRule

    found = []
    for rule in rules:
        if isinstance(rule, DebtRule) and rule.threat is not None and rule.spec.severity != "info":
            match = rule.threat.search(text)
            if match:
                line = line_of(t.text[language], text, match.group(0))
                found.append(Problem(t.file, t.id, language, rule.spec.id, match.group(0), line))
    return found
