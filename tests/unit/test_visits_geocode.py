"""The demo geocoder: the same address always lands on the same spot, a few km from its city."""

from __future__ import annotations

import math

import pytest

from fairdebt.demo.cities import CITIES
from fairdebt.errors import FairdebtError
from fairdebt.visits.geocode import RADIUS_KM, geocode
from fairdebt.visits.routing import Haversine, Place


def km_between(a: Place, b: Place) -> float:
    metres, _ = Haversine(detour=1.0).matrix([a, b])
    return metres[0][1] / 1000


def test_the_same_address_gives_the_same_place_however_it_is_spaced() -> None:
    first = geocode("北京", "朝阳区建国路88号")
    assert geocode("北京", "朝阳区建国路88号") == first
    assert geocode("北京市", "  朝阳区建国路88号 ") == first
    assert geocode("北京", "朝阳区建国路８８号") == first  # full-width digits, NFKC
    assert geocode("北京", "朝阳区建国路89号") != first
    assert geocode("上海", "朝阳区建国路88号") != first


@pytest.mark.parametrize("city", CITIES, ids=lambda c: c.name)
def test_every_demo_city_places_addresses_within_a_few_km_of_its_centre(city: object) -> None:
    centre = Place(city.lat, city.lon)  # type: ignore[attr-defined]
    for n in range(40):
        place = geocode(city.name, f"幸福路{n}号")  # type: ignore[attr-defined]
        assert -90 <= place.lat <= 90 and -180 <= place.lon <= 180
        assert km_between(centre, place) <= RADIUS_KM + 0.05


def test_addresses_spread_over_the_disc_not_onto_one_point() -> None:
    centre = next(Place(c.lat, c.lon) for c in CITIES if c.name == "成都")
    distances = [km_between(centre, geocode("成都", f"人民南路{n}号")) for n in range(200)]
    assert min(distances) < 1.5 and max(distances) > 4.0
    assert len({round(d, 3) for d in distances}) > 190
    bearings = {
        math.copysign(1, geocode("成都", f"人民南路{n}号").lat - centre.lat) for n in range(50)
    }
    assert bearings == {1.0, -1.0}


@pytest.mark.parametrize(
    ("city", "address", "cause"),
    [
        ("巴黎", "1 rue de Rivoli", "no coordinates for the city"),
        ("", "x", "no coordinates for the city"),
        ("北京", "   ", "empty"),
        ("北京", "a\x00b", "not a usable address"),
        ("北京", "路" * 10_000, "not a usable address"),
    ],
)
def test_what_cannot_be_placed_is_refused_with_a_hint(city: str, address: str, cause: str) -> None:
    with pytest.raises(FairdebtError) as refused:
        geocode(city, address)
    assert cause in refused.value.cause and refused.value.hint
