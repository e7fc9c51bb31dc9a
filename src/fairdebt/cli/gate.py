"""`fairdebt gate`, `fairdebt packs …`: the contact gate's commands (templates: cli/templates.py).

`fairdebt gate` reads one request (docs/gate.md) on stdin and writes the decision on
stdout — the same JSON text as `POST /api/v1/gate/check` — and exits 0 whatever the decision.
A malformed request exits 2 with every error and its JSON pointer on stderr; an unknown pack
exits 2 listing the available ones. `--pack-file` adds pack or fork files (a
lender's `extends: cn`), as do the packs commands.

The gate command is asked once per contact by scripts, so its start-up is most of its time: it
imports only the reader, the engine and the packs (no web framework, no database); the packs
come from the composition root (`services().packs`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from fairdebt.cli._coerce import LightCommand

if TYPE_CHECKING:
    from fairdebt.compliance.pack import Packs

packs_app = typer.Typer(
    help="Rule packs: list, show, and generate docs/rules.md.", no_args_is_help=True
)

PACK_FILES = typer.Option(
    None, "--pack-file", "-p", help="A pack or fork YAML file (or a folder of them); repeatable."
)


def register(app: typer.Typer) -> None:
    app.command("gate", cls=LightCommand)(gate)  # no pydantic at start-up (cli/_coerce.py)
    app.add_typer(packs_app, name="packs")


def load_packs(paths: list[Path] | None) -> Packs:
    """The composition root's packs plus the YAML files (or folders of them) given."""
    from fairdebt.cli._common import services
    from fairdebt.compliance.errors import PackError
    from fairdebt.compliance.pack import build_packs

    sources = []
    for path in paths or ():
        entries = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
        for entry in entries:
            try:
                sources.append((str(entry), entry.read_text("utf-8")))
            except OSError as exc:
                raise PackError(
                    f"cannot read {entry}: {exc.strerror}", hint="check the path"
                ) from None
    base = services().packs
    return build_packs(sources, base) if sources else base


def _fail(cause: str, hint: str = "", lines: tuple[str, ...] = ()) -> typer.Exit:
    sys.stderr.write(f"error: {cause}\n")
    for line in lines:
        sys.stderr.write(f"  {line}\n")
    if hint:
        sys.stderr.write(f"hint: {hint}\n")
    return typer.Exit(2)


def gate(pack_file: list[Path] | None = PACK_FILES) -> None:
    """Decide one contact attempt: request JSON on stdin, decision JSON on stdout."""
    from fairdebt.compliance.engine import decide_body
    from fairdebt.compliance.errors import GateRequestError
    from fairdebt.compliance.request import NotJsonError
    from fairdebt.errors import FairdebtError

    body = sys.stdin.buffer.read()
    try:
        decision = decide_body(body, packs=load_packs(pack_file))
    except NotJsonError as exc:
        raise _fail(f"the request is not JSON: {exc}", "pipe one JSON object in") from None
    except GateRequestError as exc:
        lines = tuple(f"{pointer or '(the request)'}: {message}" for pointer, message in exc.errors)
        count = len(exc.errors)
        plural = "s" if count > 1 else ""
        cause = f"the request is not a gate request ({count} error{plural})"
        raise _fail(cause, exc.hint, lines) from None
    except FairdebtError as exc:
        raise _fail(exc.cause, exc.hint) from None
    sys.stdout.buffer.write(decision.to_json_bytes() + b"\n")
    sys.stdout.flush()


@packs_app.command("list")
def list_packs(
    pack_file: list[Path] | None = PACK_FILES,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Every loaded pack version, with its title and number of rules."""
    from fairdebt.cli._common import print_rows

    packs = _packs_or_exit(pack_file)
    rows = []
    for ref in packs.available():
        pack = packs.resolve(ref)
        rows.append(
            {"pack": ref, "title": pack.title, "rules": len(pack.rules), "extends": pack.extends}
        )
    print_rows(rows, ("pack", "title", "rules", "extends"), as_json, right=("rules",))


@packs_app.command("show")
def show_pack(
    name: str = typer.Argument(..., help="Pack id (latest version) or id@version."),
    pack_file: list[Path] | None = PACK_FILES,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The rules of a pack with their severity, scope and citation."""
    from fairdebt.cli._common import print_rows
    from fairdebt.errors import FairdebtError

    packs = _packs_or_exit(pack_file)
    try:
        pack = packs.resolve(name)
    except FairdebtError as exc:
        raise _fail(exc.cause, exc.hint) from None
    rows = [
        {
            "id": model.id,
            "severity": model.severity.value,
            "family": model.family,
            "applies to": ", ".join([*model.channels, *model.parties, *model.purposes]) or "all",
            "citation": model.citation,
        }
        for model in pack.models
    ]
    columns = ("id", "severity", "family", "applies to", "citation")
    print_rows(rows, columns, as_json, title=f"{pack.ref}: {pack.title}")


@packs_app.command("docs")
def write_docs(
    output: Path = typer.Option(Path("docs/rules.md"), help="Where to write the Markdown."),
    pack_file: list[Path] | None = PACK_FILES,
) -> None:
    """Write docs/rules.md from the packs (a test fails when it is stale)."""
    from fairdebt.cli._common import console
    from fairdebt.compliance.docs import render_rules_md

    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render_rules_md(_packs_or_exit(pack_file)), encoding="utf-8")
    console.print(f"wrote {output}")


def _packs_or_exit(pack_file: list[Path] | None) -> Packs:
    from fairdebt.errors import FairdebtError

    try:
        return load_packs(pack_file)
    except FairdebtError as exc:
        raise _fail(exc.cause, exc.hint) from None
