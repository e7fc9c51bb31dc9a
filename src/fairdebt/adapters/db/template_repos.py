"""The message template repository of SqlUnitOfWork (SQLAlchemy Core on the unit's connection).

Texts and lint reports are JSON text; instants ISO 8601 UTC strings (they sort as they read).
`store_missing` inserts with ON CONFLICT DO NOTHING (SQLite and PostgreSQL both have it), so two
processes storing the packaged version 1 at once do not fail.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, insert, select, update

from fairdebt.adapters.db.template_tables import message_templates as mt
from fairdebt.services.ports.templates import ACTIVE, RETIRED, TemplateVersion

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Row


def _iso(at: datetime | None) -> str | None:
    return at.astimezone(UTC).isoformat() if at is not None else None


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _version(row: Row[Any]) -> TemplateVersion:
    return TemplateVersion(
        template_id=row.template_id,
        version=row.version,
        pack=row.pack,
        channel=row.channel,
        party=row.party,
        purpose=row.purpose,
        text=json.loads(row.text),
        status=row.status,
        created_by=row.created_by,
        created_at=_instant(row.created_at),
        time_barred=bool(row.time_barred),
        activated_by=row.activated_by,
        activated_at=_instant(row.activated_at),
        retired_by=row.retired_by,
        retired_at=_instant(row.retired_at),
        lint_report=json.loads(row.lint_report) if row.lint_report is not None else None,
    )


def _values(v: TemplateVersion) -> dict[str, Any]:
    report = v.lint_report
    return {
        "template_id": v.template_id,
        "version": v.version,
        "pack": v.pack,
        "channel": v.channel,
        "party": v.party,
        "purpose": v.purpose,
        "time_barred": v.time_barred,
        "text": json.dumps(dict(v.text), ensure_ascii=False, sort_keys=True),
        "status": v.status,
        "created_by": v.created_by,
        "created_at": _iso(v.created_at),
        "activated_by": v.activated_by,
        "activated_at": _iso(v.activated_at),
        "retired_by": v.retired_by,
        "retired_at": _iso(v.retired_at),
        "lint_report": json.dumps(list(report), ensure_ascii=False) if report is not None else None,
    }


class SqlTemplateRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, template_id: str, version: int) -> TemplateVersion | None:
        query = select(mt).where(mt.c.template_id == template_id, mt.c.version == version)
        row = self.conn.execute(query).first()
        return _version(row) if row else None

    def versions(self, template_id: str) -> list[TemplateVersion]:
        query = select(mt).where(mt.c.template_id == template_id).order_by(mt.c.version)
        return [_version(r) for r in self.conn.execute(query)]

    def all(self) -> list[TemplateVersion]:
        query = select(mt).order_by(mt.c.template_id, mt.c.version)
        return [_version(r) for r in self.conn.execute(query)]

    def active(
        self, template_id: str | None = None, pack: str | None = None, channel: str | None = None
    ) -> list[TemplateVersion]:
        query = select(mt).where(mt.c.status == ACTIVE)
        for column, value in ((mt.c.template_id, template_id), (mt.c.pack, pack)):
            if value is not None:
                query = query.where(column == value)
        if channel is not None:
            query = query.where(mt.c.channel == channel)
        return [_version(r) for r in self.conn.execute(query.order_by(mt.c.template_id))]

    def ids(self) -> set[str]:
        return set(self.conn.scalars(select(mt.c.template_id).distinct()))

    def add(self, version: TemplateVersion) -> None:
        self.conn.execute(insert(mt).values(**_values(version)))

    def store_missing(self, versions: Iterable[TemplateVersion]) -> None:
        stored = self.ids()
        missing = [_values(v) for v in versions if v.template_id not in stored]
        if not missing:
            return
        if self.conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as upsert
        else:
            from sqlalchemy.dialects.sqlite import insert as upsert  # type: ignore[assignment]
        self.conn.execute(upsert(mt).on_conflict_do_nothing(), missing)

    def activate(
        self,
        template_id: str,
        version: int,
        actor: str,
        at: datetime,
        report: Sequence[Mapping[str, Any]],
    ) -> None:
        mine = mt.c.template_id == template_id
        self.conn.execute(
            update(mt)
            .where(and_(mine, mt.c.status == ACTIVE, mt.c.version != version))
            .values(status=RETIRED, retired_by=actor, retired_at=_iso(at))
        )
        self.conn.execute(
            update(mt)
            .where(mine, mt.c.version == version)
            .values(
                status=ACTIVE,
                activated_by=actor,
                activated_at=_iso(at),
                retired_by=None,
                retired_at=None,
                lint_report=json.dumps(list(report), ensure_ascii=False),
            )
        )


class SqlTemplateRepositories:
    """Mixed into SqlUnitOfWork: the template repository on the unit's connection."""

    if TYPE_CHECKING:

        @property
        def conn(self) -> Connection: ...  # SqlUnitOfWork's

    @property
    def templates(self) -> SqlTemplateRepository:
        return SqlTemplateRepository(self.conn)
