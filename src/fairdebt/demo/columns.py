"""Numpy arrays in, Arrow columns out, with no Python object per row.

Fixed-width ASCII text (ids, phone numbers, references) is laid out as a uint8 matrix and handed
to Arrow as raw buffers; amounts are int64 cents turned into decimal128 by writing the 16-byte
two's-complement words directly; dates are int32 days since 1970-01-01. At 10 million accounts
these are the difference between seconds and hours.
"""

from __future__ import annotations

from datetime import date
from typing import cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

EPOCH = date(1970, 1, 1)
MONEY = pa.decimal128(18, 2)
RATE = pa.decimal128(7, 4)  # yearly rates to 1/100 of a percent point: 0.1825


def day_number(day: date) -> int:
    return (day - EPOCH).days


def digits(values: np.ndarray, width: int) -> np.ndarray:
    """Non-negative integers as zero-padded ASCII digits: an (n, width) uint8 matrix."""
    out = np.empty((len(values), width), dtype=np.uint8)
    rest = values.astype(np.int64, copy=True)
    for col in range(width - 1, -1, -1):
        out[:, col] = rest % 10 + ord("0")
        rest //= 10
    return out


def constant(text: str, n: int) -> np.ndarray:
    """The same ASCII text on every row, as an (n, len) uint8 matrix."""
    row = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    return np.broadcast_to(row, (n, len(row)))


def ascii_text(*parts: np.ndarray) -> pa.Array:
    """Join (n, w_i) uint8 matrices side by side into one Arrow string column."""
    matrix = np.ascontiguousarray(np.hstack(parts), dtype=np.uint8)
    n, width = matrix.shape
    offsets = np.arange(n + 1, dtype=np.int32) * np.int32(width)  # a chunk stays under 2 GiB
    return pa.Array.from_buffers(
        pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(matrix)]
    )


def ident_matrix(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """`A0000000042`-style ids as an ASCII matrix, to be indexed by row and reused."""
    return np.hstack([constant(prefix, len(numbers)), digits(numbers, width)])


def ident(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """`A0000000042`-style ids: a letter and a zero-padded number."""
    return ascii_text(ident_matrix(prefix, numbers, width))


def random_digits(n: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """Random ASCII digits, drawn straight into an (n, width) matrix."""
    return rng.integers(ord("0"), ord("9") + 1, (n, width), dtype=np.uint8)


def cents(values: np.ndarray) -> pa.Array:
    """int64 cents -> decimal128(18, 2), exactly (no float on the way)."""
    low = values.astype(np.int64, copy=False)
    words = np.empty((len(low), 2), dtype=np.int64)
    words[:, 0] = low
    words[:, 1] = low >> 63  # sign extension into the high word
    return pa.Array.from_buffers(MONEY, len(low), [None, pa.py_buffer(words)])


def rates(ten_thousandths: np.ndarray) -> pa.Array:
    """Yearly rates held as int64 units of 0.0001 -> decimal128(7, 4)."""
    low = ten_thousandths.astype(np.int64, copy=False)
    words = np.zeros((len(low), 2), dtype=np.int64)
    words[:, 0] = low
    return pa.Array.from_buffers(RATE, len(low), [None, pa.py_buffer(words)])


def dates(days: np.ndarray) -> pa.Array:
    """Days since 1970-01-01 -> date32."""
    values = np.ascontiguousarray(days, dtype=np.int32)
    return pa.Array.from_buffers(pa.date32(), len(values), [None, pa.py_buffer(values)])


def pick(pool: pa.Array, index: np.ndarray) -> pa.Array:
    """Rows of a small pool of strings, chosen by index (a vectorised `pool[i]`)."""
    return pool.take(pa.array(index, type=pa.int32()))


def join(*parts: pa.Array | str) -> pa.Array:
    """Concatenate string columns (and constant strings) row by row."""
    return pc.binary_join_element_wise(*parts, "")


def number_text(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(values, type=pa.int64()), pa.string())


def yyyymmdd(days: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 -> the date as 8 ASCII digits, e.g. 20261124.

    Millions of rows share a few thousand distinct days: format each day once, then index.
    """
    if not len(days):
        return np.empty((0, 8), dtype=np.uint8)
    low = int(days.min())
    table = _yyyymmdd(np.arange(low, int(days.max()) + 1))
    return cast(np.ndarray, table[days - low])


def _yyyymmdd(days: np.ndarray) -> np.ndarray:
    stamp = days.astype("datetime64[D]")
    year = stamp.astype("datetime64[Y]").astype(np.int64) + 1970
    month_start = stamp.astype("datetime64[M]")
    month = month_start.astype(np.int64) % 12 + 1
    day = (stamp - month_start.astype("datetime64[D]")).astype(np.int64) + 1
    return digits(year * 10_000 + month * 100 + day, 8)


def add_months(days: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Same day of the month `months` later; days 29–31 are moved to the 28th first.

    Lenders in China fix the due day at disbursement; using at most the 28th keeps every
    month's due day the same, which is also what most lenders do.
    """
    stamp = days.astype("datetime64[D]")
    month_start = stamp.astype("datetime64[M]")
    day_of_month = np.minimum((stamp - month_start.astype("datetime64[D]")).astype(np.int64), 27)
    target = (month_start + months.astype(np.int64)).astype("datetime64[D]")
    return cast(np.ndarray, target.astype(np.int64) + day_of_month)


def group_positions(sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For groups of the given sizes laid end to end: each row's group and 0-based position."""
    owner = np.repeat(np.arange(len(sizes)), sizes)
    starts = np.cumsum(sizes) - sizes
    return owner, np.arange(int(sizes.sum())) - starts[owner]
