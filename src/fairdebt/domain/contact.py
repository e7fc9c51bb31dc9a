"""Who may be contacted: the parties of a case.

The words are those of the gate's request schema (compliance/schemas/gate-request.schema.json),
so a party recorded here can be sent to the gate unchanged. There is deliberately no "address
book" party (爆通讯录 is never possible).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Party(StrEnum):
    DEBTOR = "debtor"
    GUARANTOR = "guarantor"
    SPOUSE = "spouse"
    CO_RESIDENT_RELATIVE = "co_resident_relative"
    EMERGENCY_CONTACT = "emergency_contact"
    THIRD_PARTY = "third_party"
    ATTORNEY = "attorney"


LIABLE_PARTIES = frozenset({Party.DEBTOR, Party.GUARANTOR})
"""Parties who owe the debt themselves; everyone else may not be told of it."""


@dataclass(frozen=True, slots=True)
class ContactParty:
    """A person the case may reach, with how they relate to the borrower."""

    id: str
    case_id: str
    party: Party
    name: str
    phones: tuple[str, ...] = ()
    refused_contact: bool = False

    def may_be_told_of_debt(self) -> bool:
        return self.party in LIABLE_PARTIES or self.party is Party.ATTORNEY
