"""SmtpChannel against a real SMTP server on 127.0.0.1 (aiosmtpd): the bytes the server receives
are the bytes `prepare` made; STARTTLS with a certificate the test makes; the server's 5xx
answers are permanent errors and its 4xx answers retryable ones."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from fairdebt.adapters.channels import unsubscribe
from fairdebt.adapters.channels.base import ChannelError, OutboundMessage
from fairdebt.adapters.channels.smtp import SmtpChannel

SECRET = "test-secret-key"
BASE = "https://collect.example.cn"
NOW = dt.datetime(2026, 6, 30, 9, 30, tzinfo=dt.UTC).timestamp()
MESSAGE = OutboundMessage(
    case_id="C-B0001",
    channel="email",
    to="zhang.san@example.cn",
    body="张三您好：您的账户已逾期，请于 7 月 5 日前还款。\n如需退订，请点击邮件中的退订链接。\n",
    decision_id="d" * 64,
    key="k" * 64,
    subject="还款提醒 / Payment reminder",
)


class Recorder:
    """Keeps what it received; refuses recipients named in `answers` with that answer."""

    def __init__(self) -> None:
        self.received: list[Any] = []
        self.answers: dict[str, str] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.answers:
            return self.answers[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(envelope)
        return "250 2.0.0 Ok: queued"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    port = _free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    yield recorder, port
    controller.stop()


def _certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def _channel(url: str) -> SmtpChannel:
    return SmtpChannel(
        url,
        "催收中心 <notices@collect.example.cn>",
        secret_key=SECRET,
        public_base=BASE,
        timeout=5,
        clock=lambda: NOW,
    )


def test_the_server_receives_exactly_the_prepared_bytes(server: tuple[Recorder, int]) -> None:
    recorder, port = server
    channel = _channel(f"smtp://127.0.0.1:{port}")
    prepared = channel.prepare(MESSAGE)

    delivery = channel.deliver(OutboundMessage(**{**_fields(MESSAGE), "payload": prepared.data}))

    assert prepared.media_type == "message/rfc822"
    assert delivery.outcome == "delivered"
    assert delivery.provider_ref == f"<{'k' * 64}@fairdebt>"
    (envelope,) = recorder.received
    assert envelope.original_content == prepared.data
    assert envelope.mail_from == "notices@collect.example.cn"
    assert envelope.rcpt_tos == ["zhang.san@example.cn"]


def test_the_message_has_its_headers_and_a_signed_one_click_unsubscribe_link() -> None:
    prepared = _channel("smtp://127.0.0.1:25").prepare(MESSAGE)
    mail = message_from_bytes(prepared.data, policy=default)

    assert b"\r\n" in prepared.data and b"\n" not in prepared.data.replace(b"\r\n", b"")
    assert mail["To"] == "zhang.san@example.cn"
    assert mail["Subject"] == "还款提醒 / Payment reminder"
    assert mail["Message-ID"] == f"<{'k' * 64}@fairdebt>"
    assert mail["Date"] == "Tue, 30 Jun 2026 09:30:00 +0000"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = mail["List-Unsubscribe"].strip("<>")
    assert link.startswith(f"{BASE}/api/v1/inbound/email/unsubscribe?t=")
    token = link.split("?t=", 1)[1]
    assert unsubscribe.read(SECRET, token) == unsubscribe.Unsubscribe("C-B0001", MESSAGE.to)
    assert unsubscribe.read("another-secret", token) is None
    assert mail.get_content_type() == "text/plain"
    assert mail.get_content_charset() == "utf-8"
    assert mail.get_content().replace("\r\n", "\n") == MESSAGE.body  # CRLF on the wire
    assert max(len(line) for line in prepared.data.split(b"\r\n")) <= 998
    assert prepared.data.isascii()  # 7-bit clean: no server needs 8BITMIME


def test_preparing_twice_gives_the_same_bytes() -> None:
    channel = _channel("smtp://127.0.0.1:25")

    assert channel.prepare(MESSAGE).data == channel.prepare(MESSAGE).data


def test_a_5xx_answer_is_a_permanent_error_with_the_servers_words(
    server: tuple[Recorder, int],
) -> None:
    recorder, port = server
    recorder.answers[MESSAGE.to] = "550 5.1.1 No such user here"
    channel = _channel(f"smtp://127.0.0.1:{port}")

    with pytest.raises(ChannelError) as caught:
        channel.deliver(MESSAGE)

    assert caught.value.permanent
    assert "550" in caught.value.cause and "No such user" in caught.value.cause
    assert recorder.received == []


def test_a_4xx_answer_is_retryable(server: tuple[Recorder, int]) -> None:
    recorder, port = server
    recorder.answers[MESSAGE.to] = "451 4.7.1 Greylisted, try again later"

    with pytest.raises(ChannelError) as caught:
        _channel(f"smtp://127.0.0.1:{port}").deliver(MESSAGE)

    assert not caught.value.permanent
    assert "451" in caught.value.cause and "Greylisted" in caught.value.cause


def test_an_unreachable_server_is_retryable() -> None:
    with pytest.raises(ChannelError) as caught:
        _channel(f"smtp://127.0.0.1:{_free_port()}").deliver(MESSAGE)

    assert not caught.value.permanent
    assert "could not be reached" in caught.value.cause


def test_starttls_with_the_servers_own_certificate(tmp_path: Path) -> None:
    cert, key = _certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    recorder = Recorder()
    port = _free_port()
    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=_only("fairdebt", "p@ss word"),
    )
    controller.start()
    try:
        channel = _channel(
            f"smtp://fairdebt:p%40ss%20word@127.0.0.1:{port}?starttls=required&cafile={cert}"
        )
        prepared = channel.prepare(MESSAGE)
        channel.deliver(OutboundMessage(**{**_fields(MESSAGE), "payload": prepared.data}))
        untrusted = _channel(f"smtp://127.0.0.1:{port}?starttls=required")
        with pytest.raises(ChannelError) as caught:
            untrusted.deliver(MESSAGE)
    finally:
        controller.stop()

    (envelope,) = recorder.received
    assert envelope.original_content == prepared.data
    assert "CERTIFICATE_VERIFY_FAILED" in caught.value.cause  # never sent in the clear
    assert not caught.value.permanent


def test_implicit_tls(tmp_path: Path) -> None:
    cert, key = _certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    recorder = Recorder()
    port = _free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, ssl_context=context)
    controller.start()
    try:
        channel = _channel(f"smtps://127.0.0.1:{port}?cafile={cert}")
        prepared = channel.prepare(MESSAGE)
        channel.deliver(OutboundMessage(**{**_fields(MESSAGE), "payload": prepared.data}))
    finally:
        controller.stop()

    (envelope,) = recorder.received
    assert envelope.original_content == prepared.data


def _only(user: str, password: str) -> Any:
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == user.encode() and auth_data.password == password.encode()
        return AuthResult(success=ok)

    return authenticate


def test_required_starttls_is_never_skipped(server: tuple[Recorder, int]) -> None:
    recorder, port = server  # this server offers no STARTTLS

    with pytest.raises(ChannelError) as caught:
        _channel(f"smtp://127.0.0.1:{port}?starttls=required").deliver(MESSAGE)

    assert "STARTTLS" in caught.value.cause
    assert recorder.received == []


def _fields(message: OutboundMessage) -> dict[str, Any]:
    return {f: getattr(message, f) for f in message.__dataclass_fields__}


def test_a_long_body_keeps_base64_lines_short() -> None:
    long = OutboundMessage(**{**_fields(MESSAGE), "body": "还款提醒。" * 400})
    prepared = _channel("smtp://127.0.0.1:25").prepare(long)

    assert max(len(line) for line in prepared.data.split(b"\r\n")) <= 998
    body = prepared.data.split(b"\r\n\r\n", 1)[1]
    assert max(len(line) for line in body.split(b"\r\n")) <= 76
