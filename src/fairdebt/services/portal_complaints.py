"""Use cases of the portal's complaints page: what a borrower may complain about (contacts and
visits of their own record, or the debt), their evidence (photos, recordings) checked and kept
in the evidence store, and their complaints with the hold, the deadlines and the answer.

Filing goes through `services.complaints.file`, which places the hold and the deadlines. Before
it, this module makes sure nothing is written for a request that will be refused: the contact
named must be one of the borrower's own record (`choices`), the text must be acceptable, and
every upload must be of an allowed kind — checked by its first bytes, not by the type the
browser claims — and within the size limit. Only then are the uploads put in the evidence store
(content-addressed: a file put twice is one object) and the complaint filed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from fairdebt.domain.events import CaseEvent
from fairdebt.services import complaints
from fairdebt.services.ports import UnitOfWork
from fairdebt.services.ports.complaints import ABOUT, KINDS, Complaint, ComplaintFilter
from fairdebt.services.ports.evidence import EvidenceStore
from fairdebt.services.ports.identity import User

MAX_FILES = 5
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# Allowed media types, each with the first bytes its files start with (and, for containers,
# bytes expected at offset 8). A browser's claimed type is only a hint.
SIGNATURES: dict[str, tuple[tuple[bytes, bytes | None], ...]] = {
    "image/jpeg": ((b"\xff\xd8\xff", None),),
    "image/png": ((b"\x89PNG\r\n\x1a\n", None),),
    "image/webp": ((b"RIFF", b"WEBP"),),
    "audio/mpeg": ((b"ID3", None), (b"\xff\xfb", None), (b"\xff\xf3", None), (b"\xff\xf2", None)),
    "audio/wav": ((b"RIFF", b"WAVE"),),
    "audio/amr": ((b"#!AMR", None),),
    "audio/mp4": ((b"", b"ftyp"),),  # m4a: the box type at offset 4 (checked below)
    "application/pdf": ((b"%PDF-", None),),
}
ALIASES = {"audio/x-wav": "audio/wav", "audio/wave": "audio/wav", "audio/x-m4a": "audio/mp4",
           "audio/mp3": "audio/mpeg", "image/jpg": "image/jpeg"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Upload:
    """One file as the browser sent it."""

    filename: str
    media_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Choice:
    """A contact or a visit of the borrower's own record they may complain about."""

    seq: int
    about: str  # contact | visit
    at: str
    channel: str
    who: str


def choices(events: Sequence[CaseEvent]) -> list[Choice]:
    """The contacts and visits of this record a complaint may name (newest first)."""
    found = []
    for event in events:
        for about in ("contact", "visit"):
            if complaints._is_contact(event, about):
                channel = str(event.data.get("channel") or ("visit" if about == "visit" else ""))
                who = str(event.data.get("collector") or event.actor)
                found.append(Choice(event.seq, about, event.at, channel, who))
    return list(reversed(found))


def sniff(upload: Upload) -> str:
    """The allowed media type the file's bytes show, or ComplaintError. The claimed type must
    agree with the bytes (a script renamed .jpg is refused)."""
    claimed = ALIASES.get(upload.media_type.lower(), upload.media_type.lower())
    head = upload.data[:16]
    for media_type, signatures in SIGNATURES.items():
        for start, at8 in signatures:
            if media_type == "audio/mp4":
                matched = head[4:8] == b"ftyp"
            else:
                matched = head.startswith(start) and (at8 is None or head[8:12] == at8)
            if matched:
                if claimed not in (media_type, "application/octet-stream", ""):
                    break
                return media_type
    raise complaints.ComplaintError(
        f"{_name(upload)} is not a photo, a recording or a PDF",
        hint="attach JPEG, PNG or WebP photos, MP3, M4A, WAV or AMR recordings, or PDF files",
    )


def _name(upload: Upload) -> str:
    return (upload.filename or "a file")[:60]


def check_uploads(uploads: Sequence[Upload], max_bytes: int) -> list[tuple[bytes, str]]:
    """The files to keep, each with its media type; ComplaintError for too many, an empty or a
    too large file, or one of a kind not allowed."""
    files = [u for u in uploads if u.data or u.filename]
    if len(files) > MAX_FILES:
        raise complaints.ComplaintError(f"{len(files)} files", hint=f"attach at most {MAX_FILES}")
    kept = []
    for upload in files:
        if not upload.data:
            raise complaints.ComplaintError(f"{_name(upload)} is empty")
        if len(upload.data) > max_bytes:
            mb = max_bytes // (1024 * 1024)
            raise complaints.ComplaintError(
                f"{_name(upload)} is larger than {mb} MB", hint="attach a shorter recording"
            )
        kept.append((upload.data, sniff(upload)))
    return kept


def file_complaint(
    uow: UnitOfWork,
    user: User,
    case_id: str,
    about: str,
    kind: str,
    text: str,
    contact_seq: int | None,
    uploads: Sequence[Upload],
    now: datetime,
    *,
    deadlines: complaints.Deadlines,
    evidence: EvidenceStore,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Complaint:
    """File the borrower's complaint with their evidence (module docstring); nothing is written
    (neither the complaint nor any file) when it is refused."""
    complaints._clean(text, "complaint text", complaints.MAX_TEXT)
    complaints._choice(about, ABOUT, "about")
    complaints._choice(kind, KINDS, "kind")
    if about == "debt" and contact_seq is not None:
        raise complaints.ComplaintError("a complaint about the debt names no contact")
    if about != "debt":
        with uow:
            own = {c.seq for c in choices(uow.events.events(case_id)) if c.about == about}
        if contact_seq not in own:
            raise complaints.ComplaintError(
                f"that is not a {about[:10]} in your record",
                hint="choose one from the list of your contacts and visits",
            )
    files = check_uploads(uploads, max_bytes)
    refs = tuple(evidence.put(data, media_type) for data, media_type in files)
    return complaints.file(
        uow,
        case_id,
        about,
        kind,
        text,
        contact_seq,
        user,
        now,
        refs,
        deadlines=deadlines,
        evidence=evidence,
    )


def mine(uow: UnitOfWork, case_id: str) -> list[Complaint]:
    """The case's complaints, newest first."""
    with uow:
        found = uow.complaints.listing(ComplaintFilter(case_id=case_id), 200)
    return sorted(found, key=lambda c: c.filed_at, reverse=True)
