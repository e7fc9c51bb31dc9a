"""Fake of the message template port (a dict keyed by template id and version)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from fairdebt.services.ports.templates import ACTIVE, RETIRED, TemplateVersion


class FakeTemplateRepository:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, int], TemplateVersion] = {}

    def get(self, template_id: str, version: int) -> TemplateVersion | None:
        return self.rows.get((template_id, version))

    def versions(self, template_id: str) -> list[TemplateVersion]:
        return [v for v in self.all() if v.template_id == template_id]

    def all(self) -> list[TemplateVersion]:
        return [self.rows[k] for k in sorted(self.rows)]

    def active(
        self, template_id: str | None = None, pack: str | None = None, channel: str | None = None
    ) -> list[TemplateVersion]:
        return [
            v
            for v in self.all()
            if v.status == ACTIVE
            and template_id in (None, v.template_id)
            and pack in (None, v.pack)
            and channel in (None, v.channel)
        ]

    def ids(self) -> set[str]:
        return {k[0] for k in self.rows}

    def add(self, version: TemplateVersion) -> None:
        key = (version.template_id, version.version)
        if key in self.rows:
            raise ValueError(f"{key} exists")  # the primary key
        self.rows[key] = version

    def store_missing(self, versions: Iterable[TemplateVersion]) -> None:
        stored = self.ids()
        for v in versions:
            if v.template_id not in stored:
                self.rows[(v.template_id, v.version)] = v

    def activate(
        self,
        template_id: str,
        version: int,
        actor: str,
        at: datetime,
        report: Sequence[Mapping[str, Any]],
    ) -> None:
        for v in self.active(template_id):
            if v.version != version:
                self.rows[(template_id, v.version)] = replace(
                    v, status=RETIRED, retired_by=actor, retired_at=at
                )
        key = (template_id, version)
        self.rows[key] = replace(
            self.rows[key],
            status=ACTIVE,
            activated_by=actor,
            activated_at=at,
            retired_by=None,
            retired_at=None,
            lint_report=list(report),
        )


class FakeTemplateRepositories:
    def setup(self) -> None:
        """Called by FakeUnitOfWork.__init__: this group's fake repository."""
        self.templates = FakeTemplateRepository()
