"""Port for message template versions (services.templates).

Every version of every message template is a row: its id and version number, what it is written
for (pack, channel, party, purpose, time-barred debts), its Jinja2 text per language, and its
status — `draft` (added, never sent), `active` (the one the worklist renders; at most one per
template), `retired` (was active, replaced). Who added, activated and retired a version, when,
and the lint report it was activated with stay on the row: the table is its own audit trail.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

DRAFT, ACTIVE, RETIRED = "draft", "active", "retired"
STATUSES = (DRAFT, ACTIVE, RETIRED)


@dataclass(frozen=True, slots=True)
class TemplateVersion:
    """One version of one template, as stored."""

    template_id: str
    version: int
    pack: str
    channel: str
    party: str
    purpose: str
    text: Mapping[str, str]  # language → Jinja2 source
    status: str
    created_by: str
    created_at: datetime | None  # None: the packaged file, not stored yet (services.templates)
    time_barred: bool = False
    activated_by: str | None = None
    activated_at: datetime | None = None
    retired_by: str | None = None
    retired_at: datetime | None = None
    # What the lint found when it was activated: [{"language", "rule", "line", "text"}]; an
    # empty list is a clean report, None a version never linted (a draft).
    lint_report: Sequence[Mapping[str, Any]] | None = field(default=None)


class TemplateRepository(Protocol):
    def get(self, template_id: str, version: int) -> TemplateVersion | None:
        """That version of that template, if it exists."""
        ...

    def versions(self, template_id: str) -> list[TemplateVersion]:
        """Every version of the template, oldest first (empty: no such template)."""
        ...

    def all(self) -> list[TemplateVersion]:
        """Every version of every template, by template id then version."""
        ...

    def active(
        self, template_id: str | None = None, pack: str | None = None, channel: str | None = None
    ) -> list[TemplateVersion]:
        """The active versions (None does not constrain), by template id."""
        ...

    def ids(self) -> set[str]:
        """The ids of every stored template."""
        ...

    def add(self, version: TemplateVersion) -> None:
        """Store a new version (its number is one past the template's latest: the service
        chose it; a concurrent add of the same number fails on the primary key)."""
        ...

    def store_missing(self, versions: Iterable[TemplateVersion]) -> None:
        """Store each version whose template has no row yet and leave the others alone, also
        when another process stores the same one at the same time (never an error)."""
        ...

    def activate(
        self,
        template_id: str,
        version: int,
        actor: str,
        at: datetime,
        report: Sequence[Mapping[str, Any]],
    ) -> None:
        """Retire the template's active version (if another) and make this one active."""
        ...


class TemplateRepositories(Protocol):
    """The template repository a unit of work holds."""

    @property
    def templates(self) -> TemplateRepository: ...
