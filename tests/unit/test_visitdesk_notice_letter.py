"""The visit notice letter (fairdebt.letters.visit_notice): its text in both languages, and its
QR code read back from the rendered page.

No QR decoder is installed, so the printed symbol is checked module by module: the PDF page is
rasterised (pypdfium2), the QR image's place on the page found from the PDF's image object, and
the colour at the centre of every module compared with the symbol segno makes of the expected
URL. Equal matrices mean the printed code is exactly the code of that URL (segno is
deterministic: same data, error level and mask rules, same symbol).
"""

from __future__ import annotations

from datetime import date

import pypdfium2 as pdfium
import pytest
import segno

from fairdebt.letters.render import is_pdf
from fairdebt.letters.visit_notice import (
    QR_BORDER,
    VisitNoticeLetter,
    code_in,
    render_notice,
    verify_url,
)

CODE = "ABCD-2345"


def letter(locale: str = "zh-CN", **changes: object) -> VisitNoticeLetter:
    values: dict[str, object] = {
        "locale": locale,
        "lender": "示例消费金融",
        "borrower_name": "张三",
        "address": "北京市东城区和平里 1 号",
        "visit_id": "V-7",
        "visit_date": date(2026, 4, 27),
        "window": ("10:00", "12:00"),
        "agents": (
            ("张外访", "CERT-001", "中国银行业协会"),
            ("赵外访", "CERT-002", "中国银行业协会"),
        ),
        "phone": "400-123-4567",
        "code": CODE,
        "portal_url": "https://portal.example.cn/verify",
        "sent_on": date(2026, 4, 20),
    }
    return VisitNoticeLetter(**(values | changes))  # type: ignore[arg-type]


def page_text(pdf: bytes) -> str:
    """The letter's text without white space (headings are letter-spaced, lines wrap)."""
    doc = pdfium.PdfDocument(pdf)
    try:
        text = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()
    return "".join(text.split())


def printed_matrix(pdf: bytes, modules: int, scale: float = 6.0) -> list[list[bool]]:
    """The QR symbol as printed on page 1: `modules` a side (quiet zone excluded), True = dark,
    sampled at the centre of each module of the rasterised page."""
    doc = pdfium.PdfDocument(pdf)
    try:
        page = doc[0]
        images = list(page.get_objects(filter=[pdfium.raw.FPDF_PAGEOBJ_IMAGE]))
        assert len(images) == 1, "the letter has one image: the QR code"
        left, bottom, right, top = images[0].get_bounds()
        height = page.get_height()
        gray = page.render(scale=scale).to_pil().convert("L")
    finally:
        doc.close()
    side = modules + 2 * QR_BORDER
    x0, y0 = left * scale, (height - top) * scale
    step_x, step_y = (right - left) * scale / side, (top - bottom) * scale / side
    assert step_x > 3 and step_y > 3, "at least a few pixels a module"
    return [
        [
            gray.getpixel(
                (
                    int(x0 + (QR_BORDER + col + 0.5) * step_x),
                    int(y0 + (QR_BORDER + row + 0.5) * step_y),
                )
            )
            < 128
            for col in range(modules)
        ]
        for row in range(modules)
    ]


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_the_printed_qr_code_is_the_verify_url_with_the_code(locale: str) -> None:
    made = letter(locale)
    pdf = render_notice(made)
    assert is_pdf(pdf)
    url = "https://portal.example.cn/verify?code=ABCD-2345"
    assert made.verify_url == url
    expected = [[bool(v) for v in row] for row in segno.make_qr(url, error="m").matrix]
    assert printed_matrix(pdf, len(expected)) == expected
    other = [[bool(v) for v in row] for row in segno.make_qr(url[:-1] + "6", error="m").matrix]
    assert printed_matrix(pdf, len(other)) != other  # the check can fail


def test_the_letter_states_day_window_purpose_agents_phone_and_code() -> None:
    text = page_text(render_notice(letter()))
    for expected in (
        "上门拜访通知书", "2026-04-27", "10:00", "12:00", "还款安排", "张外访", "CERT-001",
        "赵外访", "CERT-002", "400-123-4567", CODE, "portal.example.cn/verify", "不收取任何款项",
    ):  # fmt: skip
        assert "".join(expected.split()) in text, expected
    english = page_text(render_notice(letter("en")))
    for expected in ("Notice of a visit", "certificate CERT-002", "400-123-4567", CODE):
        assert "".join(expected.split()) in english, expected


def test_values_are_escaped_not_markup() -> None:
    text = page_text(render_notice(letter(borrower_name="<b>张三</b>", lender="A & B")))
    assert "<b>张三</b>" in text and "A&B" in text


def test_the_verify_url_keeps_the_portals_own_query_and_replaces_a_code() -> None:
    assert verify_url("https://x.cn/verify?lang=en&code=OLD", CODE) == (
        "https://x.cn/verify?lang=en&code=ABCD-2345"
    )


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("核验码 ABCD-2345，可在", CODE),
        ("Check them with code 7XYZ-KMNP at", "7XYZ-KMNP"),
        ("no code here 1234-5678", None),  # 1 is not in the alphabet
        ("XABCD-2345", None),
    ],
)
def test_the_code_is_read_from_the_notice_text(text: str, found: str | None) -> None:
    assert code_in(text) == found


# --- the notice a borrower without a phone gets: queued as this letter, rendered by the worker


def test_a_notice_by_letter_is_queued_as_the_visit_notice_and_rendered_with_its_code() -> None:
    from datetime import datetime

    from repayment_world import world

    from fairdebt.compliance.pack import builtin_packs
    from fairdebt.letters.render import document_for
    from fairdebt.services import visits
    from fairdebt.services.ports.identity import Role, User
    from fairdebt.services.ports.worklist import ContactTask, DebtRow, Person
    from fairdebt.services.worklist_execute import Sender

    packs, day = builtin_packs(), date(2026, 4, 27)
    now = datetime.fromisoformat("2026-04-20T09:00:00+08:00")
    address = "北京市东城区和平里 1 号"
    uow = world()
    boss = User("u-s", "boss", "王主管", Role.SUPERVISOR)
    with uow:
        uow.directory.people["B1"] = Person("Asia/Shanghai", address, "北京", None, "张三")
        uow.directory.accounts["B1"] = [DebtRow("A1", "CNY", 64, 500_000)]
        uow.tasks.rows[7] = ContactTask(
            7, "C-B1", "field_visit", None, "open", 64, day, "B1", None, None, 500_000,
            "张三", None, None, address, "Asia/Shanghai", "A1", "示例消费金融", "CNY",
        )  # fmt: skip
        uow.users.add(boss, "x")
        for n in (1, 2):
            uow.users.add(User(f"u-f{n}", f"field{n}", f"外访员{n}", Role.FIELD_AGENT), "x")
        uow.commit()
    for n in (1, 2):
        visits.register_agent(uow, f"field{n}", f"CERT-{n}", "协会", date(2027, 1, 31), now)
    visits.form_team(uow, "一组", ["field1", "field2"], (39.95, 116.41, "基地"), 6,
                     ("09:00", "18:00"), now, packs=packs)  # fmt: skip
    assert not visits.approve(uow, ["V-7"], "DPD 64", boss, now, packs=packs).refused
    visits.plan_day(uow, day, now, seconds=0.2)
    sender = Sender(phone="400-123-4567", portal_url="https://portal.example.cn/verify")
    notice = visits.send_notice(
        uow, "V-7", now, packs=packs,
        sender=visits.NoticeSender(sender.phone, sender.portal_url),
    )  # fmt: skip
    assert notice.channel == "letter"
    (queued,) = uow.outbox.rows.values()
    message = queued.message
    assert message.document == "visit_notice" and message.to == address
    pdf = document_for(uow, message, now, sender)
    text = page_text(pdf)
    for expected in (notice.code, "CERT-1", "CERT-2", "外访员1", "400-123-4567", "示例消费金融"):
        assert expected in text, expected
    expected = [
        [bool(v) for v in row] for row in segno.make_qr(notice.verify_url, error="m").matrix
    ]
    assert notice.verify_url == f"https://portal.example.cn/verify?code={notice.code}"
    assert printed_matrix(pdf, len(expected)) == expected
