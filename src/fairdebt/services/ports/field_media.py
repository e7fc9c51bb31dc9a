"""Port for what a field visit records (the field app, services/field_app.py): the audio
recording's chunks, photos of the surroundings, signatures drawn on the screen, the report.

The bytes live in the evidence store (`sha256:<hex>` references); a `VisitMedia` row says which
visit they belong to, what they are and in which order. The rows, not the case log, carry the
chunks of a recording (one every few seconds for the whole visit): the case log gets one
manifest event per visit at check-out (`visit_media_manifest`), not an event per chunk.
`(visit_id, kind, seq)` is unique: a chunk sent again after a dropped connection is the same row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

KINDS = ("audio_chunk", "photo", "notice_signature", "agent_signature", "visit_report")


@dataclass(frozen=True, slots=True)
class VisitMedia:
    """One recorded object of a visit. `seq`: the chunk's sequence number from 0 (audio), else
    the n-th object of its kind; `detail`: small facts (a photo's consent, a signer)."""

    visit_id: str
    kind: str
    seq: int
    ref: str  # sha256:<hex> in the evidence store
    size: int
    media_type: str
    recorded_at: datetime
    recorded_by: str  # user id
    detail: Mapping[str, object] = field(default_factory=dict)


class VisitMediaRepository(Protocol):
    def add(self, media: VisitMedia) -> bool:
        """Store a new row; False (nothing written) when (visit_id, kind, seq) exists."""
        ...

    def get(self, visit_id: str, kind: str, seq: int) -> VisitMedia | None: ...

    def listing(self, visit_id: str, kind: str | None = None) -> list[VisitMedia]:
        """The visit's rows (of one kind, when given) by kind, then seq."""
        ...


class FieldMediaRepositories(Protocol):
    """The field-media repository a unit of work holds."""

    @property
    def visit_media(self) -> VisitMediaRepository: ...
