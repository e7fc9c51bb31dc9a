"""The no-cash screen for field agents' notes: Chinese and English, and what it must not flag."""

from __future__ import annotations

import pytest

from fairdebt.visits.money_words import money_mentions


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("借款人给了我500元现金", "现金"),
        ("他要把银行卡交给我们", "银行卡"),
        ("让他转账给我", "转账给我"),
        ("收取上门费200元", "上门费"),
        ("扫我的收款码", "收款码"),
        ("He handed me $200 in cash", "cash"),
        ("asked for my bank card number", "bank card"),
        ("told him to transfer it to my account", "transfer it to my"),
        ("charged a visit fee", "visit fee"),
        ("ＣＡＳＨ on the table", "CASH"),  # full-width letters
    ],
)
def test_money_at_the_door_is_found(text: str, word: str) -> None:
    assert word.lower() in [w.lower() for w in money_mentions(text)]


@pytest.mark.parametrize(
    "text",
    [
        "他说现金流紧张，下月发工资后还款",
        "Their cash flow is tight until May",
        "cash-flow problems at the shop",
        "已告知只能通过官方渠道还款",
        "Explained the official payment channels only",
        "",
        "\x00" * 10,
    ],
)
def test_talk_about_money_without_handling_it_is_not_flagged(text: str) -> None:
    assert money_mentions(text) == []


def test_each_word_once_in_order_and_a_huge_note_is_screened_quickly() -> None:
    assert money_mentions("现金 现金 cash CASH") == ["现金", "cash"]
    assert money_mentions("平安无事。" * 200_000) == []
