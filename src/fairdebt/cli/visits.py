"""`fairdebt visits ...`: field visits (上门催收 / 外访), docs/visits.md.

Every command takes `--json`; a refusal is a cause and a hint on stderr with exit 2.

- `list [--status S] [--date D] [--json]`: the visits (and, with `--status candidate`, the plan's
  field_visit tasks no visit was made from yet);
- `approve ID... --reason R --as USER` / `reject ...`: a supervisor decides, one reason for all;
- `agents add USER --certificate N --issuer I --expires D [--photo FILE]` / `agents list`;
- `teams add NAME --member U --member U --base LAT,LON --label L --capacity N --hours 09:00-18:00`
  / `teams list`;
- `plan --date D [--seconds S] [--json]`: each team's ordered stops with windows, and what no
  team can serve;
- `notice VISIT`: queue the prior notice (SMS, or without a phone a letter with a QR code of
  /verify: fairdebt.letters.visit_notice);
- `report VISIT [--out F]`: the report both agents signed at check-out, checked against its hash.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

import typer

from fairdebt.errors import FairdebtError

visits_app = typer.Typer(help="Field visits: approval, teams, the day's routes, notices.")
agents_app = typer.Typer(help="Certified field agents.", no_args_is_help=True)
teams_app = typer.Typer(help="Field-visit teams.", no_args_is_help=True)
visits_app.add_typer(agents_app, name="agents")
visits_app.add_typer(teams_app, name="teams")


def register(app: typer.Typer) -> None:
    app.add_typer(visits_app, name="visits")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise FairdebtError(f"{text[:20]!r} is not a date", hint="YYYY-MM-DD") from None


def _user(uow: Any, name: str) -> Any:
    with uow:
        user = uow.users.by_name(name.strip().lower())
    if user is None:
        raise FairdebtError(f"no user {name[:40]!r}", hint="list them with `fairdebt users list`")
    return user


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)


@visits_app.command("list")
def list_(
    status: str = typer.Option(None, "--status", help="candidate, approved, scheduled, ..."),
    day: str = typer.Option(None, "--date", help="Only visits of this day (YYYY-MM-DD)."),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of a table."),
) -> None:
    """List visits, or the candidates (--status candidate)."""
    from fairdebt.cli._common import console, services
    from fairdebt.services import visits
    from fairdebt.services.ports.visits import STATUSES

    wired = services()
    if status is not None and status not in STATUSES:
        raise FairdebtError(f"unknown status {status[:20]!r}", hint=", ".join(STATUSES))
    if status == "candidate":
        found = [asdict(c) for c in visits.candidates(wired.uow())]
    else:
        chosen = (status,) if status else ()
        found = [
            _visit_row(v) for v in visits.listing(wired.uow(), chosen, _day(day) if day else None)
        ]
    if as_json:
        typer.echo(_dump(found))
        return
    if not found:
        console.print("no visits", highlight=False)
    for row in found:
        what = row.get("status", "candidate")
        when = row.get("visit_date") or row.get("due_on") or ""
        window = f" {row['window']}" if row.get("window") else ""
        console.print(
            f"{row['visit_id']}  {what:<11} {row['case_id']}  {when}{window}", highlight=False
        )


def _visit_row(v: Any) -> dict[str, Any]:
    window = f"{v.window_start}-{v.window_end}" if v.window_start else None
    return {
        "visit_id": v.id,
        "status": v.status,
        "case_id": v.case_id,
        "task_id": v.task_id,
        "visit_date": v.visit_date.isoformat() if v.visit_date else None,
        "team_id": v.team_id,
        "order": v.stop_order,
        "window": window,
        "reason": v.reason,
    }


def _decided(result: Any, verb: str, as_json: bool = False) -> None:
    """Each visit decided, each refused with why; exit 2 when every one was refused."""
    from fairdebt.cli._common import console

    if as_json:
        out = {verb: [v.id for v in result.visits], "refused": dict(result.refused)}
        typer.echo(_dump(out))
        if result.refused and not result.visits:
            raise typer.Exit(2)
        return
    for v in result.visits:
        console.print(f"{v.id} {verb}", highlight=False)
    for ref, reasons in result.refused.items():
        console.print(f"{ref} refused: " + "; ".join(reasons), highlight=False)
    if result.refused and not result.visits:
        raise typer.Exit(2)


REASON = typer.Option(..., "--reason", help="Why (required, one for all).")
AS = typer.Option(..., "--as", help="The supervisor deciding (a user name).")
JSON = typer.Option(False, "--json", help="JSON instead of text.")


@visits_app.command()
def approve(
    ids: list[str] = typer.Argument(..., help="Visit (V-17) or task (17) ids."),
    reason: str = REASON,
    who: str = AS,
    as_json: bool = JSON,
) -> None:
    """Approve visits (the gate is asked for each; a refused one is listed with its rules)."""
    from fairdebt.cli._common import services
    from fairdebt.services import visits

    wired = services()
    by = _user(wired.uow(), who)
    result = visits.approve(
        wired.uow(), ids, reason, by, wired.clock.now(),
        packs=wired.packs, default_pack=wired.settings.default_pack,
    )  # fmt: skip
    _decided(result, "approved", as_json)


@visits_app.command()
def reject(
    ids: list[str] = typer.Argument(..., help="Visit (V-17) or task (17) ids."),
    reason: str = REASON,
    who: str = AS,
    as_json: bool = JSON,
) -> None:
    """Reject visits."""
    from fairdebt.cli._common import services
    from fairdebt.services import visits

    wired = services()
    by = _user(wired.uow(), who)
    _decided(visits.reject(wired.uow(), ids, reason, by, wired.clock.now()), "rejected", as_json)


@agents_app.command("add")
def agents_add(
    username: str = typer.Argument(..., help="A field_agent user."),
    certificate: str = typer.Option(..., "--certificate", help="Certificate number."),
    issuer: str = typer.Option(..., "--issuer", help="Who issued it."),
    expires: str = typer.Option(..., "--expires", help="Expiry date (YYYY-MM-DD)."),
    photo: Path = typer.Option(None, "--photo", help="A JPEG or PNG photo of the agent."),
    as_json: bool = JSON,
) -> None:
    """Certify a field agent."""
    from fairdebt.cli._common import console, services
    from fairdebt.services import visits

    wired = services()
    data = None
    if photo is not None:
        try:
            data = photo.read_bytes()
        except OSError as exc:
            raise FairdebtError(f"cannot read {photo}: {exc.strerror}", hint="") from None
    agent = visits.register_agent(
        wired.uow(), username, certificate, issuer, _day(expires), wired.clock.now(),
        photo=data, evidence=wired.evidence if data is not None else None,
    )  # fmt: skip
    if as_json:
        row = {"user": username.strip().lower(), "certificate_no": agent.certificate_no}
        row |= {"issuer": agent.issuer, "expires_on": agent.expires_on.isoformat()}
        typer.echo(_dump(row | {"photo": agent.photo_ref}))
        return
    console.print(f"{username}: certificate {agent.certificate_no} until {agent.expires_on}")


@agents_app.command("list")
def agents_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """List the certified agents."""
    from fairdebt.cli._common import console, services

    wired = services()
    with wired.uow() as uow:
        rows: list[dict[str, Any]] = [
            {"user": (u.username if (u := uow.users.get(a.user_id)) else a.user_id)}
            | {"certificate_no": a.certificate_no, "issuer": a.issuer}
            | {"expires_on": a.expires_on.isoformat(), "photo": a.photo_ref}
            for a in uow.field_agents.all()
        ]
    if as_json:
        typer.echo(_dump(rows))
        return
    for r in rows:
        console.print(
            f"{r['user']}  {r['certificate_no']}  {r['issuer']}  until {r['expires_on']}",
            highlight=False,
        )


@teams_app.command("add")
def teams_add(
    name: str = typer.Argument(...),
    member: list[str] = typer.Option(..., "--member", help="A certified agent; repeat."),
    base: str = typer.Option(..., "--base", help="LAT,LON where the team starts."),
    label: str = typer.Option(..., "--label", help="The base's name."),
    capacity: int = typer.Option(6, "--capacity", help="Visits a day."),
    hours: str = typer.Option("09:00-18:00", "--hours", help="Working hours HH:MM-HH:MM."),
    as_json: bool = JSON,
) -> None:
    """Form a team (at least the pack's minimum of certified agents)."""
    from fairdebt.cli._common import console, services
    from fairdebt.services import visits

    wired = services()
    try:
        lat, lon = (float(p) for p in base.split(","))
    except ValueError:
        raise FairdebtError(f"{base[:40]!r} is not LAT,LON", hint="e.g. 39.95,116.41") from None
    start, _, end = hours.partition("-")
    team = visits.form_team(
        wired.uow(), name, member, (lat, lon, label), capacity, (start, end),
        wired.clock.now(), packs=wired.packs, pack=wired.settings.default_pack,
    )  # fmt: skip
    if as_json:
        row: dict[str, Any] = {"id": team.id, "name": team.name, "members": list(team.members)}
        row |= {"base": team.base_label, "capacity": team.capacity}
        typer.echo(_dump(row | {"hours": f"{team.hours_start}-{team.hours_end}"}))
        return
    console.print(f"team {team.name} ({team.id}): {', '.join(member)}", highlight=False)


@teams_app.command("list")
def teams_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """List the teams."""
    from fairdebt.cli._common import console, services

    wired = services()
    with wired.uow() as uow:
        rows: list[dict[str, Any]] = [
            {"id": t.id, "name": t.name, "members": list(t.members), "base": t.base_label}
            | {"capacity": t.capacity, "hours": f"{t.hours_start}-{t.hours_end}"}
            for t in uow.teams.all()
        ]
    if as_json:
        typer.echo(_dump(rows))
        return
    for r in rows:
        console.print(
            f"{r['id']}  {r['name']}  {len(r['members'])} agents  {r['hours']}  "
            f"{r['capacity']}/day  {r['base']}",
            highlight=False,
        )


@visits_app.command()
def plan(
    day: str = typer.Option(..., "--date", help="The day to plan (YYYY-MM-DD)."),
    seconds: float = typer.Option(2.0, "--seconds", min=0.01, max=600, help="Solver time."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Plan the day's routes: per team, the ordered stops with windows; then the unassigned."""
    from fairdebt.cli._common import console, services
    from fairdebt.services import visits

    wired = services()
    made = visits.plan_day(wired.uow(), _day(day), wired.clock.now(), seconds)
    teams: list[dict[str, Any]] = [
        {"team_id": t.team_id, "team": t.name, "stops": [_visit_row(v) for v in t.stops]}
        for t in made.teams
    ]
    if as_json:
        out = {"date": made.day.isoformat(), "teams": teams, "unassigned": dict(made.unassigned)}
        typer.echo(_dump(out | {"distance_m": made.distance_m}))
        return
    for t in teams:
        console.print(f"{t['team']} ({t['team_id']}):", highlight=False)
        for s in t["stops"]:
            console.print(
                f"  {s['order']}. {s['window']}  {s['visit_id']}  {s['case_id']}", highlight=False
            )
    for visit_id, why in made.unassigned.items():
        console.print(f"unassigned: {visit_id}: {why}", highlight=False)


@visits_app.command()
def notice(
    visit: str = typer.Argument(..., help="The visit (V-17)."),
    as_json: bool = JSON,
) -> None:
    """Queue the prior notice of a scheduled visit (the worker delivers it)."""
    from fairdebt.cli._common import console, services
    from fairdebt.services import visits

    wired = services()
    settings = wired.settings
    sender = visits.NoticeSender(settings.contact_phone, settings.portal_url)
    sent = visits.send_notice(
        wired.uow(), visit, wired.clock.now(), packs=wired.packs,
        default_pack=settings.default_pack, sender=sender,
        hours_before=settings.visit_notice_hours,
    )  # fmt: skip
    if as_json:  # the verify code is the borrower's: not printed
        row = {"visit_id": sent.visit_id, "channel": sent.channel, "outbox_id": sent.outbox_id}
        typer.echo(_dump(row))
        return
    console.print(f"{sent.visit_id}: notice queued by {sent.channel} (outbox {sent.outbox_id})")


@visits_app.command()
def report(
    visit: str = typer.Argument(..., help="The visit (V-17)."),
    out: Path | None = typer.Option(None, "--out", help="Where to write the PDF."),
    locale: str | None = typer.Option(
        None, "--locale", help="zh-CN or en (default: the language the agents signed in)."
    ),
    as_json: bool = JSON,
) -> None:
    """Write the visit report both agents signed at check-out (kept as evidence in zh-CN and
    en), after checking its bytes against the hash the case log recorded."""
    from fairdebt.adapters.files import write_atomically
    from fairdebt.cli._common import console, services
    from fairdebt.letters.visit_report import LANGUAGES
    from fairdebt.services import field_app

    if locale is not None and locale not in LANGUAGES:
        raise FairdebtError(f"unknown locale {locale[:20]!r}", hint=", ".join(LANGUAGES))
    wired = services()
    signed = field_app.signed_report(wired.uow(), wired.evidence, visit, locale)
    target = out or Path(f"{visit}-report-{locale}.pdf" if locale else f"{visit}-report.pdf")
    try:
        write_atomically(target, signed.data)
    except OSError as exc:
        raise FairdebtError(
            f"cannot write {target}: {exc.strerror}", hint="check the directory exists"
        ) from None
    size = len(signed.data)
    row = {"visit_id": visit, "language": signed.language, "ref": signed.ref, "bytes": size,
           "out": str(target)}  # fmt: skip
    if as_json:
        typer.echo(_dump(row))
        return
    console.print(
        f"{visit}: report {signed.ref} ({signed.language}, {size:,} bytes) written to {target}",
        highlight=False,
    )
