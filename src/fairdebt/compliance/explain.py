"""Why a gate request is refused: every error, each with its JSON pointer (RFC 6901).

msgspec stops at a request's first error; a caller fixing a request wants them all at once. So
a refused request is walked here, slowly, against the same definition msgspec decodes with —
the Structs of fairdebt.compliance.request, read through msgspec.inspect — with JSON Schema's
meaning where the two differ (5.0 is an integer). Only the schema's own shape is walked: the
value of an unknown field is named, never descended into, so a body nested thousands deep
costs nothing here.

When the shape is right, the checks a schema cannot express follow: an IANA time zone, a time
of day up to 24:00, a window that is not empty. A string UTF-8 cannot carry (a lone surrogate,
which JSON's `\\ud800` escape can write) has no canonical bytes, hence no digest: it is refused
at its pointer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import msgspec.inspect as mi

from fairdebt.compliance.request import (
    OUT_OF_RANGE,
    WireRequest,
    day,
    instant,
    window,
    zone_problem,
)

Errors = tuple[tuple[str, str], ...]
SURROGATE = "a lone surrogate: not a Unicode character"
_FORMATS = {"date-time": instant, "date": day}
_JSON_TYPES = {
    mi.StructType: "object",
    mi.StrType: "string",
    mi.IntType: "integer",
    mi.BoolType: "boolean",
    mi.NoneType: "null",
    mi.VarTupleType: "array",
    mi.ListType: "array",
}


def request_errors(raw: Any) -> Errors:
    """Every error of `raw` as a gate request, as (pointer, message), sorted by pointer; ()
    when it is a valid request."""
    found = list(_walk(raw, _definition(), ""))
    if not found:
        found = list(_impossible(raw))
    return tuple(sorted(dict.fromkeys(found)))


def surrogate_errors(value: Any, where: str = "") -> Errors:
    """The pointers of the strings (and keys) of `value` holding a lone surrogate."""
    return tuple((p, SURROGATE) for p in _surrogates(value, where))


def pointer(*steps: object) -> str:
    """RFC 6901: `~` becomes `~0` and `/` becomes `~1`; the root is the empty string. A lone
    surrogate in a key is written as its escape, so the error itself can be printed."""
    text = "".join("/" + str(s).replace("~", "~0").replace("/", "~1") for s in steps)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


@cache
def _definition() -> mi.Type:
    return mi.type_info(WireRequest)


def _walk(value: Any, kind: mi.Type, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(kind, mi.UnionType):  # a nullable instant: null, or the other type
        if value is None and any(isinstance(t, mi.NoneType) for t in kind.types):
            return
        (kind,) = [t for t in kind.types if not isinstance(t, mi.NoneType)]
    fmt = None
    if isinstance(kind, mi.Metadata):  # a string with a JSON Schema format (an instant, a date)
        fmt, kind = (kind.extra_json_schema or {}).get("format"), kind.type
    if isinstance(kind, mi.EnumType | mi.LiteralType):
        yield from _enum(value, kind, where)
        return
    name = _JSON_TYPES[type(kind)]
    if not _is(value, name):
        yield where, f"{_show(value)} is not of type '{name}'"
        return
    if isinstance(kind, mi.StructType):
        yield from _object(value, kind, where)
    elif isinstance(kind, mi.VarTupleType | mi.ListType):
        yield from _array(value, kind, where)
    elif isinstance(kind, mi.StrType):
        yield from _string(value, kind, fmt, where)
    elif isinstance(kind, mi.IntType):
        yield from _bounds(value, kind, where)


def _is(value: Any, name: str) -> bool:
    if name == "integer":  # JSON Schema: 5.0 is an integer, true is not
        return type(value) is int or (type(value) is float and value.is_integer())
    expected = {"object": dict, "string": str, "boolean": bool, "array": list}.get(name)
    return value is None if expected is None else type(value) is expected


def _object(value: dict[Any, Any], kind: mi.StructType, where: str) -> Iterator[tuple[str, str]]:
    fields = {f.encode_name: f for f in kind.fields}
    for key in value:
        if key not in fields:
            yield pointer_in(where, key), "property not in the schema"
    for name, field in fields.items():
        if name in value:
            yield from _walk(value[name], field.type, pointer_in(where, name))
        elif field.required:
            yield pointer_in(where, name), "required property is missing"


def pointer_in(where: str, step: object) -> str:
    return where + pointer(step)


def _array(value: list[Any], kind: Any, where: str) -> Iterator[tuple[str, str]]:
    if kind.min_length is not None and len(value) < kind.min_length:
        short = "should be non-empty" if kind.min_length == 1 else "is too short"
        yield where, f"{_show(value)} {short}"
    if kind.max_length is not None and len(value) > kind.max_length:
        yield where, f"{_show(value)} is too long"
    for i, item in enumerate(value):
        yield from _walk(item, kind.item_type, f"{where}/{i}")


def _string(value: str, kind: mi.StrType, fmt: str | None, where: str) -> Iterator[tuple[str, str]]:
    if _has_surrogate(value):
        yield where, SURROGATE
    elif fmt is not None and (problem := _format_problem(fmt, value)):
        yield where, problem
    elif kind.pattern is not None and re.search(kind.pattern, value) is None:
        yield where, f"{_show(value)} does not match {kind.pattern!r}"


def _bounds(value: float, kind: mi.IntType, where: str) -> Iterator[tuple[str, str]]:
    if kind.ge is not None and value < kind.ge:
        yield where, f"{_show(value)} is less than the minimum of {kind.ge}"
    if kind.le is not None and value > kind.le:
        yield where, f"{_show(value)} is greater than the maximum of {kind.le}"


def _enum(value: Any, kind: mi.EnumType | mi.LiteralType, where: str) -> Iterator[tuple[str, str]]:
    values = [m.value for m in kind.cls] if isinstance(kind, mi.EnumType) else list(kind.values)
    if type(value) is not str or value not in values:
        yield where, f"{_show(value)} is not one of {values!r}"


def _format_problem(fmt: str, value: str) -> str | None:
    """Why `value` is not a `fmt` the gate reads: not one at all, or outside its years."""
    try:
        _FORMATS[fmt](value)
    except ValueError as exc:
        if OUT_OF_RANGE in str(exc):
            return f"{_show(value)} is {OUT_OF_RANGE}"
        return f"{_show(value)} is not a '{fmt}'"
    return None


def _show(value: Any) -> str:
    """A value as an error message quotes it: short, and never the whole of a deep array."""
    if isinstance(value, list):
        return "[]" if not value else "[…]"
    if isinstance(value, dict):
        return "{}" if not value else "{…}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _impossible(raw: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """What the schema admits and the clock or the zone database does not (raw is valid)."""
    borrower = raw["borrower"]
    for i, name in enumerate(borrower["timezones"]):
        problem = zone_problem(name)
        if problem:
            yield f"/borrower/timezones/{i}", problem
    for group in ("consents", "inconvenient"):
        for i, item in enumerate(borrower.get(group, ())):
            if "window" in item:
                try:
                    window(tuple(item["window"]))
                except ValueError as exc:
                    yield f"/borrower/{group}/{i}/window", str(exc)


def _surrogates(value: Any, where: str) -> Iterator[str]:
    """JSON pointers of the strings (and keys) holding a lone surrogate, depth first."""
    if isinstance(value, str):
        if _has_surrogate(value):
            yield where
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and _has_surrogate(key):
                yield where
            yield from _surrogates(item, pointer_in(where, key))
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _surrogates(item, f"{where}/{i}")
