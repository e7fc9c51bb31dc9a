"""Vectorised column checks: raw Arrow column in, normalised column and problems out.

Every check works on whole columns with pyarrow.compute/numpy, so a million rows cost a few
Arrow kernels, not a million Python objects. Problems come back as (row mask, reason) pairs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import available_timezones

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fairdebt.adapters.portfolio.spec import ColumnSpec

Problem = tuple[np.ndarray, str]  # boolean mask over rows, plain reason


@dataclass(frozen=True, slots=True)
class Checked:
    values: pa.Array
    problems: tuple[Problem, ...]


def _mask(array: pa.Array) -> np.ndarray:
    return np.asarray(array.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def as_text(values: pa.Array) -> pa.Array:
    """Strings with surrounding blanks removed; empty cells become null."""
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        values = values.cast(pa.string())
    text = pc.utf8_trim_whitespace(values)
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, text.type), text)


def _text(values: pa.Array, _spec: ColumnSpec) -> Checked:
    return Checked(as_text(values), ())


def _id(values: pa.Array, _spec: ColumnSpec) -> Checked:
    text = as_text(values)
    bad = _mask(pc.greater(pc.utf8_length(text), 60))
    return Checked(text, ((bad, "an id may have at most 60 characters"),))


def _enum(values: pa.Array, spec: ColumnSpec) -> Checked:
    text = pc.utf8_lower(as_text(values))
    bad = _mask(pc.invert(pc.is_in(text, pa.array(spec.choices)))) & _mask(pc.is_valid(text))
    return Checked(text, ((bad, "must be one of " + ", ".join(spec.choices)),))


def _currency(values: pa.Array, _spec: ColumnSpec) -> Checked:
    text = pc.utf8_upper(as_text(values))
    bad = _mask(pc.invert(pc.match_substring_regex(text, r"^[A-Z]{3}$")))
    return Checked(text, ((bad, "must be an ISO 4217 code such as CNY"),))


def _money(values: pa.Array, spec: ColumnSpec) -> Checked:
    """To int64 cents, exactly; reject more than two decimals, non-numbers and negatives."""
    kind = values.type
    if pa.types.is_decimal(kind):
        scaled = pc.multiply(values, pa.scalar(100, pa.decimal128(3, 0)))
        cents = pc.cast(pc.round(scaled, 0), pa.int64())
        inexact = _mask(pc.not_equal(pc.cast(cents, scaled.type), scaled))
        problems: list[Problem] = [(inexact, "has more than two decimals")]
    elif pa.types.is_integer(kind):
        cents = pc.multiply(pc.cast(values, pa.int64()), 100)
        problems = []
    elif pa.types.is_floating(kind):
        scaled = pc.multiply(pc.cast(values, pa.float64()), 100.0)
        cents = pc.cast(pc.round(scaled, 0), pa.int64())
        drift = pc.abs(pc.subtract(scaled, pc.cast(cents, pa.float64())))
        problems = [(_mask(pc.greater(drift, 1e-6)), "is not an exact number of cents")]
    else:
        text = pc.replace_substring(as_text(values), ",", "")
        ok = _mask(pc.match_substring_regex(text, r"^-?\d{1,15}(\.\d{1,2})?$"))
        one = pc.replace_substring_regex(text, r"^(-?\d+)\.(\d)$", r"\1\20")
        two = pc.replace_substring_regex(one, r"^(-?\d+)\.(\d\d)$", r"\1\2")
        whole = pc.replace_substring_regex(two, r"^(-?\d+)$", r"\100")
        digits = pc.if_else(pc.match_substring_regex(text, r"\."), two, whole)
        safe = pc.if_else(pa.array(ok), digits, pa.scalar(None, pa.string()))
        cents = pc.cast(safe, pa.int64())
        present = _mask(pc.is_valid(text))
        problems = [(present & ~ok, "is not an amount like 1234.56")]
    floor = 1 if spec.positive else 0
    low = _mask(pc.less(cents, floor))
    problems.append((low, "must be greater than 0" if spec.positive else "cannot be negative"))
    return Checked(cents, tuple(problems))


def _rate(values: pa.Array, _spec: ColumnSpec) -> Checked:
    text = as_text(values)
    ok = _mask(pc.match_substring_regex(text, r"^\d{1,3}(\.\d{1,10})?$"))
    present = _mask(pc.is_valid(text))
    return Checked(text, ((present & ~ok, "is not a yearly rate like 0.154 (= 15.4 %)"),))


# The years a date may fall in: Arrow reads the year 0000, which neither Python nor PostgreSQL
# has, and no loan is older than 1900 or due after 9000 (the gate's range, docs/gate.md).
FIRST_YEAR, LAST_YEAR = 1900, 9000


def _date(values: pa.Array, _spec: ColumnSpec) -> Checked:
    if pa.types.is_date(values.type) or pa.types.is_timestamp(values.type):
        return _in_years(values.cast(pa.date32()), ())
    text = as_text(values)
    parsed = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
    # strptime rolls 2026-02-30 over to March: only a round trip proves the date exists.
    same = pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), text)
    bad = _mask(pc.is_valid(text)) & ~_mask(same)
    clean = pc.if_else(pa.array(~bad), parsed, pa.scalar(None, parsed.type))
    return _in_years(clean.cast(pa.date32()), ((bad, "is not a date YYYY-MM-DD"),))


def _in_years(dates: pa.Array, problems: tuple[Problem, ...]) -> Checked:
    """`dates` with those outside FIRST_YEAR..LAST_YEAR made null and reported."""
    years = pc.year(dates)
    out = _mask(pc.or_(pc.less(years, FIRST_YEAR), pc.greater(years, LAST_YEAR)))
    clean = pc.if_else(pa.array(~out), dates, pa.scalar(None, dates.type))
    return Checked(clean, (*problems, (out, f"is outside the years {FIRST_YEAR} to {LAST_YEAR}")))


def _int(values: pa.Array, _spec: ColumnSpec) -> Checked:
    if pa.types.is_integer(values.type):
        ints = values.cast(pa.int64())
        return Checked(ints, ((_mask(pc.less(ints, 1)), "must be 1 or more"),))
    text = as_text(values)
    ok = _mask(pc.match_substring_regex(text, r"^\d{1,9}$"))
    present = _mask(pc.is_valid(text))
    ints = pc.cast(pc.if_else(pa.array(ok), text, pa.scalar(None, pa.string())), pa.int64())
    return Checked(
        ints,
        ((present & ~ok, "is not a whole number"), (_mask(pc.less(ints, 1)), "must be 1 or more")),
    )


def _float(values: pa.Array, _spec: ColumnSpec) -> Checked:
    if pa.types.is_floating(values.type) or pa.types.is_integer(values.type):
        return Checked(values.cast(pa.float64()), ())
    text = as_text(values)
    ok = _mask(pc.match_substring_regex(text, r"^-?\d{1,3}(\.\d+)?$"))
    present = _mask(pc.is_valid(text))
    cleaned = pc.if_else(pa.array(ok), text, pa.scalar(None, pa.string()))
    return Checked(pc.cast(cleaned, pa.float64()), ((present & ~ok, "is not a number"),))


def _timezone(values: pa.Array, _spec: ColumnSpec) -> Checked:
    text = as_text(values)
    known = pa.array(sorted(available_timezones()))
    bad = _mask(pc.is_valid(text)) & ~_mask(pc.is_in(text, known))
    return Checked(text, ((bad, "is not an IANA time zone such as Asia/Shanghai"),))


from fairdebt.adapters.portfolio.identity import check_national_id, check_phones  # noqa: E402

CHECKS: dict[str, Callable[[pa.Array, ColumnSpec], Checked]] = {
    "id": _id,
    "text": _text,
    "money": _money,
    "rate": _rate,
    "date": _date,
    "int": _int,
    "float": _float,
    "enum": _enum,
    "currency": _currency,
    "timezone": _timezone,
    "national_id": lambda v, s: Checked(*check_national_id(as_text(v))),
    "phones": lambda v, s: Checked(*check_phones(as_text(v))),
}
