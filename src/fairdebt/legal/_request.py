"""Reading a JSON request field by field, with errors that name the field and say what fits.

Unknown keys are refused, as in the gate contract: a misspelt `evnets` must not silently
turn a debt with a delivered demand into an expired one.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import NoReturn, TypeVar

from fairdebt.legal.errors import LegalRequestError

E = TypeVar("E", bound=StrEnum)

DATE_HINT = "dates are ISO YYYY-MM-DD, e.g. 2024-06-10"
NUMBER_HINT = 'amounts and rates are decimal strings, e.g. "90000" or "0.154"'


def _kind(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "true/false"}
    if value is None:
        return "null"
    return names.get(type(value), f"a {type(value).__name__}")


class Fields:
    """One JSON object of a request; `path` names it in errors (`debt.`, `events[2].`)."""

    def __init__(self, data: object, what: str, path: str, allowed: Iterable[str]) -> None:
        self.what = what
        self.path = path
        allowed = frozenset(allowed)
        if not isinstance(data, dict):
            where = path.rstrip(".") or "the request"
            self.fail(f"{where} must be a JSON object, got {_kind(data)}", "see docs/legal.md")
        self.data: dict[str, object] = data
        for key in sorted(set(data) - allowed):
            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            hint = (
                f"did you mean '{close[0]}'?" if close else f"known: {', '.join(sorted(allowed))}"
            )
            self.fail(f"unknown field '{path}{key}'", hint)

    def fail(self, cause: str, hint: str) -> NoReturn:
        raise LegalRequestError(f"{self.what}: {cause}", hint=hint)

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def raw(self, key: str) -> object:
        if not self.has(key):
            self.fail(f"missing field '{self.path}{key}'", "see docs/legal.md for the fields")
        return self.data[key]

    def text(self, key: str) -> str:
        value = self.raw(key)
        if not isinstance(value, str) or not value.strip():
            self.fail(f"'{self.path}{key}' must be a non-empty string", "see docs/legal.md")
        return value.strip()

    def date(self, key: str) -> dt.date:
        return self._to_date(self.raw(key), f"{self.path}{key}")

    def opt_date(self, key: str) -> dt.date | None:
        return self.date(key) if self.has(key) else None

    def dates(self, key: str) -> tuple[dt.date, ...]:
        items = self.items(key)
        return tuple(self._to_date(v, f"{self.path}{key}[{i}]") for i, v in enumerate(items))

    def decimal(self, key: str) -> Decimal:
        value, name = self.raw(key), f"{self.path}{key}"
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.fail(f"'{name}' must be a decimal string, got {_kind(value)}", NUMBER_HINT)
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite() or number < 0:
            self.fail(f"'{name}' must be a non-negative number, got {value!r}", NUMBER_HINT)
        return number

    def opt_decimal(self, key: str) -> Decimal | None:
        return self.decimal(key) if self.has(key) else None

    def choice(self, key: str, options: type[E]) -> E:
        value = self.raw(key)
        known = ", ".join(o.value for o in options)
        if isinstance(value, str) and value in {o.value for o in options}:
            return options(value)
        self.fail(f"'{self.path}{key}' must be one of {known}; got {value!r}", f"use {known}")

    def opt_choice(self, key: str, options: type[E]) -> E | None:
        return self.choice(key, options) if self.has(key) else None

    def flag(self, key: str) -> bool:
        value = self.data.get(key, False)
        if not isinstance(value, bool):
            self.fail(f"'{self.path}{key}' must be true or false, got {value!r}", "use a JSON bool")
        return bool(value)

    def items(self, key: str) -> list[object]:
        value = self.data.get(key, [])
        if not isinstance(value, list):
            self.fail(f"'{self.path}{key}' must be a list, got {_kind(value)}", "use [...]")
        return value

    def sub(self, key: str, allowed: Iterable[str]) -> Fields:
        return Fields(self.raw(key), self.what, f"{self.path}{key}.", allowed)

    def _to_date(self, value: object, name: str) -> dt.date:
        try:
            if isinstance(value, str) and len(value.strip()) == 10:
                return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
        self.fail(f"'{name}' is not a date: {value!r}", DATE_HINT)
