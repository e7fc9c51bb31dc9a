"""A letter's portal sign-in, end to end: a collection notice queued and sent by the outbox
worker (the path every posted letter takes) prints the case link and a code; both are read back
from the PDF's text (pypdfium2) and open the borrower's portal at /portal/letter/<token>. The
sealed cover, which names no debt, prints neither; `fairdebt letters render` prints a specimen
and issues nothing."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import console_data
import pypdfium2 as pdfium
import pytest
from csrf_forms import carry_token
from fastapi.testclient import TestClient

from fairdebt.bootstrap import Services
from fairdebt.services.contact import ContactRequest, ask
from fairdebt.services.outbox import enqueue, new_key
from fairdebt.services.ports.outbox import NewMessage
from fairdebt.settings import load_settings
from fairdebt.web.app import create_app

NOW = console_data.NOW
CASE = "C-B0004"
LINK = re.compile(r"/portal/letter/([A-Za-z0-9_-]{43})[,，]")
CODE = re.compile(r"(?:code|登录码)([0-9A-Z]{4}-[0-9A-Z]{4})")


class _Clock:
    def now(self):  # type: ignore[no-untyped-def]
        return NOW


@pytest.fixture
def wired(console_db: tuple[str, object], tmp_path: Path) -> Services:
    settings = load_settings(
        database_url=console_db[0],
        secret_key="test-secret-key",
        locale="zh-CN",
        env="test",
        data_dir=tmp_path,
        letter_dir=tmp_path / "post",
        public_url="https://portal.example.cn",
    )
    return Services(settings, clock=_Clock())


def text_of(pdf: bytes) -> str:
    """The PDF's text without white space (a long link wraps across lines)."""
    doc = pdfium.PdfDocument(pdf)
    try:
        text = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()
    return "".join(text.split())


def _post(wired: Services, kind: str, language: str = "zh-CN") -> bytes:
    """Queue a letter of `kind` as the worklist does (its gate decision first), let the worker
    send it, and return the bytes that went to the post (also kept as evidence)."""
    with wired.uow() as uow:
        address = uow.directory.person(uow.cases.get(CASE).borrower_id).address  # type: ignore[union-attr]
        request = ContactRequest(CASE, "letter", "debtor", "collect", address, "in-house", "t", "")
        decision = ask(uow, request, NOW, wired.packs, "cn").decision
        assert decision.decision.value == "allow", decision.rules
        key = new_key()
        enqueue(
            uow,
            NewMessage(
                key, CASE, None, "letter", "debtor", "collect", "in-house", "t", "cn", address,
                "", "", language, kind, decision.id, NOW, NOW,
            ),
        )  # fmt: skip
        uow.commit()
    done = wired.outbox_worker().drain(lambda: NOW)
    assert done.counts == {"sent": 1}, done.counts
    pdf = (Path(wired.settings.letter_dir or "") / f"{key}.pdf").read_bytes()
    return pdf


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_a_posted_notice_prints_a_sign_in_that_opens_the_portal(
    wired: Services, language: str
) -> None:
    text = text_of(_post(wired, "collection_notice", language))
    assert "https://portal.example.cn/portal/letter/" in text
    (token,) = LINK.findall(text)
    (code,) = CODE.findall(text)
    assert ("30天内有效" if language == "zh-CN" else "valid30days") in text
    browser = carry_token(TestClient(create_app(wired), follow_redirects=False))
    opened = browser.get(f"/portal/letter/{token}")
    assert opened.status_code == 303 and opened.headers["location"] == "/portal/letter"
    carry_token(browser)
    signed = browser.post("/portal/letter", data={"code": code})
    assert signed.status_code == 303 and signed.headers["location"] == "/portal/"
    home = carry_token(browser).get("/portal/")
    assert home.status_code == 200 and CASE in home.text
    # the code works once: the same letter read again opens nothing
    again = carry_token(TestClient(create_app(wired), follow_redirects=False))
    again.get(f"/portal/letter/{token}")
    assert carry_token(again).post("/portal/letter", data={"code": code}).status_code == 401


def test_each_letter_sent_has_its_own_code(wired: Services) -> None:
    first, second = (text_of(_post(wired, "collection_notice")) for _ in range(2))
    assert LINK.findall(first) != LINK.findall(second)
    assert CODE.findall(first) != CODE.findall(second)


def test_the_sealed_cover_names_no_debt_and_carries_no_code(wired: Services) -> None:
    with wired.uow() as uow:
        before = uow.portal_codes.issued("letter", _subject(wired), NOW - _HOUR)
    text = text_of(_post(wired, "sealed_cover"))
    assert "/portal/letter/" not in text and not CODE.findall(text) and "XXXX" not in text
    with wired.uow() as uow:
        assert uow.portal_codes.issued("letter", _subject(wired), NOW - _HOUR) == before


def test_rendering_for_inspection_prints_a_specimen_and_issues_nothing(wired: Services) -> None:
    from fairdebt.letters import render_letter

    with wired.uow() as uow:
        before = uow.portal_codes.issued("letter", _subject(wired), NOW - _HOUR)
    pdf = render_letter(wired.uow(), CASE, "collection_notice", "en", NOW, wired.sender)
    text = text_of(pdf)
    assert "/portal/letter/SPECIMEN" in text and "XXXX-XXXX" in text
    with wired.uow() as uow:
        assert uow.portal_codes.issued("letter", _subject(wired), NOW - _HOUR) == before


def _subject(wired: Services) -> str:
    from fairdebt.services.portal_codes import keyed

    return keyed(wired.settings.secret_key.get_secret_value(), f"case:{CASE}")


_HOUR = timedelta(hours=1)
