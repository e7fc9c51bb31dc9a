"""PRC resident ID numbers and Chinese mobile numbers, made valid in bulk.

A resident identity number (GB 11643-1999) is the 6-digit code of the issuing county, the
birth date YYYYMMDD, a 3-digit sequence whose last digit is odd for men and even for women, and
an ISO 7064 MOD 11-2 check character. `stdnum.cn.ric` also checks that the county code existed
in the year of birth, so the codes are drawn per (city, birth year) from stdnum's own table of
administrative divisions: every number generated here passes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fairdebt.demo.cities import City
from fairdebt.demo.columns import ascii_text, constant, digits, yyyymmdd
from fairdebt.demo.pools import MOBILE_PREFIXES

FIRST_BIRTH_YEAR, LAST_BIRTH_YEAR = 1960, 2004
_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)  # ISO 7064 MOD 11-2, by remainder


@dataclass(frozen=True, slots=True)
class RegionTable:
    """County codes valid per (city, birth year), flattened for vectorised sampling."""

    codes: np.ndarray  # int64 6-digit codes, grouped by (city, year)
    start: np.ndarray  # (cities, years): first index into `codes`
    count: np.ndarray  # (cities, years): how many codes

    def sample(self, city: np.ndarray, year: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        cell = (city, year - FIRST_BIRTH_YEAR)
        pick = (rng.random(len(city)) * self.count[cell]).astype(np.int64)
        return cast(np.ndarray, self.codes[self.start[cell] + pick])


def region_table(cities: tuple[City, ...]) -> RegionTable:
    """Read stdnum's division table once: which codes of each city were valid in each year."""
    from stdnum import numdb

    db = numdb.get("cn/loc")
    years = range(FIRST_BIRTH_YEAR, LAST_BIRTH_YEAR + 1)
    codes: list[int] = []
    start = np.zeros((len(cities), len(years)), dtype=np.int64)
    count = np.zeros_like(start)
    for c, city in enumerate(cities):
        spans = [(code, s) for p in city.id_code_prefixes for code, s in _spans(db, p)]
        for y, year in enumerate(years):
            valid = _valid_in(spans, year)
            if not valid:
                raise ValueError(f"no resident-ID county code for {city.name} in {year}")
            start[c, y], count[c, y] = len(codes), len(valid)
            codes += valid
    return RegionTable(np.array(codes, dtype=np.int64), start, count)


Span = tuple[int, int, str]  # first year, last year, name


def _spans(db: object, prefix: str) -> list[tuple[int, tuple[Span, ...]]]:
    candidates = [prefix] if len(prefix) == 6 else [f"{prefix}{i:02d}" for i in range(100)]
    found = []
    for code in candidates:
        county = {k: v for _, props in db.info(code) for k, v in props.items()}.get("county")  # type: ignore[attr-defined]
        if county:
            found.append((int(code), _parse_county(county)))
    return found


def _parse_county(county: str) -> tuple[Span, ...]:
    """'[1983-1995]东区,[1996-]芙蓉区' -> ((1983, 1995, '东区'), (1996, 9999, '芙蓉区'))."""
    spans = []
    for part in county.split(","):
        if not part.startswith("["):
            spans.append((0, 9999, part))
            continue
        years, name = part[1:].split("]")
        first, last = years.split("-")
        spans.append((int(first or 0), int(last or 9999), name))
    return tuple(spans)


def _valid_in(spans: list[tuple[int, tuple[Span, ...]]], year: int) -> list[int]:
    """Codes valid in `year`; county-level ones first, the city's own code only as a fallback."""
    valid = [code for code, s in spans if any(lo <= year <= hi for lo, hi, _ in s)]
    named = {code: n for code, s in spans for lo, hi, n in s if lo <= year <= hi}
    counties = [c for c in valid if c % 100 != 0 and named[c] not in ("市辖区", "市区")]
    return counties or valid


def birth_days(n: int, first_day: int, last_day: int, rng: np.random.Generator) -> np.ndarray:
    """Birth dates between two days, most borrowers in their late twenties to forties."""
    back = rng.beta(2.2, 4.0, n) * (last_day - first_day)
    return (last_day - back.astype(np.int64)).astype(np.int64)


def national_ids(
    region: np.ndarray, born: np.ndarray, male: np.ndarray, rng: np.random.Generator
) -> pa.Array:
    """18-character resident ID numbers with the right sex digit and check character."""
    sequence = rng.integers(0, 500, len(region)) * 2 + male.astype(np.int64)
    body = np.hstack([digits(region, 6), yyyymmdd(born), digits(sequence, 3)])
    remainder = ((body.astype(np.int64) - ord("0")) @ _WEIGHTS) % 11
    return ascii_text(body, _CHECK[remainder][:, None])


def mobiles(n: int, rng: np.random.Generator) -> np.ndarray:
    """11-digit mobile numbers on real operator prefixes, as an (n, 11) ASCII matrix."""
    prefixes = np.array([p for p, _ in MOBILE_PREFIXES], dtype=np.int64)
    weights = np.array([w for _, w in MOBILE_PREFIXES], dtype=np.float64)
    prefix = rng.choice(prefixes, n, p=weights / weights.sum())
    return digits(prefix * 100_000_000 + rng.integers(0, 100_000_000, n), 11)


def phone_lists(n: int, rng: np.random.Generator) -> pa.Array:
    """One number, or two separated by ';' with the second written in +86 form."""
    first = ascii_text(mobiles(n, rng))
    both = ascii_text(mobiles(n, rng), constant(";+86", n), mobiles(n, rng))
    two = rng.random(n) < 0.25
    return pc.if_else(pa.array(two), both, first)
