"""The import and strategy repositories of SqlUnitOfWork."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fairdebt.adapters.db.portfolio_store import SqlPortfolioStore
from fairdebt.adapters.db.strategy_repos import SqlStrategyInputs, SqlStrategyRunRepository

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


class SqlRecordRepositories:
    """Mixed into SqlUnitOfWork: each property builds its repository on the unit's connection."""

    if TYPE_CHECKING:

        @property
        def conn(self) -> Connection: ...  # SqlUnitOfWork's

    @property
    def portfolio(self) -> SqlPortfolioStore:
        return SqlPortfolioStore(self.conn)

    @property
    def strategy_runs(self) -> SqlStrategyRunRepository:
        return SqlStrategyRunRepository(self.conn)

    @property
    def strategy_inputs(self) -> SqlStrategyInputs:
        return SqlStrategyInputs(self.conn)
