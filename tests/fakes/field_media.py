"""Fake of the field-media port (a dict, same semantics as the SQL repository)."""

from __future__ import annotations

from fairdebt.services.ports.field_media import VisitMedia


class FakeVisitMediaRepository:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str, int], VisitMedia] = {}

    def add(self, media: VisitMedia) -> bool:
        key = (media.visit_id, media.kind, media.seq)
        if key in self.rows:
            return False
        self.rows[key] = media
        return True

    def get(self, visit_id: str, kind: str, seq: int) -> VisitMedia | None:
        return self.rows.get((visit_id, kind, seq))

    def listing(self, visit_id: str, kind: str | None = None) -> list[VisitMedia]:
        return [
            self.rows[k]
            for k in sorted(self.rows)
            if k[0] == visit_id and (kind is None or k[1] == kind)
        ]


class FakeFieldMediaRepositories:
    def setup(self) -> None:
        """Called by FakeUnitOfWork.__init__: this group's fake repository."""
        self.visit_media = FakeVisitMediaRepository()
