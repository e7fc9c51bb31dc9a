"""E-mail over SMTP (docs/channels.md, "E-mail").

`prepare` builds the whole message with the standard library's email package — From, To,
Subject, Date, Message-ID `<key@fairdebt>`, a UTF-8 text/plain body (base64, so the message is
7-bit clean and no server needs 8BITMIME), and the one-click unsubscribe headers of RFC 2369 and
RFC 8058 — with CRLF line ends, exactly as it goes on the wire. `deliver` hands those bytes to
the server unchanged (`sendmail` with bytes).

`smtp://user:pass@host:port` starts TLS when the server offers STARTTLS (and refuses to send
without it when the URL says `?starttls=required`); `smtps://` is TLS from the first byte.
`?cafile=/path.pem` trusts that certificate authority besides the system's.

SMTP cannot drop a repeated message, so the channel is not idempotent: a message whose outcome
was lost is confirmed by a person, not sent again. The server's 4xx answers and connection
faults are retryable errors, its 5xx answers permanent ones; both carry the server's answer.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

from fairdebt.adapters.channels import unsubscribe
from fairdebt.adapters.channels.base import ChannelError, Delivery, OutboundMessage, Prepared
from fairdebt.errors import FairdebtError


@dataclass(frozen=True, slots=True)
class SmtpServer:
    """Where and how to connect, read from FAIRDEBT_SMTP_URL."""

    host: str
    port: int
    implicit_tls: bool
    starttls_required: bool
    user: str
    password: str
    cafile: str | None

    @classmethod
    def parse(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise FairdebtError(
                "FAIRDEBT_SMTP_URL is not smtp://host:port or smtps://host:port",
                "e.g. smtp://user:pass@mail.example.cn:587?starttls=required",
            )
        query = parse_qs(parts.query)
        implicit = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if implicit else 25),
            implicit_tls=implicit,
            starttls_required=query.get("starttls", [""])[0] == "required",
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            cafile=query.get("cafile", [None])[0],
        )


# CRLF line ends; headers unfolded up to RFC 5322's 998 characters, so the Message-ID and the
# unsubscribe link stay on one line each (a folded URL is read wrongly by some clients). The
# body is encoded under the plain SMTP policy: base64 lines of 76 characters (RFC 2045).
_POLICY = SMTP.clone(max_line_length=998)


class SmtpChannel:
    """One SMTP server; a connection per message."""

    idempotent = False

    def __init__(
        self,
        url: str,
        mail_from: str,
        *,
        secret_key: str,
        public_base: str,
        timeout: float = 10.0,
        ssl_context: ssl.SSLContext | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.server = SmtpServer.parse(url)
        self.mail_from = mail_from
        self._envelope_from = parseaddr(mail_from)[1] or mail_from
        self._secret = secret_key
        self._base = public_base
        self._timeout = timeout
        self._clock = clock
        self._tls = ssl_context or ssl.create_default_context(cafile=self.server.cafile)

    def prepare(self, message: OutboundMessage) -> Prepared:
        """The MIME message. Every header follows from the message except Date, the moment it
        was prepared: the evidence keeps these exact bytes."""
        link = unsubscribe.link(self._base, self._secret, message.case_id, message.to)
        mime = EmailMessage(policy=SMTP)
        mime["From"] = self.mail_from
        mime["To"] = message.to
        mime["Subject"] = message.subject
        mime["Date"] = format_datetime(datetime.fromtimestamp(self._clock(), UTC))
        mime["Message-ID"] = f"<{_message_key(message)}@fairdebt>"
        mime["List-Unsubscribe"] = f"<{link}>"
        mime["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        mime.set_content(message.body, charset="utf-8", cte="base64")
        return Prepared(mime.as_bytes(policy=_POLICY), "message/rfc822")

    def deliver(self, message: OutboundMessage) -> Delivery:
        data = message.payload or self.prepare(message).data
        try:
            with self._connect() as smtp:
                smtp.sendmail(self._envelope_from, [message.to], data)
        except smtplib.SMTPRecipientsRefused as exc:
            code, answer = next(iter(exc.recipients.values()))
            raise _answered(code, answer) from None
        except smtplib.SMTPResponseException as exc:
            raise _answered(exc.smtp_code, exc.smtp_error) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise ChannelError(
                f"the mail server could not be reached: {type(exc).__name__}: {exc}",
                "check FAIRDEBT_SMTP_URL and the server; the message may be retried",
            ) from None
        return Delivery("delivered", provider_ref=f"<{_message_key(message)}@fairdebt>")

    def lookup(self, key: str) -> Delivery | None:
        """SMTP keeps no record we can ask."""
        return None

    def _connect(self) -> smtplib.SMTP:
        server = self.server
        if server.implicit_tls:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                server.host, server.port, timeout=self._timeout, context=self._tls
            )
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=self._timeout)
        try:
            smtp.ehlo()
            if not server.implicit_tls and smtp.has_extn("starttls"):
                smtp.starttls(context=self._tls)
                smtp.ehlo()
            elif not server.implicit_tls and server.starttls_required:
                raise smtplib.SMTPNotSupportedError(
                    "the server does not offer STARTTLS and the URL requires it"
                )
            if server.user:
                smtp.login(server.user, server.password)
        except BaseException:
            smtp.close()
            raise
        return smtp


def _answered(code: int, answer: bytes | str) -> ChannelError:
    text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)
    permanent = 500 <= code < 600
    return ChannelError(
        f"the mail server answered {code} {text}",
        "the server refuses this message for good: check the address"
        if permanent
        else "the server asks to try again later; the message may be retried",
        permanent=permanent,
    )


def _message_key(message: OutboundMessage) -> str:
    """The idempotency key, else the decision, else a digest of the message."""
    if message.key or message.decision_id:
        return message.key or str(message.decision_id)
    digest = hashlib.sha256(f"{message.to}\n{message.subject}\n{message.body}".encode())
    return digest.hexdigest()[:32]
