"""The field-visit report (上门催收外访报告) as a PDF, in zh-CN or en: `render_visit_report`.

What a visit report states, and why: the case (its reference masked) and the visit; the planned
window and the check-in and check-out times with their zone; the place (a masked address label)
and how far from it the check-in was made; the agents with their certificate numbers and who
issued them; whom they met (the borrower, a relative and how related, nobody, a refusal, a
wrong address); what came of it and any promise or plan proposed; which notice was delivered;
the signature of the person met, or that they refused to sign; the evidence by its SHA-256 in
the evidence store; and the sign-off by both agents, each with their drawn signature and the
time they signed. A visit is made by at least two agents (rule CBA26-VISIT of the cn pack, CBA
2026 指引 第二十二条), who show their credentials (NIFA18-15, NIFA 2018 公约 第十五条), so a
report with fewer than two agents' signatures is refused: it is never printed half signed. The
evidence list points at the recording (NIFA18-21) and photos; the statement above the signatures
repeats that nothing was taken in cash or by card (NIFA18-19). docs/visit-report.md.

Every value is escaped by the template; signatures are embedded as data: URLs (the report
links to nothing). The same report gives the same bytes.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fairdebt.errors import FairdebtError

LANGUAGES = ("zh-CN", "en")
PNG = b"\x89PNG\r\n\x1a\n"
SIGNATURE_LIMIT = 2_000_000  # bytes of one drawn signature: a screen's PNG is far smaller
TEXT_LIMIT = 4_000  # characters of one free-text field (outcome, proposal)
EVIDENCE_REF = re.compile(r"sha256:[0-9a-f]{64}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Met(StrEnum):
    """Whom the agents met at the door."""

    BORROWER = "borrower"
    RELATIVE = "relative"  # with the relationship stated
    NOBODY = "nobody"
    REFUSED = "refused"  # someone answered and refused to talk
    WRONG_ADDRESS = "wrong_address"


class Notice(StrEnum):
    """A notice handed over at the visit (the letters of fairdebt.letters)."""

    COLLECTION_NOTICE = "collection_notice"
    LAWYERS_LETTER = "lawyers_letter"
    SEALED_LETTER = "sealed_letter"


@dataclass(frozen=True, slots=True)
class Agent:
    """A field agent as their credential names them."""

    name: str
    certificate: str  # the certificate (上岗证) number
    issuer: str  # who issued it


@dataclass(frozen=True, slots=True)
class AgentSignature:
    """One agent's signature, drawn on the screen: the PNG and when it was signed."""

    certificate: str  # whose: one of the report's agents, by certificate number
    png: bytes
    signed_at: datetime


@dataclass(frozen=True, slots=True)
class Evidence:
    """A piece of evidence kept in the evidence store (photo, audio, document...)."""

    kind: str
    ref: str  # `sha256:<hex>`, as the evidence store names it


@dataclass(frozen=True, slots=True)
class VisitReport:
    """Everything a visit report states (module docstring). Times are aware instants; they are
    printed in `timezone`, the zone of the visited place."""

    case_ref: str  # printed masked (C-…1234) whatever is given
    visit_id: str
    visit_date: date
    window: tuple[time, time]  # the planned window, local to `timezone`
    timezone: str
    checked_in_at: datetime
    checked_out_at: datetime
    place: str  # a masked address label, e.g. 上海市浦东新区世纪大道 ****
    distance_m: int  # how far from the place the check-in was made
    agents: tuple[Agent, ...]
    met: Met
    outcome: str
    relationship: str = ""  # when a relative was met: how they are related
    proposal: str = ""  # a promise or plan proposed, in words; empty: none
    notices: tuple[Notice, ...] = ()
    person_signature: bytes | None = None  # the person met, drawn; None: none / refused
    person_signed_at: datetime | None = None
    evidence: tuple[Evidence, ...] = ()
    signatures: tuple[AgentSignature, ...] = field(default=())


class VisitReportError(FairdebtError):
    """A visit report that cannot be printed as it is (unsigned, incomplete, malformed)."""


LABELS: dict[str, dict[str, str]] = {
    "zh-CN": {
        "title": "上门催收外访报告",
        "case": "案件编号",
        "visit": "外访编号",
        "date": "外访日期",
        "window": "计划时段",
        "check_in": "签到时间",
        "check_out": "签退时间",
        "place": "外访地点",
        "distance": "签到距离",
        "metres": "米",
        "agents": "外访人员",
        "name": "姓名",
        "certificate": "上岗证编号",
        "issuer": "发证机构",
        "met": "接触对象",
        "relationship": "关系",
        "outcome": "外访结果",
        "proposal": "承诺或还款方案",
        "none": "无",
        "notices": "送达文书",
        "person": "被访人签名",
        "refused": "拒绝签名",
        "no_one": "无人可签（未见到当事人）",
        "evidence": "证据清单",
        "kind": "类型",
        "ref": "存证哈希",
        "sign_off": "外访人员签字确认",
        "signed_at": "签字时间",
        "statement": "我们确认本报告如实记录了本次外访，外访过程中未收取现金或银行卡，"
        "并告知被访人仅可通过官方渠道还款。",
        "borrower": "借款人本人",
        "relative": "亲属",
        "nobody": "无人在家",
        "refused_to_talk": "拒绝交谈",
        "wrong_address": "地址有误",
        "collection_notice": "催收函",
        "lawyers_letter": "律师函",
        "sealed_letter": "密封信函",
        "colon": "：",
        "sep": "、",
        "aside": "（{}）",
    },
    "en": {
        "title": "Field visit report",
        "case": "Case",
        "visit": "Visit",
        "date": "Date",
        "window": "Planned window",
        "check_in": "Checked in",
        "check_out": "Checked out",
        "place": "Place",
        "distance": "Check-in distance",
        "metres": "m",
        "agents": "Agents",
        "name": "Name",
        "certificate": "Certificate no.",
        "issuer": "Issued by",
        "met": "Met",
        "relationship": "relationship",
        "outcome": "Outcome",
        "proposal": "Promise or plan proposed",
        "none": "None",
        "notices": "Notices delivered",
        "person": "Signature of the person met",
        "refused": "Refused to sign",
        "no_one": "Nobody to sign (no one met)",
        "evidence": "Evidence",
        "kind": "Kind",
        "ref": "SHA-256 in the evidence store",
        "sign_off": "Sign-off by the agents",
        "signed_at": "Signed at",
        "statement": "We confirm this report records the visit truthfully; no cash or card was "
        "taken, and the person was told to repay only through the official channels.",
        "borrower": "The borrower",
        "relative": "A relative",
        "nobody": "Nobody at home",
        "refused_to_talk": "Refused to talk",
        "wrong_address": "Wrong address",
        "collection_notice": "Collection notice",
        "lawyers_letter": "Lawyer's letter",
        "sealed_letter": "Sealed letter",
        "colon": ": ",
        "sep": ", ",
        "aside": " ({})",
    },
}
_MET_LABEL = {Met.REFUSED: "refused_to_talk"}  # the other values are their own label keys


def render_visit_report(report: VisitReport, language: str) -> bytes:
    """The report's PDF in `language` (zh-CN or en). Raises VisitReportError naming what is
    missing or malformed: fewer than two agents' signatures, a signature of no agent of the
    report, a relative without the relationship, a malformed evidence reference..."""
    from fairdebt.letters.render import html_to_pdf

    return html_to_pdf(visit_report_html(report, language))


def visit_report_html(report: VisitReport, language: str) -> str:
    """The report's HTML (the PDF's source): checked, then its template filled."""
    from markupsafe import Markup

    from fairdebt.letters.render import _environment, stylesheet  # the letters' own

    check_report(report, language)
    labels = LABELS[language]
    values = {
        "locale": language,
        "kind": "visit_report",
        "title": labels["title"],
        "css": Markup(stylesheet()),  # ours, not a value: not escaped
        "l": labels,
        "r": _printed(report, labels),
    }
    return _environment().get_template("visit_report.html").render(values)


def check_report(report: VisitReport, language: str) -> None:
    """VisitReportError unless the report can be printed as it is (module docstring)."""
    if language not in LANGUAGES:
        raise VisitReportError(
            f"unknown language {language!r}", hint=f"languages: {', '.join(LANGUAGES)}"
        )
    _check_times(report)
    _check_signatures(report)
    if report.met is Met.RELATIVE and not report.relationship.strip():
        raise VisitReportError(
            f"visit {report.visit_id}: a relative was met but the relationship is not stated",
            hint="say how they are related (e.g. 配偶 / spouse)",
        )
    for text, name in ((report.outcome, "outcome"), (report.proposal, "proposal")):
        if len(text) > TEXT_LIMIT:
            raise VisitReportError(
                f"visit {report.visit_id}: the {name} is {len(text)} characters long",
                hint=f"at most {TEXT_LIMIT}; attach longer notes as evidence",
            )
    if not report.outcome.strip():
        raise VisitReportError(
            f"visit {report.visit_id}: no outcome", hint="say what came of the visit"
        )
    for item in report.evidence:
        if not EVIDENCE_REF.fullmatch(item.ref):
            raise VisitReportError(
                f"visit {report.visit_id}: evidence {item.ref[:80]!r} is not a sha256: reference",
                hint="name evidence as the evidence store does: sha256:<64 hex digits>",
            )
    if report.distance_m < 0 or report.distance_m > 10**7:
        raise VisitReportError(
            f"visit {report.visit_id}: check-in distance {report.distance_m} m",
            hint="the distance is in metres, 0 to 10,000 km",
        )


def _check_times(report: VisitReport) -> None:
    instants = [report.checked_in_at, report.checked_out_at]
    instants += [s.signed_at for s in report.signatures]
    instants += [report.person_signed_at] if report.person_signed_at else []
    if any(at.tzinfo is None for at in instants):
        raise VisitReportError(
            f"visit {report.visit_id}: a time without its zone",
            hint="give check-in, check-out and signing times as aware datetimes",
        )
    zone = _zone(report.timezone)
    try:
        for at in instants:
            at.astimezone(zone)
    except OverflowError:
        raise VisitReportError(
            f"visit {report.visit_id}: a time outside the calendar in {report.timezone}",
            hint="check the device's clock",
        ) from None
    if report.checked_out_at < report.checked_in_at:
        raise VisitReportError(
            f"visit {report.visit_id}: checked out before checking in",
            hint="check the device's clock",
        )


def _check_signatures(report: VisitReport) -> None:
    """Both agents signed (two distinct agents of the report), each a PNG of sane size."""
    certificates = {agent.certificate for agent in report.agents}
    signed = {s.certificate for s in report.signatures}
    if len(signed) < 2 or len(report.agents) < 2:
        raise VisitReportError(
            f"visit {report.visit_id}: {len(signed)} agent signature(s); a visit report is "
            "signed by both agents",
            hint="have both agents sign on the screen before printing the report",
        )
    if not signed <= certificates:
        stray = ", ".join(sorted(signed - certificates))
        raise VisitReportError(
            f"visit {report.visit_id}: a signature by {stray}, who is not an agent of the visit",
            hint="each signature names one of the report's agents by certificate number",
        )
    drawn = [s.png for s in report.signatures]
    drawn += [report.person_signature] if report.person_signature is not None else []
    for png in drawn:
        if not png.startswith(PNG) or len(png) > SIGNATURE_LIMIT:
            raise VisitReportError(
                f"visit {report.visit_id}: a signature is not a PNG of at most "
                f"{SIGNATURE_LIMIT:,} bytes",
                hint="send the signature pad's PNG unchanged",
            )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise VisitReportError(
            f"unknown time zone {name[:60]!r}", hint="an IANA zone, e.g. Asia/Shanghai"
        ) from None


def _printed(report: VisitReport, labels: dict[str, str]) -> dict[str, Any]:
    """The report's values as the template prints them (text, data: URLs)."""
    zone = _zone(report.timezone)

    def at(instant: datetime) -> str:
        return f"{instant.astimezone(zone):%Y-%m-%d %H:%M:%S} ({report.timezone})"

    by_certificate = {s.certificate: s for s in report.signatures}
    met = labels[_MET_LABEL.get(report.met, report.met.value)]
    if report.met is Met.RELATIVE:
        met += labels["aside"].format(_clean(report.relationship))
    return {
        "case": _masked(report.case_ref),
        "visit": _clean(report.visit_id),
        "date": report.visit_date.isoformat(),
        "window": f"{report.window[0]:%H:%M}–{report.window[1]:%H:%M} ({report.timezone})",
        "check_in": at(report.checked_in_at),
        "check_out": at(report.checked_out_at),
        "place": _clean(report.place),
        "distance": f"{report.distance_m:,}",
        "met": met,
        "outcome": _clean(report.outcome),
        "proposal": _clean(report.proposal) or labels["none"],
        "notices": labels["sep"].join(labels[n.value] for n in report.notices) or labels["none"],
        "person": _person(report, labels),
        "person_signed_at": at(report.person_signed_at) if report.person_signed_at else "",
        "evidence": [(_clean(e.kind), e.ref) for e in report.evidence],
        "agents": [
            {
                "name": _clean(a.name),
                "certificate": _clean(a.certificate),
                "issuer": _clean(a.issuer),
                "signature": _data_url(by_certificate[a.certificate].png)
                if a.certificate in by_certificate
                else "",
                "signed_at": at(by_certificate[a.certificate].signed_at)
                if a.certificate in by_certificate
                else "",
            }
            for a in report.agents
        ],
    }


def _person(report: VisitReport, labels: dict[str, str]) -> dict[str, str]:
    """The person met's signature, or why there is none."""
    if report.person_signature is not None:
        return {"image": _data_url(report.person_signature), "text": ""}
    if report.met in (Met.NOBODY, Met.WRONG_ADDRESS):
        return {"image": "", "text": labels["no_one"]}
    return {"image": "", "text": labels["refused"]}


def _masked(case_ref: str) -> str:
    """`C-B0001234` → `C-…1234`, as /verify shows it; a reference already masked stays."""
    from fairdebt.services.verify import masked_case_ref

    clean = _clean(case_ref)
    return clean if "…" in clean else masked_case_ref(clean)


def _clean(text: str) -> str:
    """Text without control characters (a NUL would end the PDF's string)."""
    return _CONTROL.sub("", text).strip()


def _data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
