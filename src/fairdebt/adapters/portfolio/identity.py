"""Vectorised checks of personal identifiers: PRC resident IDs and phone numbers.

The common cases (18-character IDs, Chinese mobile numbers) are checked with Arrow kernels and
numpy; only the unusual rows fall back to python-stdnum / phonenumbers, which also give the
reason in words.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fairdebt.domain.borrower import normalise_national_id, normalise_phone
from fairdebt.domain.errors import DomainError

# ISO 7064 MOD 11-2 weights of GB 11643-1999.
_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
_MOBILE = r"^(?:\+?86[ -]?)?(1[3-9]\d{9})$"


def _mask(array: pa.Array) -> np.ndarray:
    return np.asarray(array.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _checksum_ok(ids: pa.Array) -> np.ndarray:
    """ids: 18-character strings (digits, last may be X). True where the check digit fits."""
    fixed = ids.cast(pa.binary()).cast(pa.binary(18))
    raw = np.frombuffer(fixed.buffers()[1], dtype=np.uint8)
    chars = raw[fixed.offset * 18 : (fixed.offset + len(fixed)) * 18].reshape(-1, 18)
    digits = chars[:, :17].astype(np.int64) - ord("0")
    expected = _CHECK[(digits @ _WEIGHTS) % 11]
    return np.asarray(expected == chars[:, 17], dtype=bool)


def check_national_id(text: pa.Array) -> tuple[pa.Array, tuple[tuple[np.ndarray, str], ...]]:
    upper = pc.utf8_upper(text)
    shaped = _mask(pc.match_substring_regex(upper, r"^\d{17}[\dX]$"))
    ok = np.zeros(len(text), dtype=bool)
    if shaped.any():
        idx = np.flatnonzero(shaped)
        subset = upper.take(pa.array(idx))
        born = pc.utf8_slice_codeunits(subset, 6, 14)
        parsed = pc.strptime(born, format="%Y%m%d", unit="s", error_is_null=True)
        real_date = _mask(pc.equal(pc.strftime(parsed, format="%Y%m%d"), born))
        ok[idx] = _checksum_ok(subset) & real_date
    present = _mask(pc.is_valid(text))
    bad = present & ~ok
    reasons: list[tuple[np.ndarray, str]] = []
    # Explain the rare failures in words with python-stdnum (it also accepts old 15-digit IDs).
    values = upper.to_pylist()
    normalised = list(values)
    for i in np.flatnonzero(bad):
        try:
            normalised[i] = normalise_national_id(values[i])
            bad[i] = False
        except DomainError as exc:
            one = np.zeros(len(text), dtype=bool)
            one[i] = True
            reasons.append((one, str(exc)))
    return pa.array(normalised, pa.string()), tuple(reasons)


def check_phones(text: pa.Array) -> tuple[pa.Array, tuple[tuple[np.ndarray, str], ...]]:
    """Semicolon-separated numbers -> E.164 joined by ';'."""
    parts = pc.split_pattern(text, ";")
    flat = pc.utf8_trim_whitespace(pc.list_flatten(parts))
    mobile = _mask(pc.match_substring_regex(flat, _MOBILE))
    if mobile.all():
        fixed = pc.replace_substring_regex(flat, _MOBILE, r"+86\1")
        rebuilt = _rejoin(parts, fixed)
        return rebuilt, ()
    return _phones_slow(text)


def _rejoin(parts: pa.Array, flat: pa.Array) -> pa.Array:
    lists = pa.ListArray.from_arrays(parts.offsets, flat, mask=pc.is_null(parts))
    return pc.binary_join(lists, ";")


def _phones_slow(text: pa.Array) -> tuple[pa.Array, tuple[tuple[np.ndarray, str], ...]]:
    out: list[str | None] = []
    reasons: list[tuple[np.ndarray, str]] = []
    for i, value in enumerate(text.to_pylist()):
        if value is None:
            out.append(None)
            continue
        try:
            out.append(";".join(normalise_phone(p.strip()) for p in value.split(";") if p.strip()))
        except DomainError as exc:
            one = np.zeros(len(text), dtype=bool)
            one[i] = True
            reasons.append((one, str(exc)))
            out.append(None)
    return pa.array(out, pa.string()), tuple(reasons)
