"""The user and sign-in repositories of SqlUnitOfWork."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


class SqlIdentityRepositories:
    """Mixed into SqlUnitOfWork: each property builds its repository on the unit's connection."""

    if TYPE_CHECKING:

        @property
        def conn(self) -> Connection: ...  # SqlUnitOfWork's
