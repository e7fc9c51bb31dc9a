"""The organisation's official repayment channels as shown to borrowers
(FAIRDEBT_REPAYMENT_CHANNELS, domain.payment_channel.official_channels)."""

from __future__ import annotations

import pytest

from fairdebt.domain.errors import DomainError
from fairdebt.domain.payment_channel import OfficialChannel, official_channels
from fairdebt.errors import SettingsError
from fairdebt.settings import load_settings


def test_entries_are_read_in_their_order() -> None:
    text = " lender_app = App → 我的借款 → 还款 ; payment_link=https://pay.example.cn/a=b ;"

    assert official_channels(text) == (
        OfficialChannel("lender_app", "App → 我的借款 → 还款"),
        OfficialChannel("payment_link", "https://pay.example.cn/a=b"),
    )
    assert official_channels("") == ()


@pytest.mark.parametrize(
    "text",
    [
        "cash=the collector takes it",
        "wechat_pay=张三 个人收款码",
        "bank_transfer",
        "bank_transfer=",
        "lender_app=line one\nline two",
        "lender_app=nul\x00byte",
        "lender_app=" + "长" * 201,
    ],
)
def test_an_unofficial_kind_or_a_bad_line_is_refused(text: str) -> None:
    with pytest.raises(DomainError):
        official_channels(text)


def test_the_setting_refuses_an_unofficial_channel_in_one_line() -> None:
    with pytest.raises(SettingsError, match="FAIRDEBT_REPAYMENT_CHANNELS"):
        load_settings(repayment_channels="cash=at the door")

    assert load_settings(repayment_channels="auto_debit=签约代扣").repayment_channels
