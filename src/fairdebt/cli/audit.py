"""`fairdebt audit ...`: check the tamper-evident case event log and its evidence; anchor it
under signed checkpoints; hand out signed evidence bundles (docs/audit.md)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from fairdebt.services.anchor import AnchorReport, KeySet

audit_app = typer.Typer(
    help="Check the tamper-evident case event log and its evidence; anchor it; bundle a case."
)

KEY_HELP = (
    "The institution's public key (PEM file from `fairdebt audit key --public`, or its 64 hex "
    "digits); repeat for each published key; keys a handover links to a given one count too. "
    "Default: every key of the local key list (`fairdebt audit key --all`)."
)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")


def _key(given: list[str] | None, *, required: bool) -> KeySet | None:
    """The `--key`s (and the keys handovers link to them), else every key of the local key list
    (the configured signing key's public half when never rotated); None if none and not
    `required`."""
    from fairdebt.adapters.signing import key_set, load_signing_key
    from fairdebt.cli._common import settings

    wired = settings()
    keys = key_set(wired.signing_key_path, wired.signing_keyring_path, given or [])
    if keys is None and required:
        load_signing_key(wired.signing_key_path)  # raises: no key, and how to make one
    return keys


def _published(path: Path | None) -> list:  # type: ignore[type-arg]
    """The checkpoint lines in a file (other lines, e.g. of an e-mail, are skipped)."""
    from fairdebt.domain.anchor import parse_line
    from fairdebt.errors import InputFileError

    if path is None:
        return []
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise InputFileError(
            f"cannot read {path}: {exc.strerror}", hint="pass the file of published checkpoints"
        ) from None
    found = [c for c in map(parse_line, lines) if c is not None]
    if not found:
        raise InputFileError(
            f"{path} holds no checkpoint line",
            hint="each checkpoint is the line `fairdebt audit checkpoint` printed, "
            "starting `fairdebt-checkpoint v1`",
        )
    return found


@audit_app.command()
def verify(
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    key: list[str] = typer.Option(None, "--key", help=KEY_HELP),
    published: Path = typer.Option(
        None,
        "--published",
        help="A file holding checkpoint lines published outside (e-mails, a transparency "
        "page): each must be in the log unchanged; shows removed latest checkpoints.",
    ),
) -> None:
    """Recompute every case's chain; name the first broken link of each. Check every chain
    against the signed checkpoints: truncated, deleted or rewritten history, forged or removed
    checkpoints, by case, event and checkpoint. Then re-hash every evidence object an event
    names (FAIRDEBT_EVIDENCE_URL). Exit 1 if anything fails."""
    from rich.markup import escape

    from fairdebt.cli._common import console, out, progress, services
    from fairdebt.errors import SettingsError
    from fairdebt.services.audit import EvidenceRef, check_evidence, verify_log

    copies = _published(published)
    wired = services()
    with wired.uow() as uow:
        anchored = uow.checkpoints.latest() is not None
    verifier = _key(key, required=False)
    if verifier is None and (anchored or copies):
        raise SettingsError(
            f"checkpoints need a key to check their signatures; none at "
            f"{wired.settings.signing_key_path}",
            hint="pass --key with the institution's public key, or set FAIRDEBT_SIGNING_KEY_FILE",
        )
    refs: list[EvidenceRef] = []
    with progress(quiet) as bar:
        task = bar.add_task("verifying chains", total=None)
        report, anchor = verify_log(
            wired.uow(),
            verifier,
            on_case=lambda n: bar.update(task, completed=n),
            refs=refs,
            published=copies,
        )
        evidence = None
        if refs:  # no store is opened (nor boto3 loaded) for a log that names no evidence
            checking = bar.add_task("checking evidence", total=len(refs))
            evidence = check_evidence(
                wired.evidence, refs, on_ref=lambda n: bar.update(checking, completed=n)
            )
    for link in report.broken:
        out.print(f"[red]BROKEN[/red] case {link.case} at event {link.seq}: {link.reason}")
    if report.ok:
        out.print(f"ok: {report.events} events in {report.cases} cases, every chain intact")
    else:
        console.print(f"{len(report.broken)} broken chain(s) in {report.cases} cases")
    _print_anchor(anchor)
    for problem in evidence.problems if evidence else ():
        out.print(
            f"[red]EVIDENCE {problem.status.upper()}[/red] case {problem.case} at event "
            f"{problem.seq}: {escape(problem.ref)}"
        )
    if evidence is not None and evidence.ok:
        out.print(
            f"ok: {evidence.objects} evidence objects for {evidence.refs} references, all match"
        )
    elif evidence is not None:
        console.print(f"{len(evidence.problems)} evidence reference(s) fail")
    if not report.ok or not anchor.ok or (evidence is not None and not evidence.ok):
        raise typer.Exit(1)


def _print_anchor(anchor: AnchorReport) -> None:
    from rich.markup import escape

    from fairdebt.cli._common import console, out

    for found in anchor.findings:
        out.print(f"[red]{found.kind.upper()}[/red] {escape(found.where)}: {escape(found.detail)}")
    latest = anchor.latest
    if latest is None:
        out.print(
            "not anchored: no checkpoint yet; run `fairdebt audit checkpoint` (without one, "
            "deleted last events and recomputed chains cannot be seen)"
        )
    elif anchor.ok:
        out.print(
            f"ok: {anchor.checkpoints} checkpoint(s), the latest {latest.number} of {latest.at} "
            f"({latest.size} cases) signed by key {latest.key}; every anchored head intact"
        )
    else:
        console.print(f"{len(anchor.findings)} change(s) since the checkpoints")
    if anchor.unanchored_events:
        since = f"after checkpoint {latest.number}" if latest else "so far"
        out.print(
            f"not yet anchored: {anchor.unanchored_events} event(s) in "
            f"{anchor.unanchored_cases} case(s) appended {since}"
        )


@audit_app.command()
def checkpoint(
    every: float = typer.Option(
        None,
        "--every",
        min=1,
        max=1440,
        help="Keep running: one checkpoint every this many minutes (Ctrl-C or SIGTERM stops).",
    ),
) -> None:
    """Anchor every case's chain: record each case's head, sign the Merkle root of them with
    FAIRDEBT_SIGNING_KEY_FILE, chain it to the checkpoint before. Prints the checkpoint's
    publishable line on stdout (docs/audit.md: where to publish it). Refused (exit 2) if a case
    lost anchored events."""
    from fairdebt.adapters.signing import load_signing_key, read_keyring
    from fairdebt.cli._common import out, services
    from fairdebt.services.anchor import make_checkpoint

    wired = services()

    def one() -> str:
        """Read the key each time: a running `--every` signs with the new key after a rotation."""
        signer = load_signing_key(wired.settings.signing_key_path)
        keys = read_keyring(wired.settings.signing_keyring_path, signer).keys()
        return make_checkpoint(wired.uow(), signer, wired.clock.now(), keys).line()

    if every is None:
        out.print(one(), soft_wrap=True, markup=False, highlight=False)
        return
    one()  # a missing or unreadable key stops here, exit 2, before the loop
    _every(every * 60, one)


def _every(seconds: float, make: object) -> None:
    """Run `make` now and every `seconds` until SIGTERM/SIGINT; a refused checkpoint stops the
    loop (exit 2: someone must look), a database fault is reported and retried next time."""
    import signal
    import threading
    from collections.abc import Callable
    from typing import cast

    from fairdebt.cli._common import console, out
    from fairdebt.errors import DatabaseError
    from fairdebt.services.anchor import CheckpointRefused

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    run = cast("Callable[[], str]", make)
    while not stop.is_set():
        try:
            out.print(run(), soft_wrap=True, markup=False, highlight=False)
        except CheckpointRefused:
            raise
        except DatabaseError as exc:
            console.print(f"checkpoint failed, retrying in {seconds:.0f} s: {exc}", markup=False)
        stop.wait(seconds)


@audit_app.command("key")
def key_command(
    generate: bool = typer.Option(False, "--generate", help="Create a new private key file."),
    out_file: Path = typer.Option(None, "--out", help="Where --generate writes (mode 0600)."),
    public: bool = typer.Option(
        False, "--public", help="Print the public key (PEM) of FAIRDEBT_SIGNING_KEY_FILE."
    ),
    rotate: bool = typer.Option(
        False,
        "--rotate",
        help="Replace the active key by a new one; the old one stays in the key list, so the "
        "checkpoints it signed stay verifiable.",
    ),
    all_keys: bool = typer.Option(
        False, "--all", help="List every key checkpoints were signed with, and when."
    ),
) -> None:
    """The institution's checkpoint signing key (Ed25519). --generate --out F writes a new
    private key (never overwriting a file); --public prints the active public key to hand out:
    to the regulator, auditors, and everyone given a bundle; --rotate makes a new active key;
    --all lists every key with its validity period (docs/audit.md#rotating-the-key)."""
    from fairdebt.errors import InputFileError

    if [generate, public, rotate, all_keys].count(True) != 1:
        raise InputFileError(
            "say what to do with the key (one of --generate, --public, --rotate, --all)",
            hint="`fairdebt audit key --generate --out FILE`, `fairdebt audit key --public`, "
            "`fairdebt audit key --rotate` or `fairdebt audit key --all`",
        )
    if generate:
        _generate(out_file)
    elif public:
        _print_public()
    elif rotate:
        _rotate()
    else:
        _list_keys()


def _generate(out_file: Path | None) -> None:
    import contextlib

    from fairdebt.adapters.signing import generate_key_file
    from fairdebt.cli._common import console, settings
    from fairdebt.errors import InputFileError

    if out_file is None:
        raise InputFileError("--generate needs --out FILE", hint="e.g. --out signing-key.pem")
    same = settings().signing_key_path.resolve() == out_file.resolve()
    if same:  # the default place, in the data folder: made on first use like the database's
        with contextlib.suppress(OSError):  # generate_key_file says what is wrong
            out_file.parent.mkdir(parents=True, exist_ok=True)
    made = generate_key_file(out_file)
    where = "" if same else f"set FAIRDEBT_SIGNING_KEY_FILE={out_file} and "
    console.print(
        f"wrote {out_file} (mode 0600), key id {made.key_id}; {where}publish the public key "
        "(`fairdebt audit key --public`)",
        markup=False,
    )


def _print_public() -> None:
    from fairdebt.adapters.signing import load_signing_key
    from fairdebt.cli._common import console, out, settings

    signing = load_signing_key(settings().signing_key_path)
    out.print(signing.pem(), end="", markup=False, highlight=False)
    console.print(f"key id {signing.key_id}; raw hex {signing.raw.hex()}", markup=False)


def _rotate() -> None:
    from fairdebt.adapters.signing import rotate_key
    from fairdebt.cli._common import console, out, services
    from fairdebt.domain.events import format_instant

    wired = services()
    path = wired.settings.signing_key_path
    made = rotate_key(path, wired.settings.signing_keyring_path, format_instant(wired.clock.now()))
    out.print(made.new.pem(), end="", markup=False, highlight=False)
    console.print(
        f"new active key {made.new.key_id} in {path}; key {made.old.key_id} retired (its "
        f"checkpoints stay verifiable, listed in {wired.settings.signing_keyring_path}). "
        f"Publish the new public key above; back up, then destroy {made.retired_file}.",
        markup=False,
    )


def _list_keys() -> None:
    from fairdebt.adapters.signing import load_signing_key, read_keyring
    from fairdebt.cli._common import print_rows, settings

    wired = settings()
    active = load_signing_key(wired.signing_key_path) if wired.signing_key_path.exists() else None
    ring = read_keyring(wired.signing_keyring_path, active)
    rows = [
        {
            "key_id": r.key.key_id,
            "valid_from": r.since or "(first key)",
            "valid_until": r.until or "active",
            "public_hex": r.key.raw.hex(),
        }
        for r in ring.records
    ]
    print_rows(rows, ["key_id", "valid_from", "valid_until", "public_hex"])


@audit_app.command()
def bundle(
    case: str = typer.Argument(..., help="The case id, e.g. C-B1."),
    out_file: Path = typer.Option(..., "--out", help="The bundle file to write (JSON)."),
    with_evidence: bool = typer.Option(
        False, "--with-evidence", help="Include the bytes of every evidence object named."
    ),
) -> None:
    """A signed evidence bundle of one case: its events, the latest checkpoint and the proof
    that the case's head is in it (and the evidence objects). Anyone with the public key can
    check it: `fairdebt audit verify-bundle`, or the standalone audit_verifier.py."""
    from fairdebt.cli._common import console, services
    from fairdebt.errors import InputFileError
    from fairdebt.services.bundle import make_bundle

    wired = services()
    data, under = make_bundle(wired.uow(), case, wired.evidence if with_evidence else None)
    try:
        out_file.write_bytes(data)
    except OSError as exc:
        raise InputFileError(
            f"cannot write {out_file}: {exc.strerror}", hint="choose a writable --out path"
        ) from None
    console.print(
        f"wrote {out_file} ({len(data):,} bytes): case {case} under checkpoint {under.number} "
        f"of {under.at}",
        markup=False,
    )


@audit_app.command("verify-bundle")
def verify_bundle_command(
    file: Path = typer.Argument(..., help="The bundle file."),
    key: list[str] = typer.Option(None, "--key", help=KEY_HELP),
) -> None:
    """Check a bundle: event chain, the head in the proof, the proof to the root, the root's
    signature, the evidence hashes, every byte. Exit 1 if anything fails."""
    from fairdebt.cli._common import out
    from fairdebt.errors import InputFileError
    from fairdebt.services.bundle import verify_bundle

    verifier = _key(key, required=True)
    assert verifier is not None
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise InputFileError(
            f"cannot read {file}: {exc.strerror}", hint="pass the bundle file"
        ) from None
    report = verify_bundle(raw, verifier)
    for problem in report.problems:
        out.print(f"FAIL {problem}", markup=False, highlight=False)
    if report.ok:
        out.print(
            f"ok: case {report.case}, {report.events} events, event {report.anchored_seq} "
            f"anchored by checkpoint {report.checkpoint} of {report.checkpoint_at} "
            f"signed by key {report.key}; {report.evidence_checked} evidence object(s) match",
            markup=False,
            highlight=False,
        )
        if report.unanchored:
            out.print(f"not yet anchored: {report.unanchored} later event(s)", markup=False)
        if report.evidence_absent:
            out.print(
                f"not included: {report.evidence_absent} evidence object(s) named by events",
                markup=False,
            )
        return
    out.print(f"INVALID: {len(report.problems)} problem(s)", markup=False)
    raise typer.Exit(1)
