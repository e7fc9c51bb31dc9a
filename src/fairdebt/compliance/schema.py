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
# Each node becomes one closure with explicit loops: generic "all of these checks" closures
# cost several times more per value, and a request carries hundreds of values.


def compile_schema(node: Mapping[str, Any]) -> Check:
    """A predicate equivalent to validating against `node` (for the keywords listed above)."""
    unknown = node.keys() - KEYWORDS - ANNOTATIONS
    if unknown:
        raise ValueError(f"the fast validator does not know the keywords {sorted(unknown)}")
    if "enum" in node:
        return _enum(node)
    kind = node.get("type")
    if kind is None:
        raise ValueError("the fast validator needs a type or an enum on every node")
    if isinstance(kind, list):
        checks = [compile_schema({**node, "type": k}) for k in kind]
        return lambda v: any(check(v) for check in checks)
    if kind not in _BUILDERS:
        raise ValueError(f"the fast validator does not know the type {kind!r}")
    return _BUILDERS[kind](node)


def _enum(node: Mapping[str, Any]) -> Check:
    values = node["enum"]
    if not all(isinstance(v, str) for v in values) or node.get("type", "string") != "string":
        raise ValueError("the fast validator supports string enums only")
    allowed = frozenset(values)
    return lambda v: type(v) is str and v in allowed


def _string(node: Mapping[str, Any]) -> Check:
    search = re.compile(node["pattern"]).search if "pattern" in node else None
    fmt = FORMATS.get(node.get("format", ""))
    if search is not None and fmt is not None:
        return lambda v: type(v) is str and search(v) is not None and fmt(v)
    if search is not None:
        return lambda v: type(v) is str and search(v) is not None
    if fmt is not None:
        return lambda v: type(v) is str and fmt(v)
    return lambda v: type(v) is str


def _integer(node: Mapping[str, Any]) -> Check:
    low = node.get("minimum", float("-inf"))
    high = node.get("maximum", float("inf"))
    return lambda v: _is_integer(v) and low <= v <= high


def _is_integer(value: Any) -> bool:
    t = type(value)
    return t is int or (t is float and value.is_integer())


def _array(node: Mapping[str, Any]) -> Check:
    item = compile_schema(node["items"]) if "items" in node else None
    low, high = node.get("minItems", 0), node.get("maxItems", 1 << 62)

    def array(v: Any) -> bool:
        if type(v) is not list or not low <= len(v) <= high:
            return False
        if item is not None:
            for x in v:
                if not item(x):
                    return False
        return True

    return array


def _object(node: Mapping[str, Any]) -> Check:
    props = {k: compile_schema(v) for k, v in node.get("properties", {}).items()}
    required = frozenset(node.get("required", ()))
    extra = node.get("additionalProperties", True)
    if not isinstance(extra, bool):
        raise ValueError("the fast validator supports additionalProperties true or false only")
    closed = extra is False

    def obj(v: Any) -> bool:
        if type(v) is not dict or not required <= v.keys():
            return False
        for k, x in v.items():
            check = props.get(k)
            if check is None:
                if closed:
                    return False
            elif not check(x):
                return False
        return True

    return obj


_BUILDERS: Mapping[str, Callable[[Mapping[str, Any]], Check]] = {
    "string": _string,
    "integer": _integer,
    "boolean": lambda node: lambda v: type(v) is bool,
    "null": lambda node: lambda v: v is None,
    "object": _object,
    "array": _array,
}
