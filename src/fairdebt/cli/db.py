"""`fairdebt init` / `fairdebt db upgrade`: create or migrate the database."""

from __future__ import annotations

import typer

db_app = typer.Typer(help="Database schema.")


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.add_typer(db_app, name="db")


def init() -> None:
    """Create the database (SQLite by default) and bring it to the newest schema."""
    from fairdebt.cli._common import out, services

    wired = services()
    wired.engine  # built and brought to the newest schema  # noqa: B018
    out.print(f"database ready: {_safe_url(wired.settings.sqlalchemy_url)}")


@db_app.command()
def upgrade() -> None:
    """Apply pending migrations."""
    init()


@db_app.command()
def status() -> None:
    """Show the schema revision of the database and of this code."""
    from fairdebt.adapters.db.migrate import current_revision, head_revision
    from fairdebt.bootstrap import Services
    from fairdebt.cli._common import out, services

    unmigrated = Services(services().settings, migrate=False)  # look, do not upgrade
    try:
        out.print(f"database: {current_revision(unmigrated.engine)}  code: {head_revision()}")
    finally:
        unmigrated.close()


def _safe_url(url: str) -> str:
    from sqlalchemy import make_url

    return make_url(url).render_as_string(hide_password=True)
