"""`fairdebt backup` / `fairdebt restore`: the database, the evidence, the keys and the
checkpoints in one archive, and back (adapters/backup.py; docs/operations.md#backups)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from fairdebt.adapters.backup import Progress, Source, Target
    from fairdebt.bootstrap import Services


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)


def backup(
    out: Path = typer.Option(
        ...,
        "--out",
        help="A folder, made if missing (the archive is named by the time), or a new file "
        "ending in .tar.gz.",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress lines."),
) -> None:
    """Write one archive (tar.gz) of the database (a consistent copy while the app runs), the
    evidence objects, the keys in the data folder (SECRET: keep the archive as safe as the
    keys) and the checkpoints, with a manifest of every member's SHA-256."""
    from fairdebt.adapters.backup import backup as write_backup
    from fairdebt.adapters.db.migrate import current_revision
    from fairdebt.cli._common import console, services
    from fairdebt.errors import DatabaseError

    wired = services()
    revision = current_revision(wired.engine)
    if revision is None:
        raise DatabaseError("the database has no schema: nothing to back up", "run `fairdebt init`")
    with _progress(quiet) as report:
        written = write_backup(
            _source(wired), wired.uow(), revision, out, wired.clock.now(), report
        )
    console.print(
        f"wrote {written.path} ({written.bytes:,} bytes): {written.database} database at schema "
        f"{written.revision}, {written.evidence_objects} evidence object(s), "
        f"{len(written.secrets)} key file(s) — the archive holds private keys: store it "
        "encrypted, off-site",
        markup=False,
    )


def restore(
    archive: Path = typer.Argument(..., help="The archive `fairdebt backup` wrote."),
    to: str = typer.Option(
        None, "--to", help="The database URL to restore into; default FAIRDEBT_DATABASE_URL."
    ),
    force: bool = typer.Option(
        False, "--force", help="Replace a database that is not empty, and differing key files."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress lines."),
) -> None:
    """Check every member of the archive against its manifest (a cut or altered archive is
    refused, nothing written), then restore the database, the evidence objects and the keys,
    and run `fairdebt audit verify` on the result (exit 1 if it fails)."""
    import tempfile

    from fairdebt.adapters.backup import restore as restore_backup
    from fairdebt.bootstrap import Services
    from fairdebt.cli._common import console, services, use

    wired = services()
    settings = wired.settings
    if to is not None:
        settings = settings.model_copy(update={"database_url": to})
        wired = Services(settings, clock=wired.clock)
    with _progress(quiet) as report:
        restored = restore_backup(
            archive, _target(wired), known_revision=_known, force=force, on_progress=report
        )
    console.print(
        f"restored {archive}: {restored.manifest.database} database of "
        f"{restored.manifest.created_at} (schema {restored.manifest.revision}), "
        f"{restored.evidence_objects} evidence object(s), {len(restored.secrets)} key file(s)",
        markup=False,
    )
    fresh = Services(settings, clock=wired.clock)  # migrates an older schema to this program's
    use(fresh)
    from fairdebt.cli.audit import verify

    with tempfile.TemporaryDirectory() as scratch:
        published = None
        if restored.checkpoints:
            published = Path(scratch) / "checkpoints.txt"
            published.write_text(restored.checkpoints, encoding="utf-8")
        try:
            verify(quiet=True, key=[], published=published)  # type: ignore[arg-type]
        finally:
            fresh.close()


def _known(revision: str) -> bool:
    """Whether this program's migrations know `revision` (an unknown one is newer)."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from fairdebt.adapters.db.migrate import alembic_config

    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False


def _source(wired: Services) -> Source:
    from fairdebt.adapters.backup import Source
    from fairdebt.adapters.evidence.fs import FileEvidenceStore

    store = wired.evidence
    root = store.root if isinstance(store, FileEvidenceStore) else None
    settings = wired.settings
    # The personal-data key file too: without it the restored phones and addresses are lost.
    keys = (settings.signing_key_path, settings.signing_keyring_path, settings.data_key_path)
    return Source(settings.sqlalchemy_url, settings.data_dir, store, root, keys)


def _target(wired: Services) -> Target:
    from fairdebt.adapters.backup import Target

    return Target(
        wired.settings.sqlalchemy_url,
        wired.settings.data_dir,
        wired.evidence,
        wired.settings.signing_key_path.parent,
    )


class _progress:
    """Progress lines (a bar on a terminal) for the archive's steps."""

    def __init__(self, quiet: bool) -> None:
        from fairdebt.cli._common import progress

        self.bar = progress(quiet)
        self.tasks: dict[str, object] = {}

    def __enter__(self) -> Progress:
        self.bar.__enter__()
        return self.report

    def __exit__(self, *exc: object) -> None:
        self.bar.__exit__(None, None, None)

    def report(self, step: str, done: int, total: int | None) -> None:
        from typing import cast

        from rich.progress import TaskID

        if step not in self.tasks:
            self.tasks[step] = self.bar.add_task(step, total=total)
        self.bar.update(cast("TaskID", self.tasks[step]), completed=done, total=total)
