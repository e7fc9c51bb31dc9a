"""The packaged JSON Schemas as a test oracle: jsonschema's every error, as (pointer, message).

The gate reads requests with its msgspec Structs (fairdebt.compliance.request) and explains a
refusal from the same Structs (fairdebt.compliance.explain); the packaged schema says the same
contract for other languages. Tests compare the two on generated requests, with jsonschema —
a development dependency, never imported by the gate — as the independent reading.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from fairdebt.compliance.explain import pointer
from fairdebt.compliance.request import load_schema

# RFC 3339 section 5.6, written independently of the gate's reading of it
_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-5][0-9])",
    re.ASCII,
)


# The years the gate reads (docs/gate.md, "Supported dates"): stricter than the schema's
# formats, which admit the years 0000 to 9999.
YEARS = range(1900, 9001)


def is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if _DATE_TIME.fullmatch(value) is None:
        return False
    try:
        moment = datetime.fromisoformat(value.upper())
        moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return False
    return moment.year in YEARS


def is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value, re.ASCII) is None:
        return False
    try:
        found = datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        return False
    return found.year in YEARS


@cache
def validator(name: str) -> Draft202012Validator:
    checker = FormatChecker(formats=())
    checker.checks("date-time")(is_date_time)
    checker.checks("date")(is_date)
    return Draft202012Validator(load_schema(name), format_checker=checker)


def schema_errors(value: Any, name: str = "gate-request") -> tuple[tuple[str, str], ...]:
    """Every error jsonschema finds, as (JSON pointer, message), sorted by pointer."""
    found: dict[tuple[str, str], None] = {}
    for error in validator(name).iter_errors(value):
        for item in _explain(error):
            found[item] = None
    return tuple(sorted(found))


def schema_pointers(value: Any, name: str = "gate-request") -> set[str]:
    return {p for p, _ in schema_errors(value, name)}


def _explain(error: Any) -> list[tuple[str, str]]:
    where = pointer(*error.absolute_path)
    instance = error.instance
    if error.validator == "required" and isinstance(instance, dict):
        missing = [p for p in error.validator_value if p not in instance]
        return [(f"{where}{pointer(p)}", "required property is missing") for p in missing]
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        known = error.schema.get("properties", {})
        extra = [k for k in instance if k not in known]
        return [(f"{where}{pointer(k)}", "property not in the schema") for k in extra]
    return [(where, error.message)]
