"""The field-visit report PDF (fairdebt.letters.visit_report), read back with pypdfium2: its
text states the certificates, the evidence hashes and the labels in both languages; the drawn
signatures are on the page; a report not signed by both agents is refused."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import re
from datetime import UTC, date, datetime, time

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from PIL import Image, ImageDraw

from fairdebt.letters.render import is_pdf, pdf_page_count
from fairdebt.letters.visit_report import (
    Agent,
    AgentSignature,
    Evidence,
    Met,
    Notice,
    VisitReport,
    VisitReportError,
    render_visit_report,
)

AUDIO = "sha256:" + hashlib.sha256(b"the visit's recording").hexdigest()
PHOTO = "sha256:" + hashlib.sha256(b"the door, 10:06").hexdigest()
WANG = Agent("王强", "CBA-2026-00123", "中国银行业协会")
LIU = Agent("刘芳", "CBA-2026-00456", "中国银行业协会")


def at(hour: int, minute: int) -> datetime:
    return datetime(2026, 7, 1, hour, minute, tzinfo=UTC)


def drawn(wiggle: int) -> bytes:
    """A signature as a signature pad gives it: black strokes on a transparent PNG."""
    image = Image.new("RGBA", (400, 150), (255, 255, 255, 0))
    stroke = [(20 + i * 18, 75 + (i * wiggle * 37) % 60 - 30) for i in range(20)]
    ImageDraw.Draw(image).line(stroke, fill=(0, 0, 0, 255), width=5)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


REPORT = VisitReport(
    case_ref="C-B0001234",
    visit_id="V-2026-0701-01",
    visit_date=date(2026, 7, 1),
    window=(time(10, 0), time(12, 0)),
    timezone="Asia/Shanghai",
    checked_in_at=at(2, 5),
    checked_out_at=at(2, 40),
    place="上海市浦东新区世纪大道 ****",
    distance_m=35,
    agents=(WANG, LIU),
    met=Met.RELATIVE,
    relationship="配偶",
    outcome="借款人配偶在家，转告借款人本周内回电。",
    proposal="承诺 2026-07-15 前通过官方 App 还款 ¥3,000.00",
    notices=(Notice.COLLECTION_NOTICE, Notice.SEALED_LETTER),
    person_signature=drawn(3),
    person_signed_at=at(2, 35),
    evidence=(Evidence("录音 audio", AUDIO), Evidence("照片 photo", PHOTO)),
    signatures=(
        AgentSignature(WANG.certificate, drawn(5), at(2, 38)),
        AgentSignature(LIU.certificate, drawn(7), at(2, 39)),
    ),
)

GIF_SIGNATURE = AgentSignature(WANG.certificate, b"GIF89a", at(2, 38))


def text_of(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(pdf)
    try:
        return "".join(page.get_textpage().get_text_range() for page in doc)
    finally:
        doc.close()


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def images_with_ink(pdf: bytes) -> list[float]:
    """Each image on page 1: the share of non-white pixels in its box, rendered at 100 dpi."""
    doc = pdfium.PdfDocument(pdf)
    try:
        page = doc[0]
        scale = 100 / 72
        picture = page.render(scale=scale, grayscale=True).to_pil()
        height = page.get_height()
        found = []
        for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]):
            left, bottom, right, top = obj.get_bounds()
            box = (left * scale, (height - top) * scale, right * scale, (height - bottom) * scale)
            pixels = list(picture.crop(tuple(round(v) for v in box)).get_flattened_data())
            found.append(sum(1 for p in pixels if p < 128) / max(1, len(pixels)))
        return found
    finally:
        doc.close()


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_the_report_states_certificates_evidence_and_times_in_its_zone(language: str) -> None:
    pdf = render_visit_report(REPORT, language)

    text = text_of(pdf)
    assert is_pdf(pdf) and pdf_page_count(pdf) == 1
    assert WANG.certificate in text and LIU.certificate in text and "中国银行业协会" in text
    assert AUDIO in flat(text) and PHOTO in flat(text)
    assert "C-…1234" in text and "B0001234" not in text  # the case reference masked
    assert "2026-07-0110:05:00(Asia/Shanghai)" in flat(text)  # check-in, in the visit's zone
    assert "Asia/Shanghai" in text and "10:00–12:00" in text
    assert "配偶" in text and "35" in text


def test_the_chinese_report_has_its_chinese_labels() -> None:
    text = flat(text_of(render_visit_report(REPORT, "zh-CN")))

    for label in ("上门催收外访报告", "上岗证编号", "发证机构", "接触对象", "送达文书", "催收函"):
        assert label in text
    for label in ("被访人签名", "证据清单", "外访人员签字确认", "未收取现金或银行卡"):
        assert label in text


def test_the_english_report_has_its_english_labels() -> None:
    text = text_of(render_visit_report(REPORT, "en"))

    for label in ("Field visit report", "Certificate no.", "Sign-off by the agents", "Evidence"):
        assert label in text
    assert "Collection notice, Sealed letter" in text and "A relative (配偶)" in text


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_the_drawn_signatures_are_on_the_page(language: str) -> None:
    inked = images_with_ink(render_visit_report(REPORT, language))

    assert len(inked) == 3  # the person met and both agents
    assert all(share > 0.005 for share in inked)


def test_the_same_report_gives_the_same_bytes() -> None:
    assert render_visit_report(REPORT, "zh-CN") == render_visit_report(REPORT, "zh-CN")


def test_a_person_who_refused_to_sign_and_nobody_met_are_said_so() -> None:
    refused = dataclasses.replace(REPORT, person_signature=None, person_signed_at=None)
    nobody = dataclasses.replace(refused, met=Met.NOBODY, relationship="")

    refused_text = flat(text_of(render_visit_report(refused, "zh-CN")))
    nobody_text = text_of(render_visit_report(nobody, "en"))

    assert "拒绝签名" in refused_text
    assert "Nobody to sign" in nobody_text and "Nobody at home" in nobody_text
    assert len(images_with_ink(render_visit_report(refused, "zh-CN"))) == 2


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"signatures": REPORT.signatures[:1]}, "1 agent signature"),
        ({"signatures": ()}, "0 agent signature"),
        ({"signatures": (REPORT.signatures[0],) * 2}, "1 agent signature"),
        ({"agents": (WANG,)}, "signed by both agents"),
        (
            {"signatures": (*REPORT.signatures[:1], AgentSignature("X-1", drawn(2), at(2, 39)))},
            "not an agent of the visit",
        ),
        (
            {"signatures": (GIF_SIGNATURE, REPORT.signatures[1])},
            "not a PNG",
        ),
    ],
)  # fmt: skip
def test_a_report_not_signed_by_both_agents_is_refused(change: dict, says: str) -> None:
    with pytest.raises(VisitReportError, match=says) as refused:
        render_visit_report(dataclasses.replace(REPORT, **change), "zh-CN")

    assert refused.value.hint


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"person_signature": b"\x89PNX not a png"}, "not a PNG"),
        ({"person_signature": b"\x89PNG\r\n\x1a\n" + b"\0" * 2_000_000}, "not a PNG"),
        ({"relationship": " "}, "relationship is not stated"),
        ({"evidence": (Evidence("photo", "sha256:abc"),)}, "not a sha256: reference"),
        ({"evidence": (Evidence("photo", "md5:" + "0" * 64),)}, "not a sha256: reference"),
        ({"checked_in_at": datetime(2026, 7, 1, 10, 5)}, "without its zone"),
        ({"checked_out_at": at(1, 0)}, "checked out before"),
        ({"checked_out_at": datetime(9999, 12, 31, 23, 0, tzinfo=UTC)}, "outside the calendar"),
        ({"timezone": "Asia/Atlantis"}, "unknown time zone"),
        ({"outcome": "长" * 4_001}, "4001 characters"),
        ({"outcome": "  "}, "no outcome"),
        ({"distance_m": -1}, "distance"),
        ({"distance_m": 10**30}, "distance"),
    ],
)
def test_a_malformed_report_is_refused_naming_what(change: dict, says: str) -> None:
    with pytest.raises(VisitReportError, match=says):
        render_visit_report(dataclasses.replace(REPORT, **change), "en")


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(VisitReportError, match="unknown language"):
        render_visit_report(REPORT, "fr")


def test_control_characters_and_markup_are_printed_harmlessly() -> None:
    report = dataclasses.replace(
        REPORT, outcome="门口\x00无人<script>alert(1)</script>", place="<b>上海</b> ****"
    )

    text = text_of(render_visit_report(report, "zh-CN"))

    assert "<script>alert(1)</script>" in text and "<b>上海</b>" in text  # as text, escaped
    assert "\x00" not in text
