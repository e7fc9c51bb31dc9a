"""build_channels: the providers the settings name, the console channel for everything else."""

from __future__ import annotations

import pytest

from fairdebt.adapters.channels.console import ConsoleChannel
from fairdebt.adapters.channels.factory import build_channels
from fairdebt.adapters.channels.sms_gateway import SmsGatewayChannel
from fairdebt.adapters.channels.smtp import SmtpChannel
from fairdebt.bootstrap import CONSOLE_CHANNELS, Services
from fairdebt.errors import SettingsError
from fairdebt.settings import load_settings


def test_unset_providers_are_the_console_channel_and_letters_go_to_the_post_directory(
    tmp_path,
) -> None:
    from fairdebt.adapters.channels.letter_dir import LetterDirChannel

    channels = build_channels(load_settings(env="test", data_dir=tmp_path))

    assert set(channels) == set(CONSOLE_CHANNELS)
    assert isinstance(channels["letter"], LetterDirChannel)
    assert all(isinstance(c, ConsoleChannel) for k, c in channels.items() if k != "letter")


def test_the_configured_providers_replace_sms_and_email() -> None:
    settings = load_settings(
        env="test",
        sms_gateway_url="https://sms.example.cn/v1/",
        sms_gateway_key_id="fairdebt",
        sms_gateway_secret="s",
        smtp_url="smtps://u:p@mail.example.cn",
        public_url="https://collect.example.cn",
    )

    channels = Services(settings).channels

    assert isinstance(channels["sms"], SmsGatewayChannel)
    assert channels["sms"].url == "https://sms.example.cn/v1"
    assert isinstance(channels["email"], SmtpChannel)
    assert channels["email"].server.implicit_tls and channels["email"].server.port == 465
    assert isinstance(channels["call"], ConsoleChannel)
    assert not channels["email"].idempotent and channels["sms"].idempotent


def test_a_gateway_without_a_secret_is_refused() -> None:
    with pytest.raises(SettingsError):
        load_settings(env="test", sms_gateway_url="https://sms.example.cn")


@pytest.mark.parametrize(
    ("name", "value"),
    [("smtp_url", "mail.example.cn:25"), ("inbound_secrets", "gateway"), ("public_url", "x")],
)
def test_malformed_channel_settings_are_refused(name: str, value: str) -> None:
    with pytest.raises(SettingsError):
        load_settings(env="test", **{name: value})


def test_inbound_secrets_by_provider() -> None:
    settings = load_settings(
        env="test", sms_gateway_secret="g", inbound_secrets=" email:m , other:o:x "
    )

    assert settings.inbound_secret_map == {"gateway": "g", "email": "m", "other": "o:x"}
    assert settings.public_base == "http://127.0.0.1:8000"
