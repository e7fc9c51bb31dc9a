"""`strategy run --db`: the app database (SQLite or PostgreSQL) as the run's inputs.

The stored portfolio comes through the unit of work's StrategyInputs as Arrow tables in the
strategy's normal form (cents, days since 1970-01-01) and is registered with the backend.
"""

from __future__ import annotations

import pyarrow as pa

from fairdebt.services.ports import UnitOfWork
from fairdebt.strategy.backend import Backend
from fairdebt.strategy.inputs import Inputs, as_view


def read_database(backend: Backend, uow: UnitOfWork, previous: pa.Table | None) -> Inputs:
    with uow:
        raw = uow.strategy_inputs.tables()
    tables = {k: as_view(backend.con, k, backend.register(f"fd_db_{k}", v)) for k, v in raw.items()}
    return Inputs(
        accounts=tables["accounts"],
        borrowers=tables["borrowers"],
        schedules=tables["schedules"],
        payments=tables["payments"],
        activity=tables["activity"],
        previous=backend.register("fd_previous", previous) if previous is not None else None,
    )
