"""The address book behind the inbound webhooks (services.ports.inbound), in SQLAlchemy Core.

Phones and e-mail are encrypted in `borrowers`, so a number or address is found through the
blind index `borrower_lookup` (adapters/db/lookup_repos.py): one keyed digest, one index probe,
nothing decrypted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Connection

from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.lookup_repos import holders
from fairdebt.adapters.db.worklist_tables import contact_attempts
from fairdebt.domain.case import CaseStatus

_CONTACT_EVENTS = ("contact_attempted", "contact_recorded")


def _like_literal(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class SqlAddressBook:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def open_cases_by_phone(self, phone: str) -> list[str]:
        return self._open_cases(t.cases.c.borrower_id.in_(holders("phone", phone)))

    def open_cases_by_email(self, address: str) -> list[str]:
        return self._open_cases(t.cases.c.borrower_id.in_(holders("email", address)))

    def _open_cases(self, holds: object) -> list[str]:
        c = t.cases.c
        query = (
            select(c.id)
            .where(and_(holds, c.status != CaseStatus.CLOSED.value))  # type: ignore[arg-type]
            .order_by(c.id)
        )
        return [str(r) for r in self.conn.scalars(query)]

    def case_of_message(self, key: str) -> str | None:
        found = self.conn.scalar(
            select(contact_attempts.c.case_id).where(contact_attempts.c.decision_id == key)
        )
        if found is not None:
            return str(found)
        e = t.case_events.c
        quoted = _like_literal(key)
        named = or_(
            e.data.like(f'%"decision_id":"{quoted}"%', escape="\\"),
            e.data.like(f'%"key":"{quoted}"%', escape="\\"),
        )
        row = self.conn.scalar(select(e.case_id).where(e.type.in_(_CONTACT_EVENTS), named).limit(1))
        return str(row) if row is not None else None


class SqlInboundRepositories:
    """Mixed into SqlUnitOfWork."""

    if TYPE_CHECKING:

        @property
        def conn(self) -> Connection: ...  # SqlUnitOfWork's

    @property
    def addresses(self) -> SqlAddressBook:
        return SqlAddressBook(self.conn)
