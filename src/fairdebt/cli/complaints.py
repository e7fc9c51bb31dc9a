"""`fairdebt complaints file|list|acknowledge|assign|answer|release|keep|export`: complaints and
disputes, worked on the command line as on the compliance desk (services.complaints).

    fairdebt complaints file C-B1 --about contact --contact 7 --kind conduct --text "…" --as cmp1
    fairdebt complaints list --open
    fairdebt complaints acknowledge CP-… --as cmp1
    fairdebt complaints answer CP-… --text "…" --as cmp1
    fairdebt complaints release CP-… --reason "answered" --as cmp1
    fairdebt complaints export --format csv --out complaints.csv --from 2026-01-01 --to 2026-06-30

`--as` names the user who acts: their own role decides what they may do. See docs/complaints.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from fairdebt.services.users import User

complaints_app = typer.Typer(help="Complaints and disputes.", no_args_is_help=True)
AS = typer.Option(..., "--as", help="The user who acts (their role decides what they may do).")
REASON = typer.Option(..., "--reason", help="Why (recorded in the case log).")


def register(app: typer.Typer) -> None:
    app.add_typer(complaints_app, name="complaints")


def _user(name: str) -> User:
    from fairdebt.cli._common import services
    from fairdebt.errors import FairdebtError
    from fairdebt.services.users import get_user_by_name

    found = get_user_by_name(services().uow(), name)
    if found is None:
        raise FairdebtError(f"no user {name[:64]!r}", hint="fairdebt users list")
    return found


def _deadlines() -> Any:
    from fairdebt.cli._common import settings
    from fairdebt.services.complaints import Deadlines

    config = settings()
    return Deadlines(config.complaint_acknowledge_days, config.complaint_answer_days)


@complaints_app.command("file")
def file_(
    case: str = typer.Argument(..., help="The case id, e.g. C-B1."),
    about: str = typer.Option(..., "--about", help="debt | contact | visit"),
    kind: str = typer.Option(
        ..., "--kind", help="amount | identity_theft | credit_record | conduct | other"
    ),
    text: str = typer.Option(..., "--text", help="What the borrower says happened."),
    contact: int = typer.Option(None, "--contact", help="The contact's seq in the case log."),
    attachment: list[str] = typer.Option([], "--attachment", help="An evidence ref sha256:…"),
    who: str = AS,
) -> None:
    """File a complaint for the case's borrower; its hold stops collection at once."""
    from fairdebt.cli._common import out, services
    from fairdebt.services.complaints import file

    wired = services()
    filed = file(
        wired.uow(),
        case,
        about,
        kind,
        text,
        contact,
        _user(who),
        wired.clock.now(),
        tuple(attachment),
        deadlines=_deadlines(),
        evidence=wired.evidence,
    )
    out.print(
        f"{filed.id}: {filed.hold} hold on {case}; acknowledge by {filed.acknowledge_by:%Y-%m-%d}, "
        f"answer by {filed.answer_by:%Y-%m-%d}"
    )


@complaints_app.command("list")
def list_(
    only_open: bool = typer.Option(False, "--open", help="Only complaints not closed."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Complaints, the answer deadline soonest first (the text masked: see the desk)."""
    from fairdebt.cli._common import print_rows, services
    from fairdebt.services.complaints import clock, listing
    from fairdebt.services.ports.complaints import ComplaintFilter

    wired = services()
    now = wired.clock.now()
    rows = [
        {
            "id": c.id,
            "case_id": c.case_id,
            "about": c.about,
            "kind": c.kind,
            "hold": c.hold,
            "status": c.status,
            "hold_state": c.hold_state,
            "assignee": c.assignee or "",
            "acknowledge_by": c.acknowledge_by.isoformat(),
            "answer_by": c.answer_by.isoformat(),
            "overdue": clock(c, now).overdue,
        }
        for c in listing(wired.uow(), ComplaintFilter(open_only=only_open))
    ]
    columns = ("id", "case_id", "about", "kind", "status", "hold_state", "answer_by", "overdue")
    print_rows(rows, columns, as_json, title=f"{len(rows)} complaint(s)")


@complaints_app.command()
def acknowledge(complaint: str = typer.Argument(...), who: str = AS) -> None:
    """Acknowledge a complaint."""
    from fairdebt.cli._common import out, services
    from fairdebt.services import complaints

    wired = services()
    complaints.acknowledge(wired.uow(), complaint, _user(who), wired.clock.now())
    out.print(f"{complaint}: acknowledged")


@complaints_app.command()
def assign(
    complaint: str = typer.Argument(...),
    to: str = typer.Option(..., "--to", help="A compliance officer, supervisor or admin."),
    who: str = AS,
) -> None:
    """Give a complaint to a desk user."""
    from fairdebt.cli._common import out, services
    from fairdebt.services import complaints

    wired = services()
    complaints.assign(wired.uow(), complaint, to, _user(who), wired.clock.now())
    out.print(f"{complaint}: assigned to {to}")


@complaints_app.command()
def answer(
    complaint: str = typer.Argument(...),
    text: str | None = typer.Option(None, "--text", help="The answer, sent to the borrower."),
    resend: bool = typer.Option(
        False,
        "--resend",
        help="Send the stored answer again (it was not sent, cancelled or failed).",
    ),
    who: str = AS,
) -> None:
    """Answer a complaint: the answer goes to the borrower through the outbox (purpose respond).
    With --resend, the answer already given is sent again when it did not reach the borrower."""
    from fairdebt.cli._common import out, services
    from fairdebt.errors import FairdebtError
    from fairdebt.services import complaints

    if resend == (text is not None):
        raise FairdebtError(
            "give either --text (the answer) or --resend (send the stored answer again)",
            hint="fairdebt complaints answer ID --text '...'  |  --resend",
        )
    wired = services()
    gate = (wired.clock.now(), wired.packs, wired.settings.default_pack)
    if resend:
        done = complaints.resend_answer(wired.uow(), complaint, _user(who), *gate)
        out.print(f"{complaint}: answer sent again; reply {done.reply}")
        return
    done = complaints.answer(wired.uow(), complaint, text or "", _user(who), *gate)
    out.print(f"{complaint}: answered; reply {done.reply}")


@complaints_app.command()
def release(complaint: str = typer.Argument(...), reason: str = REASON, who: str = AS) -> None:
    """After the answer: release the complaint's hold and close it."""
    from fairdebt.cli._common import out, services
    from fairdebt.services import complaints

    wired = services()
    complaints.release_hold(wired.uow(), complaint, reason, _user(who), wired.clock.now())
    out.print(f"{complaint}: hold released, closed")


@complaints_app.command()
def keep(complaint: str = typer.Argument(...), reason: str = REASON, who: str = AS) -> None:
    """After the answer: keep the hold (a dispute still being verified)."""
    from fairdebt.cli._common import out, services
    from fairdebt.services import complaints

    wired = services()
    complaints.keep_hold(wired.uow(), complaint, reason, _user(who), wired.clock.now())
    out.print(f"{complaint}: hold kept")


@complaints_app.command()
def export(
    fmt: str = typer.Option("csv", "--format", help="csv | pdf"),
    out_file: Path = typer.Option(..., "--out", help="The file to write."),
    start: str = typer.Option(None, "--from", help="Filed on or after this day (YYYY-MM-DD)."),
    end: str = typer.Option(None, "--to", help="Filed on or before this day (YYYY-MM-DD)."),
) -> None:
    """The regulator's export: complaints with the contacts they are about."""
    from fairdebt.cli._common import console, services
    from fairdebt.errors import FairdebtError
    from fairdebt.services.complaints import export_rows

    if fmt not in ("csv", "pdf"):
        raise FairdebtError(f"unknown format {fmt[:20]!r}", hint="csv or pdf")
    wired = services()
    flt = _window(start, end, wired.settings.timezone)
    rows = export_rows(wired.uow(), flt, wired.clock.now())
    data = _csv(rows) if fmt == "csv" else _pdf(rows, start, end)
    try:
        out_file.write_bytes(data)
    except OSError as exc:
        raise FairdebtError(f"cannot write {out_file}: {exc.strerror}") from None
    console.print(f"{len(rows)} complaint(s) written to {out_file}")


def _window(start: str | None, end: str | None, zone: str) -> Any:
    from datetime import UTC, datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from fairdebt.cli._common import parse_date
    from fairdebt.services.ports.complaints import ComplaintFilter

    def at(text: str, flag: str, days: int = 0) -> datetime:
        day = parse_date(text, flag) + timedelta(days=days)
        return datetime.combine(day, time(0), tzinfo=ZoneInfo(zone)).astimezone(UTC)

    return ComplaintFilter(
        filed_from=at(start, "--from") if start else None,
        filed_to=at(end, "--to", 1) if end else None,
    )


def _csv(rows: list[dict[str, str]]) -> bytes:
    import csv
    import io

    from fairdebt.services.complaints import EXPORT_COLUMNS
    from fairdebt.spreadsheet import neutralise

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        writer.writerow([neutralise(row[c]) for c in EXPORT_COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: spreadsheets read it as UTF-8


def _pdf(rows: list[dict[str, str]], start: str | None, end: str | None) -> bytes:
    from html import escape

    from fairdebt.letters.render import html_to_pdf

    columns = ("id", "case_id", "about", "kind", "status", "filed_at", "answered_at", "overdue")
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{escape(r[c][:19])}</td>" for c in columns)
        + f"</tr><tr><td colspan='8' class='t'>{escape(r['text'])}{_linked(r)}</td></tr>"
        for r in rows
    )
    window = f"{escape(start or '…')} – {escape(end or '…')}"
    html = (
        "<html><head><meta charset='utf-8'><style>"
        "@page{size:A4 landscape;margin:12mm}body{font-family:'Noto Sans CJK SC',sans-serif;"
        "font-size:8pt}table{border-collapse:collapse;width:100%}th,td{border:0.5pt solid #999;"
        "padding:2pt;text-align:left;vertical-align:top}.t{color:#333}</style></head><body>"
        f"<h1>投诉与异议 · Complaints and disputes</h1><p>{window} · {len(rows)}</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></body></html>"
    )
    return html_to_pdf(html)


def _linked(row: dict[str, str]) -> str:
    """The contact a complaint is about, as a line under its text."""
    from html import escape

    if not row["contact_seq"]:
        return ""
    parts = (
        row["contact_type"],
        "#" + row["contact_seq"],
        row["contact_channel"],
        row["contact_at"],
    )
    return "<br>→ " + escape(" ".join(p for p in parts if p))
