"""Ports for what arrives from the providers: whose number or address it is, which case a
delivery receipt belongs to."""

from __future__ import annotations

from typing import Protocol


class AddressBook(Protocol):
    def open_cases_by_phone(self, phone: str) -> list[str]:
        """The cases, not closed, of every borrower holding this phone number (E.164), by id."""
        ...

    def open_cases_by_email(self, address: str) -> list[str]:
        """The cases, not closed, of every borrower with this e-mail address (any case), by id."""
        ...

    def case_of_message(self, key: str) -> str | None:
        """The case of the outbound message whose gate decision id or idempotency key is `key`
        (its contact_attempted or contact_recorded event), if any."""
        ...


class InboundRepositories(Protocol):
    """The inbound repositories a unit of work holds."""

    @property
    def addresses(self) -> AddressBook: ...
