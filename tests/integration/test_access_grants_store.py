"""Grants read back from the case log on SQLite and PostgreSQL (EventLog.of_type by type and
time), and visible_cases of a collector with one."""

from __future__ import annotations

from datetime import timedelta

import console_data

from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.services.access import active_grants, grant, may_see, visible_cases
from fairdebt.services.users import create_user

NOW = console_data.NOW


def test_a_grant_is_read_back_until_it_ends(engine) -> None:
    with engine.begin() as conn:
        console_data.build(conn, count=4)
    uow = SqlUnitOfWork(engine)
    li = create_user(uow, "li.wei", "collector", console_data.PASSWORD, "李伟")
    grant(uow, "C-B0002", "li.wei", 2, "leave", "boss", NOW - timedelta(days=1))
    grant(uow, "C-B0003", "li.wei", 1, "old", "boss", NOW - timedelta(days=5))  # ended

    found = active_grants(uow, NOW)

    assert [(g.case_id, g.to, g.by) for g in found] == [("C-B0002", "li.wei", "boss")]
    assert visible_cases(uow, li, NOW).case_ids == frozenset({"C-B0002"})
    assert may_see(uow, li, "C-B0002", NOW) and not may_see(uow, li, "C-B0003", NOW)
    assert active_grants(uow, NOW + timedelta(days=1)) == []
