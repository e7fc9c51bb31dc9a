"""Render page 1 of an example field-visit report to docs/img/visit-report-zh.png (90 dpi).

    uv run python scripts/render-visit-report-image.py [--out docs/img]

The report is made up (two agents, a relative met, two pieces of evidence, signatures drawn
as a signature pad draws them) and rendered through fairdebt.letters.visit_report exactly as
the field app will; pypdfium2 (a dev dependency) rasterises it.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
from datetime import UTC, date, datetime, time
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageDraw

from fairdebt.letters.visit_report import (
    Agent,
    AgentSignature,
    Evidence,
    Met,
    Notice,
    VisitReport,
    render_visit_report,
)

DPI = 90


def drawn(wiggle: int) -> bytes:
    image = Image.new("RGBA", (400, 150), (255, 255, 255, 0))
    stroke = [(20 + i * 18, 75 + (i * wiggle * 37) % 60 - 30) for i in range(20)]
    ImageDraw.Draw(image).line(stroke, fill=(0, 0, 0, 255), width=5)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def example() -> VisitReport:
    def at(hour: int, minute: int) -> datetime:
        return datetime(2026, 7, 1, hour, minute, tzinfo=UTC)

    wang = Agent("王强", "CBA-2026-00123", "中国银行业协会")
    liu = Agent("刘芳", "CBA-2026-00456", "中国银行业协会")
    return VisitReport(
        case_ref="C-B0001234",
        visit_id="V-2026-0701-01",
        visit_date=date(2026, 7, 1),
        window=(time(10, 0), time(12, 0)),
        timezone="Asia/Shanghai",
        checked_in_at=at(2, 5),
        checked_out_at=at(2, 40),
        place="上海市浦东新区世纪大道 ****",
        distance_m=35,
        agents=(wang, liu),
        met=Met.RELATIVE,
        relationship="配偶",
        outcome="借款人配偶在家，转告借款人本周内回电。",
        proposal="承诺 2026-07-15 前通过官方 App 还款 ¥3,000.00",
        notices=(Notice.COLLECTION_NOTICE, Notice.SEALED_LETTER),
        person_signature=drawn(3),
        person_signed_at=at(2, 35),
        evidence=(
            Evidence("录音 audio", "sha256:" + hashlib.sha256(b"recording").hexdigest()),
            Evidence("照片 photo", "sha256:" + hashlib.sha256(b"photo").hexdigest()),
        ),
        signatures=(
            AgentSignature(wang.certificate, drawn(5), at(2, 38)),
            AgentSignature(liu.certificate, drawn(7), at(2, 39)),
        ),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/img"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    doc = pdfium.PdfDocument(render_visit_report(example(), "zh-CN"))
    try:
        image = doc[0].render(scale=DPI / 72, grayscale=True).to_pil()
    finally:
        doc.close()
    path = args.out / "visit-report-zh.png"
    image.save(path, optimize=True)
    sys.stdout.write(f"{path}\t{path.stat().st_size // 1024} KB\n")


if __name__ == "__main__":
    main()
