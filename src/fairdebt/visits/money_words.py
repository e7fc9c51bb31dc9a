"""Words in a field agent's note that say money changed hands at the door, or was asked for.

A field visit never collects: repayment goes only through the channels the lender designates
(《互联网金融逾期债务催收自律公约（试行）》第十九条, NIFA18-19), and no fee may be charged in
the name of collection (CBA 2026 八项禁止行为: 不得以催收名义收取额外费用). The field app has no
way to record money received; a note that mentions cash, a bank card, a transfer to a person or
a fee for the visit is the trace of one, and services.visits raises an alert for the supervisor
and compliance when `money_mentions` finds any.

It is a screen, not a judge: it errs towards an alert (a person reads the note), but it leaves
out the phrases that talk about money without handling it — 现金流 / cash flow, 官方渠道 and the
like are not matches.
"""

from __future__ import annotations

import re
import unicodedata

_PATTERNS: tuple[str, ...] = (
    # Chinese: cash, cards, transfers to a person, fees for the visit
    r"现金(?!流)",
    r"银行卡",
    r"信用卡",
    r"储蓄卡",
    r"卡号",
    r"(?:取款|银行卡|支付)?密码",
    r"转(?:账|帐)?(?:给|到)(?:我|他|她|本人|个人|私人|催收员|外访员)",
    r"(?:个人|私人)(?:账户|帐户|卡|微信|支付宝)",
    r"(?:收款码|付款码|二维码收款)",
    r"(?:微信|支付宝)(?:转账|转帐|付款|收款)",
    r"(?:上门|外访|催收|跑腿|辛苦|车马|差旅|服务|手续)费",
    r"(?:交|给|付)(?:给)?(?:了)?(?:我|我们)(?:的)?\d*\s*(?:元|块)",
    r"\d+\s*(?:元|块钱?)(?:现金)?(?:交给|给了?)(?:我|他|她)",
    # English
    r"\bcash\b(?!\s*-?\s*flows?\b)",
    r"\b(?:bank|debit|credit|atm)\s+cards?\b",
    r"\bcard\s+(?:number|details|pin)\b",
    r"\bpin\s+(?:number|code)\b",
    r"\btransfer(?:red|ring)?\s+(?:it\s+|money\s+|the\s+money\s+)?to\s+(?:me|him|her|my|his|her)\b",
    r"\b(?:personal|private)\s+(?:account|wallet)\b",
    r"\bpa(?:y|id)\s+(?:me|him|her)\b",
    r"\b(?:handed|gave)\s+(?:me|him|her)\s+(?:\$|¥|rmb\s*)?\d[\d,.]*",
    r"\b(?:visit|travel|call-?out|collection|service|handling)\s+(?:fee|charge)s?\b",
    r"\btips?\b(?=\s+(?:for|to)\s+(?:me|him|her|the\s+agents?))",
)
_SCREEN = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE)
MAX_TEXT = 100_000  # a note longer than this is screened up to here (and refused elsewhere)


def money_mentions(text: str) -> list[str]:
    """The phrases of `text` that mention money handled at the door, in order, each once
    (NFKC-normalised first, so full-width letters and digits count)."""
    normal = unicodedata.normalize("NFKC", text[:MAX_TEXT])
    found: list[str] = []
    for match in _SCREEN.finditer(normal):
        phrase = match.group(0).strip()
        if phrase and phrase.lower() not in (f.lower() for f in found):
            found.append(phrase)
    return found
