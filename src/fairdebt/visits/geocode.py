"""A stand-in geocoder for the demo and the tests: an address becomes a place near its city.

This is NOT a geocoder. It knows only the centres of the demo's cities
(`fairdebt.demo.cities.CITIES`) and puts an address at a fixed point within `RADIUS_KM` of its
city's centre, derived from a hash of the address: the same address always lands on the same
spot, different addresses spread over the city, and nothing leaves the machine. The route
planner gets plausible, reproducible coordinates from it. A real deployment plugs a geocoder
(a map provider's service, or coordinates kept with the address) in its place.
"""

from __future__ import annotations

import hashlib
import math
import unicodedata

from fairdebt.demo.cities import CITIES, City
from fairdebt.errors import FairdebtError
from fairdebt.visits.routing import Place

RADIUS_KM = 5.0
KM_PER_DEGREE_LAT = 111.32
MAX_ADDRESS_LENGTH = 500

_BY_NAME: dict[str, City] = {n: c for c in CITIES for n in (c.name, c.full_name)}


def geocode(city: str, address: str) -> Place:
    """The demo place of `address` in `city` (短名 such as 北京 or 全称 such as 北京市).

    Deterministic: a pure function of the city and the address written the same way (Unicode
    NFKC, surrounding and repeated white space ignored). Unknown city → `FairdebtError`.
    """
    centre = _find_city(city)
    text = _normalised(address)
    digest = hashlib.sha256(f"{centre.name}\n{text}".encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64
    v = int.from_bytes(digest[8:16], "big") / 2**64
    distance_km = RADIUS_KM * math.sqrt(u)  # uniform over the disc, not bunched at the centre
    bearing = 2 * math.pi * v
    dlat = distance_km * math.cos(bearing) / KM_PER_DEGREE_LAT
    dlon = (
        distance_km * math.sin(bearing) / (KM_PER_DEGREE_LAT * math.cos(math.radians(centre.lat)))
    )
    return Place(lat=round(centre.lat + dlat, 6), lon=round(centre.lon + dlon, 6))


def _find_city(name: str) -> City:
    key = "".join(unicodedata.normalize("NFKC", name).split()) if isinstance(name, str) else ""
    city = _BY_NAME.get(key)
    if city is None:
        raise FairdebtError(
            f"no coordinates for the city {str(name)[:40]!r}",
            "the demo geocoder knows the demo's cities only ("
            + "、".join(c.name for c in CITIES)
            + "); a real deployment plugs a geocoder",
        )
    return city


def _normalised(text: str) -> str:
    if not isinstance(text, str):
        raise FairdebtError(f"address {text!r} is not text", "give the address as text")
    if "\x00" in text or len(text) > MAX_ADDRESS_LENGTH:
        raise FairdebtError(
            "the address is not a usable address",
            f"give at most {MAX_ADDRESS_LENGTH} characters of text",
        )
    folded = " ".join(unicodedata.normalize("NFKC", text).split())
    if not folded:
        raise FairdebtError("the address is empty", "give the street address to visit")
    return folded
