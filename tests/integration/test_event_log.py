"""The case event log: append-only through the API, and edits behind its back are caught."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime
from itertools import pairwise

from sqlalchemy import text

from fairdebt.adapters.db.repositories import SqlEventLog
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.domain.case import Case
from fairdebt.domain.events import NewEvent
from fairdebt.services.audit import verify_all

AT = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def _case_with_events(engine, n: int = 4, borrower: str = "B1", name: str = "张伟") -> None:
    """Case C-<borrower> of a new borrower, with `n` notes on its record."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO borrowers (id, name, phones, timezone) "
                "VALUES (:id, :name, '', 'Asia/Shanghai')"
            ),
            {"id": borrower, "name": name},
        )
    with SqlUnitOfWork(engine) as uow:
        uow.cases.add(Case(f"C-{borrower}", borrower, (), AT.date()))
        for i in range(n):
            uow.events.append(f"C-{borrower}", NewEvent("note_added", "collector:u1", {"i": i}), AT)
        uow.commit()


def test_the_event_log_api_has_no_way_to_change_or_remove_an_event() -> None:
    methods = {name for name, _ in inspect.getmembers(SqlEventLog, inspect.isfunction)}

    assert not {m for m in methods if any(w in m for w in ("update", "delete", "remove", "edit"))}


def test_events_chain_in_order_per_case(engine) -> None:
    _case_with_events(engine)

    with engine.connect() as conn:
        events = SqlEventLog(conn).events("C-B1")

    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert all(later.prev == earlier.hash for earlier, later in pairwise(events))


def test_an_uncommitted_unit_of_work_leaves_no_event(engine) -> None:
    _case_with_events(engine, n=1)

    with SqlUnitOfWork(engine) as uow:
        uow.events.append("C-B1", NewEvent("note_added", "u", {}), AT)  # and no commit

    with engine.connect() as conn:
        assert len(SqlEventLog(conn).events("C-B1")) == 1


def test_an_edit_behind_the_applications_back_is_caught_by_audit(engine) -> None:
    _case_with_events(engine)
    with engine.begin() as conn:  # what a rogue DBA could do
        conn.execute(text("UPDATE case_events SET data = :d WHERE seq = 3"), {"d": '{"i":99}'})

    report = verify_all(SqlUnitOfWork(engine))

    assert not report.ok
    assert [(b.case, b.seq) for b in report.broken] == [("C-B1", 3)]


def test_audit_verify_on_the_command_line_names_the_broken_link(
    engine, database_url, fairdebt
) -> None:
    _case_with_events(engine)
    env = {"FAIRDEBT_DATABASE_URL": database_url}
    ok = fairdebt("audit", "verify", "-q", env=env)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM case_events WHERE seq = 2"))

    broken = fairdebt("audit", "verify", "-q", env=env)

    assert ok.returncode == 0 and "4 events in 1 cases" in ok.stdout
    assert broken.returncode == 1
    assert "case C-B1 at event 2" in broken.stdout


def test_events_of_reads_many_cases_less_the_types_left_out(engine) -> None:
    _case_with_events(engine, n=2)
    with SqlUnitOfWork(engine) as uow:
        uow.events.append("C-B1", NewEvent("gate_decision", "gate", {"big": 10**30}), AT)
        uow.events.append("C-B1", NewEvent("note_added", "u", {"x": float("nan")}), AT)
        uow.commit()

    with engine.connect() as conn:
        log = SqlEventLog(conn)
        every = log.events_of(["C-B1", "C-NONE"])
        lean = log.events_of(["C-B1"], without={"gate_decision"})

    assert [e.seq for e in every["C-B1"]] == [1, 2, 3, 4]
    assert every["C-NONE"] == []
    assert every["C-B1"][2].data == {"big": 10**30}  # beyond 64 bits: read exactly
    assert every["C-B1"][3].data["x"] != every["C-B1"][3].data["x"]  # NaN, as json reads it
    assert [(e.seq, e.type) for e in lean["C-B1"]] == [
        (1, "note_added"),
        (2, "note_added"),
        (4, "note_added"),
    ]


def test_appending_to_many_cases_at_once_continues_each_chain_from_its_tip(engine) -> None:
    """append_many reads every case's tip in one query: a case with events goes on from its
    newest (not from an older one, nor from the start), a case with none starts its chain, and
    several events of one case in one call follow each other."""
    _case_with_events(engine, n=3)
    _case_with_events(engine, n=0, borrower="B2", name="李娜")
    with SqlUnitOfWork(engine) as uow:
        written = uow.events.append_many(
            [
                ("C-B2", NewEvent("note_added", "u", {"n": 1})),
                ("C-B1", NewEvent("note_added", "u", {"n": 2})),
                ("C-B2", NewEvent("note_added", "u", {"n": 3})),
                ("C-B1", NewEvent("note_added", "u", {"n": 4})),
            ],
            AT,
        )
        uow.commit()

    assert written == 4
    with engine.connect() as conn:
        logs = SqlEventLog(conn).events_of(["C-B1", "C-B2"])
    assert [(e.seq, e.data.get("n")) for e in logs["C-B1"]] == [
        (1, None), (2, None), (3, None), (4, 2), (5, 4),
    ]  # fmt: skip
    assert [(e.seq, e.data["n"]) for e in logs["C-B2"]] == [(1, 1), (2, 3)]
    for log in logs.values():
        assert all(b.prev == a.hash for a, b in pairwise(log))
    report = verify_all(SqlUnitOfWork(engine))
    assert report.ok and report.events == 7
