"""`fairdebt templates …`: message template versions (services.templates) and their lint.

- `list [--json]`: every template with its active version and its drafts;
- `show ID [--version N]`: one version's fields and texts (default: the active one);
- `add FILE.yaml [--actor]`: a new draft version (the YAML format: docs/channels.md#templates);
- `activate ID --version N [--actor]`: lint it and make it the one the worklist sends;
- `lint`: the packs' content rules over the packaged files, and, when a database is configured
  (FAIRDEBT_DATABASE_URL, or the data directory's SQLite file exists), over the versions stored
  there too; `--packaged-only` skips the database (CI runs it without one).

A refused version exits 2 with each fault (template, language, line, rule id) on a line.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from fairdebt.messages.lint import Problem
    from fairdebt.services.ports.templates import TemplateVersion

templates_app = typer.Typer(help="Message and letter templates.", no_args_is_help=True)
ACTOR = typer.Option("cli", "--actor", help="Who does this (kept on the template version).")


def register(app: typer.Typer) -> None:
    app.add_typer(templates_app, name="templates")


def _fail(cause: str, hint: str = "", lines: tuple[str, ...] | list[str] = ()) -> typer.Exit:
    sys.stderr.write(f"error: {cause}\n")
    for line in lines:
        sys.stderr.write(f"  {line}\n")
    if hint:
        sys.stderr.write(f"hint: {hint}\n")
    return typer.Exit(2)


def _row(group: list[TemplateVersion]) -> dict[str, Any]:
    active = next((v for v in group if v.status == "active"), None)
    return {
        "id": group[0].template_id,
        "pack": group[0].pack,
        "channel": group[0].channel,
        "party": group[0].party,
        "purpose": group[0].purpose,
        "active": active.version if active else None,
        "drafts": [v.version for v in group if v.status == "draft"],
        "versions": len(group),
    }


def _grouped(found: list[TemplateVersion]) -> list[list[TemplateVersion]]:
    groups: dict[str, list[TemplateVersion]] = {}
    for v in found:
        groups.setdefault(v.template_id, []).append(v)
    return list(groups.values())


@templates_app.command("list")
def list_templates(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Every template: pack, channel, its active version and its drafts."""
    from fairdebt.cli._common import print_rows, services
    from fairdebt.services.templates import listing

    rows = [_row(g) for g in _grouped(listing(services().uow()))]
    columns = ("id", "pack", "channel", "party", "purpose", "active", "drafts")
    drafts = {"drafts": lambda d: ", ".join(map(str, d)), "active": lambda a: str(a or "—")}
    print_rows(rows, columns, as_json, title="templates", shown=drafts)


@templates_app.command("show")
def show_template(
    template_id: str = typer.Argument(..., metavar="ID"),
    version: int | None = typer.Option(None, "--version", "-v", help="Default: the active one."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """One version: what it is for, who added and activated it, and its text per language."""
    from fairdebt.cli._common import print_json, services
    from fairdebt.services.templates import version_of

    v = version_of(services().uow(), template_id, version)
    fields = _fields(v)
    if as_json:
        print_json(fields | {"text": dict(v.text)})
        return
    lines = [f"{k}: {'' if value is None else value}" for k, value in fields.items()]
    for language, text in v.text.items():
        lines += ["", f"--- {language} ---", text]
    sys.stdout.write("\n".join(lines) + "\n")


def _fields(v: TemplateVersion) -> dict[str, Any]:
    def at(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "id": v.template_id,
        "version": v.version,
        "status": v.status,
        "pack": v.pack,
        "channel": v.channel,
        "party": v.party,
        "purpose": v.purpose,
        "time_barred": v.time_barred,
        "created_by": v.created_by,
        "created_at": at(v.created_at) or "(packaged, not stored yet)",
        "activated_by": v.activated_by,
        "activated_at": at(v.activated_at),
        "retired_by": v.retired_by,
        "retired_at": at(v.retired_at),
        "lint_report": v.lint_report,
    }


@templates_app.command("add")
def add_template(
    file: Path = typer.Argument(..., metavar="FILE.yaml", help="One template in YAML."),
    actor: str = ACTOR,
) -> None:
    """Add the file as a new draft version of its template (activate it to send it)."""
    from fairdebt.cli._common import console, services
    from fairdebt.services.templates import TemplateRefused, add_version

    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(f"cannot read {file}: {exc}", "give a UTF-8 YAML file") from None
    s = services()
    try:
        added = add_version(s.uow(), text, actor, s.clock.now(), packs=s.packs)
    except TemplateRefused as exc:
        raise _fail(exc.summary, exc.hint, exc.problems) from None
    console.print(
        f"added {added.template_id} version {added.version} (draft); activate it with "
        f"`fairdebt templates activate {added.template_id} --version {added.version}`"
    )


@templates_app.command("activate")
def activate_template(
    template_id: str = typer.Argument(..., metavar="ID"),
    version: int = typer.Option(..., "--version", "-v", help="The version to activate."),
    actor: str = ACTOR,
) -> None:
    """Lint the version in every language and, if clean, make it the one the worklist sends."""
    from fairdebt.cli._common import console, services
    from fairdebt.services.templates import TemplateRefused, activate

    s = services()
    try:
        done = activate(s.uow(), template_id, version, actor, s.clock.now(), packs=s.packs)
    except TemplateRefused as exc:
        raise _fail(exc.summary, exc.hint, exc.problems) from None
    console.print(f"{done.template_id} version {done.version} is active (the previous one retired)")


@templates_app.command("lint")
def lint_templates(
    packaged_only: bool = typer.Option(
        False, "--packaged-only", help="Lint the packaged files only, not the database's versions."
    ),
) -> None:
    """Run the packs' content rules over every template in both languages; exit 1 on a fault."""
    from fairdebt.cli._common import console
    from fairdebt.messages.lint import lint

    problems = lint()
    if not packaged_only and _database_configured():
        problems += _stored_problems()
    for p in problems:
        sys.stdout.write(f"{p.file}: {p.where()} {p.rule}: {p.text}\n")
    if problems:
        console.print(f"[red]{len(problems)} template problem(s)[/red]")
        raise typer.Exit(1)
    console.print("templates: no problems")


def _database_configured() -> bool:
    from fairdebt.cli._common import settings

    configured = settings()
    return bool(configured.database_url) or (configured.data_dir / "fairdebt.db").exists()


def _stored_problems() -> list[Problem]:
    """The lint of every active version stored in the database, but those whose text is their
    packaged file's (linted with the files already). Drafts may still be unfinished."""
    from fairdebt.cli._common import services
    from fairdebt.services.templates import check, packaged

    s = services()
    files = {(v.template_id, tuple(sorted(v.text.items()))) for v in packaged()}
    with s.uow() as uow:
        stored = uow.templates.active()
    changed = [v for v in stored if (v.template_id, tuple(sorted(v.text.items()))) not in files]
    return [p for v in changed for p in check(v, s.packs).problems]
