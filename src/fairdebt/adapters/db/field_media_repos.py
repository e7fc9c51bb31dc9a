"""The field-media repository of SqlUnitOfWork (SQLAlchemy Core on the unit's connection)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from fairdebt.adapters.db.field_media_tables import visit_media
from fairdebt.services.ports.field_media import VisitMedia

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Row


def _media(row: Row[Any]) -> VisitMedia:
    return VisitMedia(
        visit_id=row.visit_id,
        kind=row.kind,
        seq=row.seq,
        ref=row.ref,
        size=row.size,
        media_type=row.media_type,
        recorded_at=datetime.fromisoformat(row.recorded_at),
        recorded_by=row.recorded_by,
        detail=json.loads(row.detail),
    )


class SqlVisitMediaRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, media: VisitMedia) -> bool:
        values = {
            "visit_id": media.visit_id,
            "kind": media.kind,
            "seq": media.seq,
            "ref": media.ref,
            "size": media.size,
            "media_type": media.media_type,
            "recorded_at": media.recorded_at.astimezone(UTC).isoformat(),
            "recorded_by": media.recorded_by,
            "detail": json.dumps(dict(media.detail), ensure_ascii=False, sort_keys=True),
        }
        # A savepoint: a duplicate (a chunk sent twice at once) must not end the transaction.
        try:
            with self.conn.begin_nested():
                self.conn.execute(insert(visit_media).values(**values))
        except IntegrityError:
            return False
        return True

    def get(self, visit_id: str, kind: str, seq: int) -> VisitMedia | None:
        c = visit_media.c
        row = self.conn.execute(
            select(visit_media).where(c.visit_id == visit_id, c.kind == kind, c.seq == seq)
        ).first()
        return None if row is None else _media(row)

    def listing(self, visit_id: str, kind: str | None = None) -> list[VisitMedia]:
        c = visit_media.c
        query = select(visit_media).where(c.visit_id == visit_id)
        if kind is not None:
            query = query.where(c.kind == kind)
        return [_media(r) for r in self.conn.execute(query.order_by(c.kind, c.seq))]


class SqlFieldMediaRepositories:
    """Mixed into SqlUnitOfWork: the repository on the unit's connection."""

    if TYPE_CHECKING:

        @property
        def conn(self) -> Connection: ...  # SqlUnitOfWork's

    @property
    def visit_media(self) -> SqlVisitMediaRepository:
        return SqlVisitMediaRepository(self.conn)
