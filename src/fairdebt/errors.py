"""Errors that reach a person: each carries a one-line cause and a hint.

The CLI and the web app turn a `FairdebtError` into exit code 2 / an error page; anything
else is a bug and is allowed to surface as one.
"""

from __future__ import annotations


class FairdebtError(Exception):
    """A fault the user can act on: bad input, bad settings, an unreachable database."""

    def __init__(self, cause: str, hint: str = "") -> None:
        super().__init__(cause)
        self.cause = cause
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.cause} (hint: {self.hint})" if self.hint else self.cause


class SettingsError(FairdebtError):
    """A FAIRDEBT_* variable has a value we cannot use."""


class DatabaseError(FairdebtError):
    """The database is unreachable, locked, or not at the expected schema."""


class InputFileError(FairdebtError):
    """An input file is missing, unreadable, or not in the documented format."""


class StorageFull(FairdebtError):
    """No room left where evidence is kept: nothing was stored, and the same action can be
    retried once there is room (a client keeps what it was sending instead of dropping it)."""
