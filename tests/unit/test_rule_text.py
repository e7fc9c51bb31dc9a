"""A logged rule message in the page's language: the pack's zh-CN text with the fields read back
from its English one; a message the pack did not write falls back to the catalogue, then as is."""

from __future__ import annotations

from fairdebt.compliance.pack import builtin_packs
from fairdebt.web.rule_text import localized

PACKS = builtin_packs()


def test_a_pack_rules_english_message_is_shown_in_the_packs_chinese() -> None:
    rule = {
        "id": "CBA26-TIME",
        "message": "No collection 22:00–08:00 without the debtor's consent: it is 07:30 in "
        "Asia/Urumqi; allowed 08:00–22:00.",
    }

    zh = localized(rule, "cn@2026.1", "zh-CN", PACKS)

    expected = "未经债务人同意，22:00 至 08:00 不得催收：Asia/Urumqi 当地时间 07:30，"
    assert zh == expected + "允许时段 08:00–22:00。"
    assert localized(rule, "cn@2026.1", "en", PACKS) == rule["message"]


def test_a_message_the_pack_did_not_write_is_kept() -> None:
    rule = {"id": "CN-RATE-29", "message": "Demands 1,200.00 CNY; at most 1,000.00 may be."}

    assert localized(rule, "cn", "zh-CN", PACKS) == rule["message"]
    assert (
        localized({"id": "X", "message": "Allowed from"}, "nope", "zh-CN", PACKS)
        == "最早可联络时间"
    )
