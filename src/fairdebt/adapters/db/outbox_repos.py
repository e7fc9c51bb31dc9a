"""The outbox repository on SQLAlchemy Core.

Claiming is one statement: an UPDATE of the due rows picked by a subquery, with the claim
condition repeated in the outer WHERE. On PostgreSQL the pick is a materialized CTE (run once)
locking with FOR UPDATE SKIP LOCKED, so workers never wait on each other's rows; on SQLite the
statement runs under the database's single write lock, which makes it a compare-and-set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, func, insert, select, text, update

from fairdebt.adapters.db.any_of import any_of
from fairdebt.adapters.db.outbox_tables import OPEN_STATUSES, outbox
from fairdebt.adapters.db.presence import NAMESPACE as PRESENCE_NAMESPACE
from fairdebt.services.ports.outbox import Change, NewMessage, QueuedMessage

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


_AT_ONCE = 500  # rows one query names


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def _due(plus: str = "", gone: str = "") -> str:
    """What a worker may claim at `:at`: an open row due and not held (or held by a claim that
    ran out), or one left `sending` by a worker whose claim ran out; and, `gone`, a row whose
    claimer is gone. The open statuses are named literally: only so do the databases know the
    partial index ix_outbox_open_due holds the rows. `plus` "+" keeps SQLite from reading any
    index for the terms (SQLite's unary plus)."""
    o = f"{plus}outbox."
    return (
        f"{o}{OPEN_STATUSES} AND ("
        f"({o}status = 'queued' AND {o}due_at <= :at"
        f" AND ({o}claimed_by IS NULL OR {o}claim_expires < :at))"
        f" OR ({o}status = 'sending' AND {o}claim_expires < :at){gone})"
    )


# PostgreSQL: a row claimed under a presence lock (adapters/db/presence) that nobody holds any
# more, by a worker other than this one. The try takes the lock for this transaction, so the
# worker's key cannot be reused by a new worker's presence meanwhile; a live worker's lock is
# never taken, so its rows stay its own.
GONE = (
    " OR (outbox.claim_lock IS NOT NULL AND outbox.claimed_by <> :worker"
    f" AND pg_try_advisory_xact_lock({PRESENCE_NAMESPACE}, outbox.claim_lock))"
)
DUE = _due(gone=GONE)
DUE_SQLITE = _due()  # no sessions: a claim is freed by its expiry alone
DUE_AGAIN = _due("+")  # SQLite's check of the rows picked: found by id, not by these terms


class SqlOutboxRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, message: NewMessage) -> int:
        m = message
        values = {
            "key": m.key,
            "case_id": m.case_id,
            "task_id": m.task_id,
            "channel": m.channel,
            "party": m.party,
            "purpose": m.purpose,
            "collector": m.collector,
            "actor": m.actor,
            "pack": m.pack,
            "recipient": m.to,
            "subject": m.subject,
            "body": m.body,
            "language": m.language,
            "document": m.document,
            "status": "queued",
            "due_at": _iso(m.due_at),
            "tries": 0,
            "decision_id": m.decision_id,
            "created_at": _iso(m.created_at),
        }
        row = self.conn.execute(insert(outbox).values(**values).returning(outbox.c.id)).one()
        return int(row[0])

    def claim_due(
        self,
        now: datetime,
        worker: str,
        until: datetime,
        limit: int,
        presence: int | None = None,
    ) -> list[QueuedMessage]:
        o = outbox.c
        at = _iso(now)
        pick: Any
        postgresql = self.conn.dialect.name == "postgresql"
        if postgresql:
            # Run once, in a materialized CTE: as a subquery PostgreSQL may run it again for
            # every row the UPDATE visits (a nested loop), each run skipping the rows the runs
            # before it locked, and so claim every due row instead of `limit`.
            pick = (
                select(o.id)
                .where(text(DUE).bindparams(at=at, worker=worker))
                .order_by(o.due_at, o.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
                .cte("pick")
                .prefix_with("MATERIALIZED")
                .select()
            )
        else:
            # SQLite keeps no statistics unless told to, and without them it takes
            # ix_outbox_status_due for the statuses, then sorts every due row: 36 ms a claim
            # with 50,000 due, against 1.4 ms reading the partial index in order. It is named.
            pick = (
                text(
                    "SELECT outbox.id FROM outbox INDEXED BY ix_outbox_open_due "
                    f"WHERE {DUE_SQLITE} ORDER BY outbox.due_at, outbox.id LIMIT :limit"
                )
                .bindparams(at=at, limit=limit)
                .columns(o.id)
            )
        statement = update(outbox).where(o.id.in_(pick.scalar_subquery()))
        if not postgresql:  # PostgreSQL's pick holds its rows locked until the commit
            statement = statement.where(text(DUE_AGAIN).bindparams(at=at))
        statement = statement.values(
            claimed_by=worker, claim_expires=_iso(until), claim_lock=presence
        ).returning(*outbox.c)
        rows = self.conn.execute(statement).mappings().all()
        return sorted((_queued(r) for r in rows), key=lambda q: (q.message.due_at, q.id))

    def change(self, message_id: int, worker: str, change: Change) -> bool:
        statement = (
            update(outbox)
            .where(outbox.c.id == message_id, outbox.c.claimed_by == worker)
            .values(**_values(change))
        )
        return self.conn.execute(statement).rowcount == 1

    def change_many(self, worker: str, changes: Sequence[tuple[int, Change]]) -> set[int]:
        """The rows still held are found first, and stay held until the commit; then each
        group of changes setting the same columns is one executemany UPDATE.

        The first statement makes the answer hold until the commit: on SQLite it is an UPDATE
        that changes nothing, to take the database's write lock (a SELECT would run before the
        transaction begins, so another worker could take a row over between it and the
        changes, and a change that then matched nothing would still be counted as held: its
        outcome recorded twice); on PostgreSQL a SELECT … FOR NO KEY UPDATE locks the rows in
        id order (a row taken over meanwhile is re-read and left out), without writing a new
        version of each as that UPDATE would."""
        if len(changes) < 2:
            return {i for i, change in changes if self.change(i, worker, change)}
        o = outbox.c
        held: set[int] = set()
        ids = [i for i, _change in changes]
        postgresql = self.conn.dialect.name == "postgresql"
        for start in range(0, len(ids), _AT_ONCE):
            ours = (any_of(self.conn, o.id, ids[start : start + _AT_ONCE]), o.claimed_by == worker)
            if postgresql:  # the rows locked, no new row version written
                lock = select(o.id).where(*ours).order_by(o.id).with_for_update(key_share=True)
                held.update(self.conn.scalars(lock))
            else:
                touch = update(outbox).where(*ours).values(claimed_by=worker).returning(o.id)
                held.update(self.conn.scalars(touch))
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for i, change in changes:
            if i in held:
                values = _values(change)
                row = {f"v_{c}": v for c, v in values.items()}
                groups.setdefault(tuple(values), []).append(row | {"_id": i})
        for columns, rows in groups.items():
            statement = (
                update(outbox)
                .where(o.id == bindparam("_id"), o.claimed_by == worker)
                .values({c: bindparam(f"v_{c}") for c in columns})
            )
            self.conn.execute(statement, rows)
        return held

    def counts(self) -> Mapping[str, int]:
        rows = self.conn.execute(
            select(outbox.c.status, func.count()).group_by(outbox.c.status)
        ).all()
        return {str(status): int(n) for status, n in rows}

    def listing(self, status: str | None, limit: int) -> list[QueuedMessage]:
        query = select(outbox).order_by(outbox.c.id.desc()).limit(limit)
        if status is not None:
            query = query.where(outbox.c.status == status)
        return [_queued(r) for r in self.conn.execute(query).mappings()]


def _values(change: Change) -> dict[str, Any]:
    """The columns a change sets."""
    values: dict[str, Any] = {"status": change.status}
    if change.status != "sending":
        values |= {"claimed_by": None, "claim_expires": None, "claim_lock": None}
    elif change.held_until is not None:
        values["claim_expires"] = _iso(change.held_until)
    for name in ("tries", "decision_id", "evidence", "media_type", "provider_ref", "outcome"):
        value = getattr(change, name)
        if value is not None:
            values[name] = value
    if change.last_error is not None:
        values["last_error"] = change.last_error[:2000]
    if change.due_at is not None:
        values["due_at"] = _iso(change.due_at)
    if change.at is not None:
        values["finished_at"] = _iso(change.at)
    return values


def _queued(row: Any) -> QueuedMessage:
    message = NewMessage(
        key=row["key"],
        case_id=row["case_id"],
        task_id=row["task_id"],
        channel=row["channel"],
        party=row["party"],
        purpose=row["purpose"],
        collector=row["collector"],
        actor=row["actor"],
        pack=row["pack"],
        to=row["recipient"],
        subject=row["subject"],
        body=row["body"],
        language=row["language"],
        document=row["document"],
        decision_id=row["decision_id"],
        due_at=datetime.fromisoformat(row["due_at"]),
        created_at=datetime.fromisoformat(row["created_at"]),
    )
    return QueuedMessage(
        id=row["id"],
        message=message,
        status=row["status"],
        tries=row["tries"],
        decision_id=row["decision_id"],
        evidence=row["evidence"],
        media_type=row["media_type"],
        provider_ref=row["provider_ref"],
        last_error=row["last_error"],
        claimed_by=row["claimed_by"],
    )


class SqlOutboxRepositories:
    """Mixed into SqlUnitOfWork."""

    if TYPE_CHECKING:

        @property
        def conn(self) -> Connection: ...  # SqlUnitOfWork's

    @property
    def outbox(self) -> SqlOutboxRepository:
        return SqlOutboxRepository(self.conn)
