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
_FULLMATCH_DATE_TIME = _DATE_TIME.fullmatch  # bound once: this runs for every event's time
_FROM_ISO = datetime.fromisoformat


def parse_instant(text: str) -> datetime:
    """An RFC 3339 date-time as an aware datetime; ValueError when it is not one."""
    if _FULLMATCH_DATE_TIME(text) is None:
        raise ValueError(f"{text!r} is not an RFC 3339 date-time with an offset")
    try:
        return _FROM_ISO(text)
    except ValueError:  # lower-case `t` or `z`, which RFC 3339 allows
        return _FROM_ISO(text.upper())


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
# The schema becomes the source text of one Python function with every check inline, compiled
# once with exec: a call per value (closures) costs several times the check itself, and a
# request carries hundreds of values (fifty history events of eight fields each).

_MISSING = object()


class _Source:
    """The function's lines and the constants (sets, regexes, checks) they refer to."""

    def __init__(self, *, strict_integers: bool = False) -> None:
        self.strict_integers = strict_integers
        self.lines: list[str] = []
        self.names: dict[str, Any] = {"_MISSING": _MISSING, "_FROM_ISO": _FROM_ISO}
        self.names["_FULLMATCH_DATE_TIME"] = _FULLMATCH_DATE_TIME
        self.count = 0

    def const(self, value: Any) -> str:
        name = f"_k{len(self.names)}"
        self.names[name] = value
        return name

    def var(self) -> str:
        self.count += 1
        return f"v{self.count}"

    def fail_if(self, depth: int, condition: str) -> None:
        self.lines.append(f"{'    ' * depth}if {condition}: return False")


def compile_schema(node: Mapping[str, Any], *, strict_integers: bool = False) -> Check:
    """A predicate equivalent to validating against `node` (for the keywords listed above).

    `strict_integers`: an integer must be an `int` (never bool, never a float such as 5.0) in
    the signed 64-bit range — a stricter predicate, for the fast reader (fast_read.py), whose
    canonical encoding is only known to be the reference's for such integers."""
    source = _Source(strict_integers=strict_integers)
    source.lines.append("def check(v0):")
    _emit(source, node, "v0", 1)
    source.lines.append("    return True")
    exec("\n".join(source.lines), source.names)  # our own generated source, never input
    check: Check = source.names["check"]
    return check


def _emit(src: _Source, node: Mapping[str, Any], v: str, depth: int) -> None:
    """Lines that return False when the value in variable `v` does not match `node`."""
    unknown = node.keys() - KEYWORDS - ANNOTATIONS
    if unknown:
        raise ValueError(f"the fast validator does not know the keywords {sorted(unknown)}")
    if "enum" in node:
        values = node["enum"]
        if not all(isinstance(x, str) for x in values) or node.get("type", "string") != "string":
            raise ValueError("the fast validator supports string enums only")
        src.fail_if(depth, f"type({v}) is not str or {v} not in {src.const(frozenset(values))}")
        return
    kind = node.get("type")
    if kind is None:
        raise ValueError("the fast validator needs a type or an enum on every node")
    if isinstance(kind, list):  # rare (nullable instants): one sub-function per type
        strict = src.strict_integers
        checks = [compile_schema({**node, "type": k}, strict_integers=strict) for k in kind]
        calls = " or ".join(f"{src.const(c)}({v})" for c in checks)
        src.fail_if(depth, f"not ({calls})")
        return
    if kind not in _EMITTERS:
        raise ValueError(f"the fast validator does not know the type {kind!r}")
    _EMITTERS[kind](src, node, v, depth)


def _string(src: _Source, node: Mapping[str, Any], v: str, depth: int) -> None:
    src.fail_if(depth, f"type({v}) is not str")
    if "pattern" in node:
        search = src.const(re.compile(node["pattern"]).search)
        src.fail_if(depth, f"{search}({v}) is None")
    fmt = FORMATS.get(node.get("format", ""))
    if fmt is is_date_time:  # inlined (parse_instant): every history event has one
        pad = "    " * depth
        src.fail_if(depth, f"_FULLMATCH_DATE_TIME({v}) is None")
        src.lines += [f"{pad}try: _FROM_ISO({v})", f"{pad}except ValueError:"]
        src.fail_if(depth + 1, f"not {src.const(fmt)}({v})")
    elif fmt is not None:
        src.fail_if(depth, f"not {src.const(fmt)}({v})")


def _integer(src: _Source, node: Mapping[str, Any], v: str, depth: int) -> None:
    if src.strict_integers:
        src.fail_if(depth, f"type({v}) is not int or not {-(2**63)} <= {v} < {2**63}")
    else:
        src.fail_if(depth, f"not (type({v}) is int or (type({v}) is float and {v}.is_integer()))")
    if "minimum" in node:
        src.fail_if(depth, f"{v} < {src.const(node['minimum'])}")
    if "maximum" in node:
        src.fail_if(depth, f"{v} > {src.const(node['maximum'])}")


def _array(src: _Source, node: Mapping[str, Any], v: str, depth: int) -> None:
    src.fail_if(depth, f"type({v}) is not list")
    if "minItems" in node:
        src.fail_if(depth, f"len({v}) < {int(node['minItems'])}")
    if "maxItems" in node:
        src.fail_if(depth, f"len({v}) > {int(node['maxItems'])}")
    if "items" in node:
        item = src.var()
        src.lines.append(f"{'    ' * depth}for {item} in {v}:")
        _emit(src, node["items"], item, depth + 1)


def _object(src: _Source, node: Mapping[str, Any], v: str, depth: int) -> None:
    props: Mapping[str, Any] = node.get("properties", {})
    required = frozenset(node.get("required", ()))
    extra = node.get("additionalProperties", True)
    if not isinstance(extra, bool):
        raise ValueError("the fast validator supports additionalProperties true or false only")
    src.fail_if(depth, f"type({v}) is not dict")
    if required:
        src.fail_if(depth, f"not {src.const(required)} <= {v}.keys()")
    if extra is False:
        src.fail_if(depth, f"not {v}.keys() <= {src.const(frozenset(props))}")
    pad = "    " * depth
    for name, sub in props.items():
        x = src.var()
        if name in required:
            src.lines.append(f"{pad}{x} = {v}[{name!r}]")
            _emit(src, sub, x, depth)
        else:
            src.lines.append(f"{pad}{x} = {v}.get({name!r}, _MISSING)")
            src.lines.append(f"{pad}if {x} is not _MISSING:")
            _emit(src, sub, x, depth + 1)


_EMITTERS: Mapping[str, Callable[[_Source, Mapping[str, Any], str, int], None]] = {
    "string": _string,
    "integer": _integer,
    "boolean": lambda src, _node, v, depth: src.fail_if(depth, f"type({v}) is not bool"),
    "null": lambda src, _node, v, depth: src.fail_if(depth, f"{v} is not None"),
    "object": _object,
    "array": _array,
}
