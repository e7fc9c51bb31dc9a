"""Letters as PDFs: the collection notice (催收函), the lawyer's letter (律师函), the sealed
cover (非本人请勿拆阅) and the US validation notice (Reg F, 12 CFR 1006.34).

`letter_context` reads what a letter states from the case's record (a value the case lacks is a
LetterError naming it, never a blank), `render_html` fills the kind's Jinja2 template (zh-CN or
en, one stylesheet), `html_to_pdf` makes the PDF (WeasyPrint), `render_letter` does all three.
`itemization` derives the validation notice's itemization and dispute deadline from an
account's records. What each letter states and why: docs/channels.md, "Letters".
`render_visit_report` makes the field-visit report (docs/visit-report.md).
"""

from __future__ import annotations

from fairdebt.letters.context import KINDS, LOCALES, NEEDS, LetterError, letter_context
from fairdebt.letters.itemization import REFERENCE_DATE, itemization
from fairdebt.letters.render import (
    html_to_pdf,
    is_pdf,
    pdf_page_count,
    render_html,
    render_letter,
    title_of,
)
from fairdebt.letters.visit_report import VisitReport, VisitReportError, render_visit_report

__all__ = [
    "KINDS",
    "LOCALES",
    "NEEDS",
    "REFERENCE_DATE",
    "LetterError",
    "VisitReport",
    "VisitReportError",
    "html_to_pdf",
    "is_pdf",
    "itemization",
    "letter_context",
    "pdf_page_count",
    "render_html",
    "render_letter",
    "render_visit_report",
    "title_of",
]
