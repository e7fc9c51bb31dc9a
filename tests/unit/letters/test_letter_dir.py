"""The letter provider: a PDF and then its manifest, each written atomically; a key posted once
is never written again."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from fairdebt.adapters.channels.base import ChannelError, OutboundMessage
from fairdebt.adapters.channels.letter_dir import LetterDirChannel
from fairdebt.letters import html_to_pdf


@pytest.fixture(scope="module")
def pdf() -> bytes:
    pages = "".join(f'<p style="break-after: page">第 {n} 页</p>' for n in range(1, 3))
    return html_to_pdf(f'<html lang="zh-CN"><body>{pages}</body></html>')


def letter(pdf: bytes, key: str = "dec-001") -> OutboundMessage:
    return OutboundMessage(
        "C-B0001", "letter", "北京市朝阳路2号", "", "dec-001", key=key,
        subject="collection_notice", language="zh-CN", payload=pdf,
    )  # fmt: skip


def test_prepare_hands_the_pdf_over_unchanged(tmp_path: Path, pdf: bytes) -> None:
    prepared = LetterDirChannel(tmp_path).prepare(letter(pdf))

    assert prepared.data == pdf and prepared.media_type == "application/pdf"


def test_a_payload_that_is_not_a_pdf_is_refused_for_good(tmp_path: Path) -> None:
    channel = LetterDirChannel(tmp_path)

    with pytest.raises(ChannelError) as caught:
        channel.prepare(letter(b"Dear borrower, please pay"))

    assert caught.value.permanent and "not a PDF" in caught.value.cause
    with pytest.raises(ChannelError):
        channel.deliver(letter(b"%PDF-1.7 cut short"))
    assert list(tmp_path.iterdir()) == []


def test_deliver_writes_the_pdf_and_a_manifest_describing_it(tmp_path: Path, pdf: bytes) -> None:
    channel = LetterDirChannel(tmp_path / "out")  # made on first delivery

    delivery = channel.deliver(letter(pdf))

    assert (tmp_path / "out" / "dec-001.pdf").read_bytes() == pdf
    manifest = json.loads((tmp_path / "out" / "dec-001.json").read_text(encoding="utf-8"))
    assert manifest == {
        "key": "dec-001",
        "case_id": "C-B0001",
        "kind": "collection_notice",
        "address": "北京市朝阳路2号",
        "language": "zh-CN",
        "sha256": hashlib.sha256(pdf).hexdigest(),
        "bytes": len(pdf),
        "pages": 2,
    }
    assert delivery.outcome == "delivered" and manifest["sha256"] in delivery.provider_ref
    assert channel.lookup("dec-001") == delivery
    assert channel.lookup("dec-002") is None
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["dec-001.json", "dec-001.pdf"]


def test_a_key_posted_before_returns_the_earlier_delivery_and_writes_nothing(
    tmp_path: Path, pdf: bytes
) -> None:
    channel = LetterDirChannel(tmp_path)
    first = channel.deliver(letter(pdf))
    stamp = (tmp_path / "dec-001.pdf").stat().st_mtime_ns
    other = html_to_pdf("<p>another letter</p>")

    again = LetterDirChannel(tmp_path).deliver(letter(other))  # a new process, same key

    assert again == first and LetterDirChannel.idempotent
    assert (tmp_path / "dec-001.pdf").read_bytes() == pdf
    assert (tmp_path / "dec-001.pdf").stat().st_mtime_ns == stamp


def test_the_manifest_is_written_last_so_a_crash_leaves_no_manifest_and_a_retry_completes(
    tmp_path: Path, pdf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = LetterDirChannel(tmp_path)
    real_replace = os.replace
    renamed: list[str] = []

    def crash_on_the_manifest(src: str, dst: str) -> None:
        renamed.append(Path(dst).name)
        if str(dst).endswith(".json"):
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crash_on_the_manifest)
    with pytest.raises(ChannelError, match="No space left"):
        channel.deliver(letter(pdf))
    monkeypatch.setattr(os, "replace", real_replace)

    assert renamed == ["dec-001.pdf", "dec-001.json"]  # the PDF first, the manifest last
    assert channel.lookup("dec-001") is None  # no manifest: not posted
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dec-001.pdf"]  # no temp file left
    channel.deliver(letter(pdf))
    assert channel.lookup("dec-001") is not None


@pytest.mark.parametrize("key", ["", "../escape", ".hidden", "a/b", "名字"])
def test_a_key_that_cannot_name_a_file_is_refused(tmp_path: Path, pdf: bytes, key: str) -> None:
    with pytest.raises(ChannelError) as caught:
        LetterDirChannel(tmp_path).deliver(letter(pdf, key=key))

    assert caught.value.permanent
    assert list(tmp_path.iterdir()) == []


def test_the_setting_defaults_to_letters_under_the_data_directory(tmp_path: Path) -> None:
    from fairdebt.settings import load_settings

    assert load_settings(data_dir=tmp_path).letter_path == tmp_path / "letters"
    assert load_settings(letter_dir=tmp_path / "x").letter_path == tmp_path / "x"
