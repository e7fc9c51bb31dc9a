"""Which provider each channel goes through, from the settings (docs/channels.md).

Letters are posted as PDF + manifest to the print/mail provider's directory (FAIRDEBT_LETTER_DIR,
default <data_dir>/letters). SMS goes through the HTTP gateway when FAIRDEBT_SMS_GATEWAY_URL is
set, e-mail through SMTP when FAIRDEBT_SMTP_URL is; every other channel, and these two when
unset, go to the in-memory console channel (development, the demo and tests). Only the
composition root (bootstrap.Services) calls this.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fairdebt.adapters.channels.console import ConsoleChannel

if TYPE_CHECKING:
    from fairdebt.adapters.channels.base import Channel
    from fairdebt.settings import Settings


def build_channels(settings: Settings) -> dict[str, Channel]:
    from fairdebt.adapters.channels.letter_dir import LetterDirChannel
    from fairdebt.bootstrap import CONSOLE_CHANNELS

    channels: dict[str, Channel] = {kind: ConsoleChannel() for kind in CONSOLE_CHANNELS}
    channels["letter"] = LetterDirChannel(settings.letter_path)
    if settings.sms_gateway_url:
        from fairdebt.adapters.channels.sms_gateway import SmsGatewayChannel

        channels["sms"] = SmsGatewayChannel(
            settings.sms_gateway_url,
            settings.sms_gateway_key_id,
            settings.sms_gateway_secret.get_secret_value(),
        )
    if settings.smtp_url is not None:
        from fairdebt.adapters.channels.smtp import SmtpChannel

        channels["email"] = SmtpChannel(
            settings.smtp_url.get_secret_value(),
            settings.mail_from,
            secret_key=settings.secret_key.get_secret_value(),
            public_base=settings.public_base,
        )
    return channels
