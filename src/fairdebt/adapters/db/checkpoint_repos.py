"""The checkpoint log of SqlUnitOfWork (SQLAlchemy Core on the unit's connection)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select

from fairdebt.adapters.db.checkpoint_tables import audit_checkpoint_heads, audit_checkpoints
from fairdebt.adapters.db.tables import case_events
from fairdebt.domain.anchor import Checkpoint, Head

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Row

# Streamed reads. Set on the statement, not the connection: a connection's options stay for
# every later statement of the unit, and a server-side cursor cannot run the INSERT after it.
_STREAM = {"stream_results": True, "yield_per": 10_000}


def _checkpoint(row: Row[Any]) -> Checkpoint:
    return Checkpoint(
        number=row.number,
        at=row.at,
        size=row.size,
        root=row.root,
        prev=row.prev,
        key=row.key_id,
        signature=row.signature,
    )


class SqlCheckpointLog:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def latest(self) -> Checkpoint | None:
        query = select(audit_checkpoints).order_by(audit_checkpoints.c.number.desc()).limit(1)
        row = self.conn.execute(query).first()
        return _checkpoint(row) if row else None

    def all(self) -> list[Checkpoint]:
        query = select(audit_checkpoints).order_by(audit_checkpoints.c.number)
        return [_checkpoint(r) for r in self.conn.execute(query)]

    def add(self, checkpoint: Checkpoint, changed: Sequence[Head]) -> None:
        self.conn.execute(
            insert(audit_checkpoints).values(
                number=checkpoint.number,
                at=checkpoint.at,
                size=checkpoint.size,
                root=checkpoint.root,
                prev=checkpoint.prev,
                key_id=checkpoint.key,
                signature=checkpoint.signature,
            )
        )
        rows = [
            {"case_id": h.case, "checkpoint": checkpoint.number, "seq": h.seq, "hash": h.hash}
            for h in changed
        ]
        for start in range(0, len(rows), 10_000):
            self.conn.execute(insert(audit_checkpoint_heads), rows[start : start + 10_000])

    def recorded_heads(self) -> Iterator[tuple[int, Head]]:
        t = audit_checkpoint_heads
        query = select(t.c.checkpoint, t.c.case_id, t.c.seq, t.c.hash).order_by(
            t.c.case_id, t.c.checkpoint
        )
        for row in self.conn.execute(query.execution_options(**_STREAM)):
            yield row.checkpoint, Head(row.case_id, row.seq, row.hash)

    def current_heads(self) -> Iterator[Head]:
        """One query: each case's highest seq (the primary key serves it), joined back for the
        hash."""
        e = case_events
        last = select(e.c.case_id, func.max(e.c.seq).label("seq")).group_by(e.c.case_id).subquery()
        query = (
            select(e.c.case_id, e.c.seq, e.c.hash)
            .join(last, (e.c.case_id == last.c.case_id) & (e.c.seq == last.c.seq))
            .order_by(e.c.case_id)
        )
        for row in self.conn.execute(query.execution_options(**_STREAM)):
            yield Head(row.case_id, row.seq, row.hash)


class SqlCheckpointRepositories:
    """Mixed into SqlUnitOfWork: the checkpoint log on the unit's connection."""

    if TYPE_CHECKING:

        @property
        def conn(self) -> Connection: ...  # SqlUnitOfWork's

    @property
    def checkpoints(self) -> SqlCheckpointLog:
        return SqlCheckpointLog(self.conn)
