"""A worker process for the claim tests: executes one task against a database URL, once both
workers are ready, then delivers the outbox, and reports what execution did. Each process has
its own engine and channel; what went out is counted from the database (contact_attempts,
contact_recorded events)."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def execute_once(url: str, task_id: int, now_iso: str, start: Any) -> str:
    from fairdebt.adapters.channels.console import ConsoleChannel
    from fairdebt.adapters.db.engine import make_engine
    from fairdebt.adapters.db.uow import SqlUnitOfWork
    from fairdebt.compliance.pack import builtin_packs
    from fairdebt.errors import FairdebtError
    from fairdebt.services.outbox import Worker
    from fairdebt.services.worklist_execute import execute

    engine = make_engine(url, timeout=30)
    packs = builtin_packs()
    start.wait()  # both processes ask at the same moment
    try:
        done = execute(
            SqlUnitOfWork(engine), task_id, "system:worker", datetime.fromisoformat(now_iso),
            packs, {"sms": ConsoleChannel()},
        )  # fmt: skip
        status = done.status
    except FairdebtError as exc:  # the other finished first: the task is no longer workable
        status = f"error: {exc.cause}"
    try:  # then both deliver the outbox at once: the row goes to one of them
        Worker(SqlUnitOfWork(engine), {"sms": ConsoleChannel()}, packs).drain(
            lambda: datetime.fromisoformat(now_iso)
        )
        return status
    finally:
        engine.dispose()
