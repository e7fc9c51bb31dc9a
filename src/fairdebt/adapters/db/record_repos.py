"""The import and strategy repositories of SqlUnitOfWork."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fairdebt.adapters.db.strategy_repos import SqlStrategyInputs, SqlStrategyRunRepository

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from fairdebt.adapters.db.portfolio_store import SqlPortfolioStore


class SqlRecordRepositories:
    """Mixed into SqlUnitOfWork: each property builds its repository on the unit's connection."""

    if TYPE_CHECKING:

        @property
        def conn(self) -> Connection: ...  # SqlUnitOfWork's

    @property
    def portfolio(self) -> SqlPortfolioStore:
        # Imported here: the bulk loader's DuckDB (and with it pandas) costs every command
        # seconds of start-up, and only imports need it.
        from fairdebt.adapters.db.portfolio_store import SqlPortfolioStore

        return SqlPortfolioStore(self.conn)

    @property
    def strategy_runs(self) -> SqlStrategyRunRepository:
        return SqlStrategyRunRepository(self.conn)

    @property
    def strategy_inputs(self) -> SqlStrategyInputs:
        return SqlStrategyInputs(self.conn)
