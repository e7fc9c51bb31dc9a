"""Request validation against gate-request.schema.json, with the JSON pointer of every error.

The schema (copied into `schemas/` so the installed package has it) is the contract. Two
validators read it, both built once:

- a small compiler turns the schema into nested Python closures that answer only "valid or
  not" — the hot path, about a hundred times faster than a general validator, which matters
  because the gate is asked before every contact;
- jsonschema (Draft 2020-12) explains a refusal: every error with its JSON pointer. It is the
  reference: a request is refused only when jsonschema finds an error, and a test checks on
  generated requests that the two always agree.

The compiler knows only the keywords this schema uses and refuses any other, so a schema change
cannot silently weaken the fast path. `format` is checked (date-time: RFC 3339 with seconds and
an offset; date: YYYY-MM-DD), which jsonschema does not do without extra packages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from functools import cache
from importlib.resources import files
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from fairdebt.compliance.errors import GateRequestError

Check = Callable[[Any], bool]
ANNOTATIONS = frozenset({"$schema", "$id", "title", "description", "default"})
KEYWORDS = frozenset(
    {"type", "enum", "properties", "required", "additionalProperties", "items", "minItems"}
    | {"maxItems", "pattern", "format", "minimum", "maximum"}
)
_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})",
    re.ASCII,
)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def parse_instant(text: str) -> datetime:
    """An RFC 3339 date-time as an aware datetime; ValueError when it is not one."""
    if not _DATE_TIME.fullmatch(text):
        raise ValueError(f"{text!r} is not an RFC 3339 date-time with an offset")
    return datetime.fromisoformat(text.upper())


def is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True  # formats constrain strings only (JSON Schema)
    try:
        parse_instant(value)
    except ValueError:
        return False
    return True


def is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


FORMATS: Mapping[str, Check] = {"date-time": is_date_time, "date": is_date}


@cache
def load_schema(name: str = "gate-request") -> dict[str, Any]:
    """One of the packaged contract schemas: `gate-request` or `gate-decision`."""
    text = (
        files("fairdebt.compliance").joinpath("schemas", f"{name}.schema.json").read_text("utf-8")
    )
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def reference_validator(name: str = "gate-request") -> Draft202012Validator:
    checker = FormatChecker(formats=())
    for fmt, check in FORMATS.items():
        checker.checks(fmt)(check)
    return Draft202012Validator(load_schema(name), format_checker=checker)


@cache
def fast_validator(name: str = "gate-request") -> Check:
    return compile_schema(load_schema(name))


def validate_request(request: object) -> None:
    """Raise GateRequestError listing every schema error (pointer, message); else return."""
    if fast_validator()(request):
        return
    errors = schema_errors(request)
    if errors:
        raise GateRequestError(errors)


def schema_errors(request: object, name: str = "gate-request") -> tuple[tuple[str, str], ...]:
    """Every error jsonschema finds, as (JSON pointer, message), sorted by pointer."""
    found: dict[tuple[str, str], None] = {}
    for error in reference_validator(name).iter_errors(request):
        for item in _explain(error):
            found[item] = None
    return tuple(sorted(found))


def pointer(path: Iterable[object]) -> str:
    """RFC 6901: `~` becomes `~0` and `/` becomes `~1`; the root is the empty string."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _explain(error: Any) -> list[tuple[str, str]]:
    where = pointer(error.absolute_path)
    instance = error.instance
    if error.validator == "required" and isinstance(instance, dict):
        missing = [p for p in error.validator_value if p not in instance]
        return [(f"{where}/{p}", "required property is missing") for p in missing]
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        known = error.schema.get("properties", {})
        extra = [k for k in instance if k not in known]
        return [(pointer([*error.absolute_path, k]), "property not in the schema") for k in extra]
    return [(where, error.message)]


# --- the compiler --------------------------------------------------------------------------


def compile_schema(node: Mapping[str, Any]) -> Check:
    """A predicate equivalent to validating against `node` (for the keywords listed above)."""
    unknown = node.keys() - KEYWORDS - ANNOTATIONS
    if unknown:
        raise ValueError(f"the fast validator does not know the keywords {sorted(unknown)}")
    checks = [
        check
        for check in (
            _type(node),
            _enum(node),
            _string(node),
            _number(node),
            _array(node),
            _object(node),
        )
        if check is not None
    ]
    if len(checks) == 1:
        return checks[0]

    def every(value: Any) -> bool:
        return all(check(value) for check in checks)

    return every


def _is_integer(value: Any) -> bool:
    t = type(value)
    return t is int or (t is float and value.is_integer())


def _is_number(value: Any) -> bool:
    t = type(value)
    return t is int or t is float


_TYPES: Mapping[str, Check] = {
    "string": lambda v: type(v) is str,
    "boolean": lambda v: type(v) is bool,
    "null": lambda v: v is None,
    "object": lambda v: type(v) is dict,
    "array": lambda v: type(v) is list,
    "integer": _is_integer,
    "number": _is_number,
}


def _type(node: Mapping[str, Any]) -> Check | None:
    if "type" not in node:
        return None
    names = node["type"] if isinstance(node["type"], list) else [node["type"]]
    tests = [_TYPES[n] for n in names]
    if len(tests) == 1:
        return tests[0]
    return lambda v: any(test(v) for test in tests)


def _enum(node: Mapping[str, Any]) -> Check | None:
    if "enum" not in node:
        return None
    values = node["enum"]
    if not all(isinstance(v, str) for v in values):
        raise ValueError("the fast validator supports string enums only")
    allowed = frozenset(values)
    return lambda v: type(v) is str and v in allowed


def _string(node: Mapping[str, Any]) -> Check | None:
    tests: list[Check] = []
    if "pattern" in node:
        search = re.compile(node["pattern"]).search
        tests.append(lambda v: search(v) is not None)
    if "format" in node and node["format"] in FORMATS:
        tests.append(FORMATS[node["format"]])
    if not tests:
        return None
    return lambda v: type(v) is not str or all(test(v) for test in tests)


def _number(node: Mapping[str, Any]) -> Check | None:
    low, high = node.get("minimum"), node.get("maximum")
    if low is None and high is None:
        return None
    lo = float("-inf") if low is None else low
    hi = float("inf") if high is None else high
    return lambda v: not _is_number(v) or lo <= v <= hi


def _array(node: Mapping[str, Any]) -> Check | None:
    if not node.keys() & {"items", "minItems", "maxItems"}:
        return None
    item = compile_schema(node["items"]) if "items" in node else None
    low, high = node.get("minItems", 0), node.get("maxItems", 1 << 62)

    def array(v: Any) -> bool:
        if type(v) is not list:
            return True
        if not low <= len(v) <= high:
            return False
        return item is None or all(item(x) for x in v)

    return array


def _object(node: Mapping[str, Any]) -> Check | None:
    if not node.keys() & {"properties", "required", "additionalProperties"}:
        return None
    props = {k: compile_schema(v) for k, v in node.get("properties", {}).items()}
    required = frozenset(node.get("required", ()))
    extra = node.get("additionalProperties", True)
    if not isinstance(extra, bool):
        raise ValueError("the fast validator supports additionalProperties true or false only")
    closed = extra is False
    names = props.keys()

    def obj(v: Any) -> bool:
        if type(v) is not dict:
            return True
        keys = v.keys()
        if not required <= keys or (closed and not keys <= names):
            return False
        return all(props[k](x) for k, x in v.items() if k in names)

    return obj
