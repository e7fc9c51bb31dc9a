"""The worklist repositories (contact tasks and what a contact reads of a case) of SqlUnitOfWork."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


class SqlWorklistRepositories:
    """Mixed into SqlUnitOfWork: each property builds its repository on the unit's connection."""

    if TYPE_CHECKING:

        @property
        def conn(self) -> Connection: ...  # SqlUnitOfWork's
