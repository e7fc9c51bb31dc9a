"""Broken invariants of the domain."""

from __future__ import annotations


class DomainError(ValueError):
    """A value or entity would break a rule of the domain."""


class InvalidNationalIdError(DomainError):
    """A PRC resident identity number failed its checksum or date."""


class InvalidPhoneError(DomainError):
    """A phone number is not a valid number."""


class CurrencyMismatchError(DomainError):
    """Two amounts of different currencies were combined."""
