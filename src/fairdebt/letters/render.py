"""From a letter's values to its PDF: `render_html` (Jinja2, one template per kind and locale,
one stylesheet) and `html_to_pdf` (WeasyPrint). `render_letter` does both for a case.

The PDF is deterministic: the same values give the same bytes (WeasyPrint writes no creation
date unless the HTML asks for one, and we do not), so a letter's hash identifies it. Its title
is the letter's title in its language; a sealed cover's title says only that it is personal.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from fairdebt.domain.loan import Component
from fairdebt.letters.context import PortalSignIn, check_kind, letter_context
from fairdebt.letters.itemization import DEFAULT_ORDER
from fairdebt.services.ports import UnitOfWork

if TYPE_CHECKING:
    from jinja2 import Environment

    from fairdebt.services.ports.outbox import NewMessage
    from fairdebt.services.worklist_execute import Sender

TITLES = {
    ("collection_notice", "zh-CN"): "催收函",
    ("collection_notice", "en"): "Collection notice",
    ("lawyers_letter", "zh-CN"): "律师函",
    ("lawyers_letter", "en"): "Lawyer's letter",
    ("sealed_cover", "zh-CN"): "非本人请勿拆阅",
    ("sealed_cover", "en"): "Personal and confidential",
    ("validation_notice", "zh-CN"): "债务确认通知",
    ("validation_notice", "en"): "Validation notice",
}
SYMBOLS = {"USD": "$"}  # other currencies are written as their code and a space
_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.DOTALL)


@cache
def _environment() -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    folder = str(files("fairdebt.letters") / "templates")
    return Environment(
        loader=FileSystemLoader(folder),
        autoescape=True,
        undefined=StrictUndefined,  # a value the template names and the context lacks: an error
        keep_trailing_newline=True,
    )


@cache
def stylesheet() -> str:
    return (files("fairdebt.letters") / "templates" / "letter.css").read_text(encoding="utf-8")


def title_of(kind: str, locale: str) -> str:
    check_kind(kind, locale)
    return TITLES[(kind, locale)]


def render_html(kind: str, locale: str, context: Mapping[str, Any]) -> str:
    """The letter's HTML: its template for the locale filled with `context` (every value
    escaped), the stylesheet inlined (so the HTML alone is the whole letter)."""
    from markupsafe import Markup

    values = dict(context)
    values |= {
        "kind": kind,
        "locale": locale,
        "title": title_of(kind, locale),
        "css": Markup(stylesheet()),  # ours, not a value: not escaped
        "sym": SYMBOLS.get(str(values.get("currency", "USD")), f"{values.get('currency')} "),
    }
    return _environment().get_template(f"{kind}.{locale}.html").render(values)


def html_to_pdf(html: str) -> bytes:
    """The PDF of a letter's HTML (fonts by their fontconfig names: fonts-noto-cjk; the
    templates link to nothing, and every value in them is escaped)."""
    from weasyprint import HTML

    pdf = HTML(string=html).write_pdf()
    assert isinstance(pdf, bytes)  # no target given: the bytes are returned
    return pdf


def render_letter(
    uow: UnitOfWork,
    case_id: str,
    kind: str,
    locale: str,
    now: datetime,
    sender: Sender,
    order: Sequence[Component] = DEFAULT_ORDER,
    sign_in: PortalSignIn | None = None,
) -> bytes:
    """The PDF of the case's letter of `kind` in `locale`, stating the case's values on the
    borrower's local day of `now`. Raises LetterError naming a value the case lacks. `sign_in`:
    the portal link and code it prints (None: a specimen's, for inspection)."""
    context = letter_context(uow, case_id, kind, locale, now, sender, order, sign_in)
    return html_to_pdf(render_html(kind, locale, context))


def is_pdf(data: bytes) -> bool:
    """A whole PDF: the header at the start and an end-of-file marker at the end."""
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]


def pdf_page_count(data: bytes) -> int:
    """How many pages the PDF has: its page objects, found in the file and in its compressed
    object streams (WeasyPrint packs them there). Enough for the PDFs fairdebt writes."""
    found = len(_PAGE.findall(data))
    for stream in _STREAM.findall(data):
        try:
            found += len(_PAGE.findall(zlib.decompress(stream)))
        except zlib.error:
            continue
    return found


def document_for(
    uow: UnitOfWork,
    message: NewMessage,
    now: datetime,
    sender: Sender,
    order: Sequence[Component] = DEFAULT_ORDER,
) -> bytes:
    """The PDF the post carries for a queued letter (services.outbox): the letter of its kind
    when it is one of ours (a visit notice: fairdebt.letters.visit_notice), else its text as a
    plain letter, one paragraph a line. A letter that names the debt prints a fresh portal
    sign-in for the borrower (`sign_in_for`)."""
    from fairdebt.letters.context import KINDS, LOCALES, SIGN_IN_KINDS

    locale = message.language if message.language in LOCALES else "zh-CN"
    if message.document == "visit_notice":  # a field visit's prior notice, with its QR code
        from fairdebt.letters.visit_notice import document

        return document(uow, message, now, sender)
    if message.document in KINDS:
        kind, case_id = message.document, message.case_id
        # Every value checked first (a specimen sign-in), so a letter the case cannot fill
        # issues no code; then the real one, the only step that writes.
        letter_context(uow, case_id, kind, locale, now, sender, order)
        sign_in = sign_in_for(uow, case_id, now, sender) if kind in SIGN_IN_KINDS else None
        return render_letter(uow, case_id, kind, locale, now, sender, order, sign_in)
    return html_to_pdf(plain_html(message.body, message.subject, locale))


def sign_in_for(uow: UnitOfWork, case_id: str, now: datetime, sender: Sender) -> PortalSignIn:
    """A real portal sign-in for a letter about to be sent (services.portal_codes), committed
    before the PDF exists, so no letter ever carries a code the portal does not know.

    Preparing the same message twice is safe. The worker (services.outbox) keeps the prepared
    bytes in the evidence store before it records the attempt and hands them over; a worker
    that died after that re-sends exactly the kept bytes (`Worker._resume` reads them back), so
    the borrower gets the code those bytes carry, which is live. A worker that died before the
    attempt was recorded leaves the row to be prepared afresh: a second code is issued and
    sent, and the first, printed on bytes that never left, is simply never used (it expires;
    only its hashes were stored). A letter that is never sent likewise leaves an unused code."""
    from fairdebt.services.portal_codes import LETTER_LIFETIME, issue_letter_code

    token, code = issue_letter_code(uow, case_id, now, sender.signing_key, LETTER_LIFETIME)
    return PortalSignIn(token, code, LETTER_LIFETIME.days)


def plain_html(body: str, title: str, locale: str) -> str:
    """A letter of plain text on the house stylesheet (every line escaped)."""
    from markupsafe import Markup, escape

    paragraphs = Markup("").join(
        Markup("<p>{}</p>").format(line) for line in body.splitlines() if line.strip()
    )
    return str(
        Markup(
            '<!DOCTYPE html><html lang="{}"><head><meta charset="utf-8"><title>{}</title>'
            "<style>{}</style></head><body>{}</body></html>"
        ).format(locale, escape(title or "函件"), Markup(stylesheet()), paragraphs)
    )
