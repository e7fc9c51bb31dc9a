"""Small case logs for the audit and backup tests: a borrower, a case and some note events each,
optionally one contact whose text is kept in an evidence store."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import Engine

from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.domain.case import Case
from fairdebt.domain.events import NewEvent
from fairdebt.services.ports.evidence import EvidenceStore


def add_noted_cases(
    engine: Engine,
    cases: Iterable[str],
    at: datetime,
    notes: int,
    store: EvidenceStore | None = None,
) -> None:
    """Case `C-Bn` of borrower `Bn` with `notes` note events, then (with a store) a
    `contact_sent` event naming the text it kept."""
    cases = tuple(cases)
    with engine.begin() as conn:
        for case in cases:
            conn.execute(
                text(
                    "INSERT INTO borrowers (id, name, phones, timezone) "
                    "VALUES (:b, '张伟', '', 'Asia/Shanghai')"
                ),
                {"b": case[2:]},
            )
    with SqlUnitOfWork(engine) as uow:
        for case in cases:
            uow.cases.add(Case(case, case[2:], (), at.date()))
            for i in range(notes):
                uow.events.append(case, NewEvent("note_added", "collector:u1", {"n": i}), at)
            if store is not None:
                ref = store.put(f"短信正文 {case}".encode(), "text/plain")
                uow.events.append(case, NewEvent("contact_sent", "system", {"evidence": ref}), at)
        uow.commit()
