"""`fairdebt letters render`: one case's letter as a PDF file, for inspection. Nothing is sent and
nothing is recorded: letters reach borrowers only through the worklist, the gate first
(docs/channels.md, "Letters")."""

from __future__ import annotations

from pathlib import Path

import typer

letters_app = typer.Typer(
    help="Letters as PDFs: collection notice, lawyer's letter, sealed cover, validation notice.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(letters_app, name="letters")


@letters_app.command("render")
def render(
    case_id: str = typer.Argument(..., metavar="CASE", help="The case id, e.g. C-B0001."),
    kind: str = typer.Option(
        ...,
        "--kind",
        help="collection_notice | lawyers_letter | sealed_cover | validation_notice",
    ),
    out: Path = typer.Option(..., "--out", help="The PDF file to write."),
    locale: str = typer.Option("zh-CN", "--locale", help="zh-CN | en"),
) -> None:
    """Render the case's letter of KIND into --out (sends nothing); print its path and pages."""
    from fairdebt.cli._common import services
    from fairdebt.letters import pdf_page_count, render_letter
    from fairdebt.letters.context import check_kind

    check_kind(kind, locale)  # before the database is opened: a typo is answered at once
    wired = services()
    pdf = render_letter(
        wired.uow(),
        case_id,
        kind,
        locale,
        wired.clock.now(),
        wired.sender,
        wired.allocation_order,
    )
    _write(out, pdf)
    typer.echo(f"{out}\t{pdf_page_count(pdf)} page(s)")


def _write(out: Path, pdf: bytes) -> None:
    from fairdebt.errors import InputFileError

    if out.is_dir():
        raise InputFileError(f"--out {out} is a directory", hint="name a file, e.g. letter.pdf")
    try:
        out.write_bytes(pdf)
    except OSError as exc:
        raise InputFileError(
            f"cannot write {out}: {exc.strerror}",
            hint="choose a path in a directory that exists and that you may write to",
        ) from None
