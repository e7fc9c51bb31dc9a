"""The prior notice of a field visit as a letter (上门拜访通知书), with a QR code of /verify.

A borrower without a phone on record is told of a visit by post (services.visits.send_notice).
The letter states what the text notice states — the day and the time window, the purpose, the
visiting agents' names and certificate numbers, the organisation's official phone, the verify
code — and carries a QR code of the verify page with the code filled in
(`/verify?code=XXXX-XXXX`), so the borrower can check who is coming before opening the door
(《互联网金融逾期债务催收自律公约（试行）》第十五条: collectors say whom they represent; the
notice itself is the pack's FD-VISIT.notice). The page only fills the code in; the borrower still
presses the button, so a scanned QR looks nothing up by itself.

`render_notice` makes the PDF from a `VisitNoticeLetter`; `document` builds that letter for a
queued message of kind `KIND` when the worker prepares it (letters.render.document_for). The
verify code is never stored in clear (services.verify keeps its hash), so `document` reads it
from the queued text, the one place it exists, and finds the visit through the code's record.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fairdebt.letters.context import LetterError
from fairdebt.services.ports import UnitOfWork

if TYPE_CHECKING:
    from fairdebt.services.ports.outbox import NewMessage
    from fairdebt.services.worklist_execute import Sender

KIND = "visit_notice"
TITLES = {"zh-CN": "上门拜访通知书", "en": "Notice of a visit"}
PURPOSE = {
    "zh-CN": "与您当面沟通逾期账款的还款安排",
    "en": "to discuss the repayment of your overdue account in person",
}
QR_SCALE = 8  # pixels per module in the embedded PNG (shown 34 mm wide: sharp when printed)
QR_BORDER = 4  # the quiet zone ISO/IEC 18004 asks for, in modules
# A code as services.verify shows it: 4 + 4 characters of its alphabet.
_CODE = re.compile(r"(?<![0-9A-Z])([2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4})(?![0-9A-Z])")


@dataclass(frozen=True, slots=True)
class VisitNoticeLetter:
    """What the letter states. `agents`: (name, certificate number, issuer) per visitor."""

    locale: str  # zh-CN | en
    lender: str
    borrower_name: str
    address: str
    visit_id: str
    visit_date: date
    window: tuple[str, str]  # local "HH:MM"
    agents: Sequence[tuple[str, str, str]]
    phone: str
    code: str
    portal_url: str
    sent_on: date

    @property
    def verify_url(self) -> str:
        return verify_url(self.portal_url, self.code)


def verify_url(portal_url: str, code: str) -> str:
    """The verify page with the code filled in: `…/verify?code=ABCD-2345` (a query the portal
    address already has is kept; its own `code`, if any, replaced)."""
    parts = urlsplit(portal_url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "code"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("code", code)])))


def qr_png(url: str) -> bytes:
    """The QR code of `url` as a PNG (segno picks the smallest version; error level M)."""
    import io

    import segno

    out = io.BytesIO()
    segno.make_qr(url, error="m").save(out, kind="png", scale=QR_SCALE, border=QR_BORDER)
    return out.getvalue()


def render_html(letter: VisitNoticeLetter) -> str:
    """The letter's HTML: its template for the locale, every value escaped, the QR code and
    the stylesheet inlined (the HTML alone is the whole letter)."""
    import base64

    from markupsafe import Markup

    from fairdebt.letters.render import _environment, stylesheet

    if letter.locale not in TITLES:
        raise LetterError(f"unknown locale {letter.locale!r}", hint="zh-CN or en")
    if not letter.agents:
        raise LetterError(f"visit {letter.visit_id} has no agents to name", hint="plan the day")
    png = base64.b64encode(qr_png(letter.verify_url)).decode("ascii")
    values = {
        "kind": KIND,
        "locale": letter.locale,
        "title": TITLES[letter.locale],
        "css": Markup(stylesheet()),  # ours, not a value: not escaped
        "purpose": PURPOSE[letter.locale],
        "qr": f"data:image/png;base64,{png}",
        "letter": letter,
        "verify_url": letter.verify_url,
    }
    return _environment().get_template(f"{KIND}.{letter.locale}.html").render(values)


def render_notice(letter: VisitNoticeLetter) -> bytes:
    """The letter's PDF (WeasyPrint; the same values give the same bytes)."""
    from fairdebt.letters.render import html_to_pdf

    return html_to_pdf(render_html(letter))


def code_in(text: str) -> str | None:
    """The verify code a notice's text carries (`XXXX-XXXX`), or None."""
    found = _CODE.search(text)
    return found.group(1) if found else None


def document(uow: UnitOfWork, message: NewMessage, now: datetime, sender: Sender) -> bytes:
    """The PDF for a queued visit notice: the visit found through the code its text carries
    (the code's record names the visit), its day, window and team read now. A LetterError when
    the text has no code or the code names no visit of the message's case."""
    letter = letter_for(uow, message, now, sender)
    return render_notice(letter)


def letter_for(
    uow: UnitOfWork, message: NewMessage, now: datetime, sender: Sender
) -> VisitNoticeLetter:
    from zoneinfo import ZoneInfo

    from fairdebt.services import visits
    from fairdebt.services.verify import code_hash, normalise

    code = code_in(message.body)
    normal = normalise(code) if code else None
    if code is None or normal is None:
        raise LetterError("the visit notice carries no verify code", hint="send the notice again")
    with uow:
        record = uow.verify_codes.get(code_hash(normal))
        if record is None or record.visit_id is None or record.case_id != message.case_id:
            raise LetterError(f"the code of this notice names no visit of {message.case_id}")
        visit = visits.get_visit(uow, record.visit_id)
        agents = visits.visitors(uow, visit)
        task = uow.tasks.contact_task(visit.task_id) if visit.task_id is not None else None
    if visit.visit_date is None or visit.window_start is None or visit.window_end is None:
        raise LetterError(f"visit {visit.id} has no day and window", hint="plan the day first")
    zone = ZoneInfo(task.timezone if task is not None else "Asia/Shanghai")
    return VisitNoticeLetter(
        locale="en" if message.language == "en" else "zh-CN",
        lender=task.lender if task is not None else "",
        borrower_name=task.name if task is not None else "",
        address=visit.address,
        visit_id=visit.id,
        visit_date=visit.visit_date,
        window=(visit.window_start, visit.window_end),
        agents=tuple(agents),
        phone=sender.phone,
        code=code,
        portal_url=sender.portal_url,
        sent_on=now.astimezone(zone).date(),
    )
