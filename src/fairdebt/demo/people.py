"""Synthetic borrowers (借款人): names, resident IDs, phones, e-mail, addresses with coordinates.

Everything is drawn column-wise for a whole block of borrowers. Cities are drawn by population;
the resident ID's county code belongs to the same city and was valid in the year of birth; the
address is a real district of that city; the coordinates scatter normally (a few km, cut at 3
standard deviations) around the city centre.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fairdebt.demo.cities import CITIES, City
from fairdebt.demo.columns import day_number, ident, join, number_text, pick
from fairdebt.demo.identity import (
    FIRST_BIRTH_YEAR,
    LAST_BIRTH_YEAR,
    RegionTable,
    birth_days,
    national_ids,
    phone_lists,
    region_table,
)
from fairdebt.demo.pools import Pools

KM_PER_DEGREE = 111.32


@dataclass(frozen=True, slots=True)
class Places:
    """The city table as arrays, plus every '<province><city><district>' address prefix."""

    cities: tuple[City, ...]
    weights: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    spread_km: np.ndarray
    names: pa.Array
    zones: pa.Array
    district_start: np.ndarray
    district_count: np.ndarray
    prefixes: pa.Array
    regions: RegionTable


def build_places(cities: tuple[City, ...] = CITIES) -> Places:
    weights = np.array([c.weight for c in cities])
    counts = np.array([len(c.districts) for c in cities], dtype=np.int64)
    prefixes = [c.province + c.full_name + d for c in cities for _, d in c.districts]
    prefixes = [p.replace("东莞市东莞市", "东莞市") for p in prefixes]  # no districts there
    return Places(
        cities=cities,
        weights=weights / weights.sum(),
        lat=np.array([c.lat for c in cities]),
        lon=np.array([c.lon for c in cities]),
        spread_km=np.array([c.spread_km for c in cities]),
        names=pa.array([c.name for c in cities]),
        zones=pa.array([c.timezone for c in cities]),
        district_start=np.cumsum(counts) - counts,
        district_count=counts,
        prefixes=pa.array(prefixes),
        regions=region_table(cities),
    )


def borrowers(
    first_number: int, n: int, pools: Pools, places: Places, rng: np.random.Generator
) -> pa.Table:
    """`n` borrowers numbered from `first_number`, as a table in the borrowers format."""
    city = rng.choice(len(places.cities), n, p=places.weights)
    male = rng.random(n) < 0.56  # borrowers of consumer credit in China skew male
    born = birth_days(
        n, day_number(date(FIRST_BIRTH_YEAR, 1, 1)), day_number(date(LAST_BIRTH_YEAR, 12, 31)), rng
    )
    year = born.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    lat, lon = _coordinates(city, places, rng)
    return pa.table(
        {
            "borrower_id": ident("B", np.arange(first_number, first_number + n), 10),
            "name": _names(male, pools, rng),
            "national_id": national_ids(places.regions.sample(city, year, rng), born, male, rng),
            "phones": phone_lists(n, rng),
            "email": _emails(n, pools, rng),
            "address": _addresses(city, places, pools, rng),
            "city": pick(places.names, city),
            "lat": lat,
            "lon": lon,
            "timezone": pick(places.zones, city),
        }
    )


def _names(male: np.ndarray, pools: Pools, rng: np.random.Generator) -> pa.Array:
    n = len(male)
    surname = pick(pools.surnames, rng.choice(len(pools.surnames), n, p=pools.surname_weights))
    his = pick(pools.given_male, rng.integers(0, len(pools.given_male), n))
    hers = pick(pools.given_female, rng.integers(0, len(pools.given_female), n))
    return join(surname, pc.if_else(pa.array(male), his, hers))


def _emails(n: int, pools: Pools, rng: np.random.Generator) -> pa.Array:
    """About half give an e-mail: a QQ number at qq.com, or a romanised name elsewhere."""
    qq = join(number_text(rng.integers(10_000, 3_000_000_000, n)), "@qq.com")
    user = pick(pools.user_names, rng.integers(0, len(pools.user_names), n))
    domain = pick(pools.email_domains, rng.integers(1, len(pools.email_domains), n))
    named = join(user, "@", domain)
    email = pc.if_else(pa.array(rng.random(n) < 0.45), qq, named)
    return pc.if_else(pa.array(rng.random(n) < 0.55), email, pa.scalar(None, pa.string()))


def _addresses(
    city: np.ndarray, places: Places, pools: Pools, rng: np.random.Generator
) -> pa.Array:
    """'广东省广州市天河区惠州街88号5栋2单元1203室': district, street, number, flat."""
    n = len(city)
    district = places.district_start[city] + (rng.random(n) * places.district_count[city]).astype(
        np.int64
    )
    street = pick(pools.streets, rng.integers(0, len(pools.streets), n))
    number = number_text(rng.integers(1, 400, n))
    flat = join(
        number_text(rng.integers(1, 30, n)),
        "栋",
        number_text(rng.integers(1, 6, n)),
        "单元",
        number_text(rng.integers(1, 33, n) * 100 + rng.integers(1, 5, n)),
        "室",
    )
    flat = pc.if_else(pa.array(rng.random(n) < 0.7), flat, pa.scalar(""))
    return join(pick(places.prefixes, district), street, number, "号", flat)


def _coordinates(
    city: np.ndarray, places: Places, rng: np.random.Generator
) -> tuple[pa.Array, pa.Array]:
    """City centre plus normal noise of `spread_km`, cut at 3 sigma.

    Coastal cities may put a few addresses in the water; the strategy engine only needs
    distances, and a real geocoder is out of scope.
    """
    n = len(city)
    km = places.spread_km[city]
    north = np.clip(rng.standard_normal(n), -3, 3) * km / KM_PER_DEGREE
    east = np.clip(rng.standard_normal(n), -3, 3) * km / KM_PER_DEGREE
    lat = places.lat[city] + north
    lon = places.lon[city] + east / np.cos(np.radians(places.lat[city]))
    return pa.array(np.round(lat, 6)), pa.array(np.round(lon, 6))
